import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dimensionPairs } from '../../../bin/lib/cliOptions';
import { EXAMPLE_POLICY } from '../../harness/fixtures';

// Hostile input at the command line (an audit of every command's options): each row was a hang, a stack trace,
// an exit 0 on a value that was not used, or a refusal naming the wrong thing. One line on stderr and exit 1,
// before any AWS call (the endpoint below answers nothing). cliBadInput.test.ts has the first such rows.
const CLI = new URL('../../../bin/scalepilot', import.meta.url).pathname;
const TRACE = new URL('../../../../shared/traces/ec2_network_in_257a54.csv', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'scalepilot-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file of this text in the test's folder. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A file of this text in UTF-16 with its byte order mark, little-endian (FF FE) or big-endian (FE FF). */
function utf16(name: string, text: string, bom: 'FF FE' | 'FE FF'): string {
  const le = Buffer.from(`\ufeff${text}`, 'utf16le');
  const path = join(dir, name);
  writeFileSync(path, bom === 'FF FE' ? le : le.swap16());
  return path;
}

function scalepilot(args: readonly string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    // A command that hangs fails its row (spawnSync blocks the test's own timeout).
    timeout: 30_000,
    env: { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1', ...env },
  });
}

describe('hostile input: one line naming what and where, exit 1, before AWS', () => {
  it.each([
    {
      name: 'a policy that is a device without end (validate /dev/zero hung, filling memory)',
      args: ['validate', '/dev/zero'],
      line: /^\/dev\/zero: \(file\): goes on past 1048576 bytes; a policy may be at most that \(1 MiB\)$/,
    },
    {
      name: 'a trace that is a device without end (hung)',
      args: ['backtest', '--trace', '/dev/zero'],
      line: /^backtest --trace: \/dev\/zero: cannot be read \(goes on past 268435456 bytes\)$/,
    },
    {
      name: 'a price table that is JSON but null (a TypeError and its stack trace)',
      args: ['prices', '--out', file('null.json', 'null')],
      line: /^--out: .*null\.json: not a price table \(expected an object with "regions"\)$/,
    },
    {
      name: 'a price table without regions (a TypeError and its stack trace)',
      args: ['prices', '--out', file('empty.json', '{}')],
      line: /^--out: .*empty\.json: not a price table \("regions" is not an object of regions\)$/,
    },
    {
      name: 'a price table whose region is null (a TypeError and its stack trace)',
      args: ['prices', '--out', file('null-region.json', '{"regions":{"us-east-1":null}}')],
      line: /not a price table \(regions\["us-east-1"\] is not an object of price families \(ec2, rds:postgres, .*, elasticache\)\)$/,
    },
    {
      name: 'a wildcard region (asked of the Price List API, and written into the table as a region)',
      args: ['prices', '--regions', 'us-east-1,*', '--out', join(dir, 'new-prices.json')],
      line: /^--regions: "\*" is not a list of AWS Region codes \(e\.g\. us-east-1,eu-west-1\)$/,
    },
    {
      name: 'an --assert given twice (the first was dropped: an overload of 120 exited 0)',
      args: ['backtest', '--trace', TRACE, '--json', '--assert', 'overload<=0', '--assert', 'costRatio<=100'],
      line: /^error: option '--assert <checks>' given twice: give it once \(the last would win\)$/,
    },
    {
      name: 'pause of two stages (the last, dev, was paused)',
      args: ['pause', '--stage', 'prod', '--stage', 'dev'],
      line: /^error: option '--stage <stage>' given twice: give it once/,
    },
    {
      name: 'an empty --assert (no check, exit 0)',
      args: ['backtest', '--trace', TRACE, '--json', '--assert', ''],
      line: /^error: option '--assert <checks>' argument '' is invalid: it is empty$/,
    },
    {
      name: 'an empty --policy (backtested without it, exit 0)',
      args: ['backtest', '--trace', TRACE, '--json', '--policy', ''],
      line: /^error: option '--policy <file>' argument '' is invalid: it is empty$/,
    },
    {
      name: 'an empty schema --out (printed to stdout, exit 0)',
      args: ['schema', '--out', ''],
      line: /^error: option '-o, --out <file>' argument '' is invalid: it is empty$/,
    },
    {
      name: 'an empty predict --target (every target, from CloudWatch)',
      args: ['predict', EXAMPLE_POLICY, '--target', ''],
      line: /^error: option '--target <name>' argument '' is invalid: it is empty$/,
    },
    {
      name: 'an empty policy file name (": (file): cannot be read", naming nothing)',
      args: ['validate', ''],
      line: /^error: argument 'file' is empty$/,
    },
    {
      name: 'a --limit in hexadecimal (read as 16)',
      args: ['decisions', EXAMPLE_POLICY, '--limit', '0x10'],
      line: /^--limit: "0x10" is not a whole number, 1 or more$/,
    },
    {
      name: 'forecast --hours in hexadecimal (read as 16)',
      args: ['forecast', '--trace', TRACE, '--hours', '0x10'],
      line: /^--hours: 0x10 is not a whole number of hours from 1 to 168$/,
    },
    {
      name: 'why --at a day that does not exist (read as March 2)',
      args: ['why', EXAMPLE_POLICY, '--target', 'api', '--at', '2026-02-30T10:00'],
      line: /^--at: "2026-02-30T10:00" is not a time \(give e\.g\. /,
    },
    {
      name: 'forecast --at a day that does not exist (read as May 1)',
      args: ['forecast', '--trace', TRACE, '--at', '2014-04-31T00:00Z'],
      line: /^--at: "2014-04-31T00:00Z" is not a time \(give e\.g\. 2026-01-02T14:05Z, "2026-01-02 14:05" or 14:05, UTC\)$/,
    },
    {
      name: 'forecast --cloudwatch --at that is no time (read after the CloudWatch requests, which it cost)',
      args: ['forecast', '--cloudwatch', '--namespace', 'A', '--metric', 'B', '--at', 'soon'],
      line: /^--at: "soon" is not a time \(give e\.g\. /,
    },
    {
      name: 'backtest --trace with --namespace, a CloudWatch option (ignored: the file was replayed)',
      args: ['backtest', '--trace', TRACE, '--namespace', 'AWS/EC2'],
      line: /^error: option '--namespace <ns>' cannot be used with option '--trace <file>'$/,
    },
    {
      name: 'backtest --trace with --dimensions (ignored)',
      args: ['backtest', '--trace', TRACE, '--dimensions', 'AutoScalingGroupName=web'],
      line: /^error: option '--dimensions <list>' cannot be used with option '--trace <file>'$/,
    },
    {
      name: 'tune --trace with --days 3 (ignored: the whole file was searched)',
      args: ['tune', '--trace', TRACE, '--days', '3'],
      line: /^error: option '--days <n>' cannot be used with option '--trace <file>'$/,
    },
    {
      name: "forecast --trace with --statistic Maximum (ignored: the file's values as they are)",
      args: ['forecast', '--trace', TRACE, '--statistic', 'Maximum'],
      line: /^error: option '--statistic <stat>' cannot be used with option '--trace <file>'$/,
    },
    {
      name: 'forecast --trace with --metric (ignored)',
      args: ['forecast', '--metric', 'CPUUtilization', '--trace', TRACE],
      line: /^error: option '--metric <name>' cannot be used with option '--trace <file>'$/,
    },
    {
      name: "a plan backtest of a trace and of the plan's own CloudWatch demand (the trace was not read)",
      args: [
        'backtest',
        '--trace',
        TRACE,
        '--cloudwatch',
        '--policy',
        EXAMPLE_POLICY,
        '--plan',
        'ticket-rush',
      ],
      line: /^backtest: give --trace FILE or --cloudwatch, not both$/,
    },
    {
      name: 'a stage longer than a Lambda function name takes (pause set a switch no deploy can read)',
      args: ['pause', '--stage', 'a'.repeat(37)],
      line: /^error: option '--stage <stage>' argument 'a{37}' is invalid\. The stage is 37 characters; a stage is at most 36 \(it names the Lambda function scalepilot-<stage>-scaleRdsReplicas, and Lambda takes at most 64 characters\)$/,
    },
    {
      name: 'a policy saved as UTF-16 little-endian, as Notepad\'s "Unicode" ("(top level): expected object, received string")',
      args: ['validate', utf16('le.yml', readFileSync(EXAMPLE_POLICY, 'utf8'), 'FF FE')],
      line: /le\.yml: \(file\): is UTF-16 \(it starts with the byte order mark FF FE\): save it as UTF-8$/,
    },
    {
      name: 'a policy saved as UTF-16 big-endian',
      args: ['validate', utf16('be.yml', readFileSync(EXAMPLE_POLICY, 'utf8'), 'FE FF')],
      line: /be\.yml: \(file\): is UTF-16 \(it starts with the byte order mark FE FF\): save it as UTF-8$/,
    },
    {
      name: 'a trace saved as UTF-16 little-endian, as Excel\'s "Unicode text" (a parse error on every line)',
      args: ['backtest', '--trace', utf16('le.csv', readFileSync(TRACE, 'utf8'), 'FF FE')],
      line: /^backtest --trace: .*le\.csv: is UTF-16 \(it starts with the byte order mark FF FE\): save it as UTF-8$/,
    },
    {
      name: 'a trace saved as UTF-16 big-endian, to tune',
      args: ['tune', '--trace', utf16('be.csv', readFileSync(TRACE, 'utf8'), 'FE FF')],
      line: /^tune --trace: .*be\.csv: is UTF-16 \(it starts with the byte order mark FE FF\): save it as UTF-8$/,
    },
    {
      name: 'a forecast trace saved as UTF-16',
      args: ['forecast', '--trace', utf16('fc.csv', readFileSync(TRACE, 'utf8'), 'FF FE')],
      line: /^forecast --trace: .*fc\.csv: is UTF-16 \(it starts with the byte order mark FF FE\): save it as UTF-8$/,
    },
    {
      name: 'a dimension named twice (the last silently won)',
      args: ['backtest', '--cloudwatch', '--namespace', 'A', '--metric', 'B', '--dimensions', 'Id=a,Id=b'],
      line: /^--dimensions: "Id" is given twice$/,
    },
    {
      name: 'plan of both a stage and a table (the stage silently not read)',
      args: ['plan', EXAMPLE_POLICY, '--stage', 'prod', '--table', 'ledger'],
      line: /^error: option '--table <name>' cannot be used with option '--stage <stage>'$/,
    },
    {
      name: 'why of both a stage and a table (the stage silently not read)',
      args: ['why', EXAMPLE_POLICY, '--target', 'api', '--stage', 'prod', '--table', 'ledger'],
      line: /^error: option '--table <name>' cannot be used with option '--stage <stage>'$/,
    },
    {
      name: 'plan --account without a ledger to read (ignored)',
      args: ['plan', EXAMPLE_POLICY, '--account', '123456789012'],
      line: /^--account names whose records the ledger is read for: give --stage or --table with it$/,
    },
    {
      name: 'predict --account without --table (ignored)',
      args: ['predict', EXAMPLE_POLICY, '--account', '123456789012'],
      line: /^--account names whose records the ledger is read for: give --table with it$/,
    },
    {
      name: 'a policy nested thousands deep (JavaScript\'s "Maximum call stack size exceeded")',
      args: ['validate', file('deep.yml', `version: 1\ntargets: ${'['.repeat(5000)}${']'.repeat(5000)}\n`)],
      line: /deep\.yml: line 2, column \d+: nested too deeply \(a policy is a few levels of maps and lists\)$/,
    },
  ])('$name', ({ args, line }) => {
    const run = scalepilot(args);
    const stderr = run.stderr.trim();
    expect(run.status).toBe(1);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(line);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('a trace of terminal escapes and a megabyte line: each bad line quoted escaped and cut, one line each', () => {
    const trace = file(
      'escapes.csv',
      `timestamp,value\n\u001b[2J\u001b[31mboom,1\n${'x'.repeat(1_000_000)}\n2026-01-01T00:00:00Z,1\n`,
    );
    const run = scalepilot(['backtest', '--trace', trace]);
    expect(run.status).toBe(1);
    // The escapes moved the terminal's cursor and coloured it; the long line was quoted whole, twice a megabyte.
    expect(run.stderr).not.toContain('\u001b');
    expect(run.stderr.length).toBeLessThan(1000);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/escapes\.csv:2: "\\u001b\[2J\\u001b\[31mboom" is not a timestamp, in "\\u001b/),
      expect.stringMatching(
        /escapes\.csv:3: expected "timestamp,value", got "x{80}"… \(1000000 characters\)$/,
      ),
    ]);
  });

  it('an option whose default is empty still takes an empty value (--dimensions: none)', () => {
    const run = scalepilot([
      'backtest',
      '--cloudwatch',
      '--namespace',
      'A',
      '--metric',
      'B',
      '--dimensions',
      '',
    ]);
    // Past the options to CloudWatch, which this endpoint does not answer.
    expect(run.stderr.trim()).toMatch(/^CloudWatch GetMetricData \(history\) failed: /);
  });
});

describe('--at is UTC unless it names a zone, in forecast as in why', () => {
  // Date.parse read forecast's zone-less time as the machine's local time: in Tokyo, 00:00 was 15:00 the day before.
  it.each([
    { name: 'ISO without a zone', at: '2014-04-22T00:00', want: '2014-04-22T00:00:00.000Z' },
    { name: 'date and time with a space', at: '2014-04-22 00:00', want: '2014-04-22T00:00:00.000Z' },
    { name: 'a zone given is kept', at: '2014-04-22T09:00+09:00', want: '2014-04-22T00:00:00.000Z' },
  ])('$name, on a machine in Tokyo', ({ at, want }) => {
    const run = scalepilot(['forecast', '--trace', TRACE, '--at', at, '--hours', '1', '--json'], {
      TZ: 'Asia/Tokyo',
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout).at).toBe(want);
  });
});

describe("a trace's timestamps without a zone are UTC, as --at is", () => {
  // Date.parse read them as the machine's local time: in New York a trace across the spring-forward hour was
  // refused as out of order (02:30 and 03:30 are one instant there), in Tokyo every hour moved by nine.
  const zoneless = (name: string, start: string, rows: number) => {
    const t0 = Date.parse(`${start}Z`);
    const lines = Array.from(
      { length: rows },
      (_, i) => `${new Date(t0 + i * 300_000).toISOString().slice(0, 19).replace('T', ' ')},40`,
    );
    return file(name, ['timestamp,value', ...lines, ''].join('\n'));
  };
  it.each([
    {
      name: 'a backtest across the spring-forward hour, in New York',
      TZ: 'America/New_York',
      command: 'backtest',
      want: expect.arrayContaining([expect.objectContaining({ policy: 'scalepilot' })]),
    },
    // The forecast starts a step after the last row: 21:15 UTC, not 12:15.
    {
      name: 'a forecast, in Tokyo',
      TZ: 'Asia/Tokyo',
      command: 'forecast',
      want: expect.objectContaining({ at: '2026-03-08T21:20:00.000Z' }),
    },
  ])('$name', ({ TZ, command, want }) => {
    // 2026-03-07 12:00 to 2026-03-08 21:15: New York's clocks went from 02:00 to 03:00 on the 8th.
    const trace = zoneless(`zoneless-${command}.csv`, '2026-03-07T12:00:00', 400);
    const run = scalepilot([command, '--trace', trace, '--json'], { TZ });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(want);
  });
});

describe('--dimensions', () => {
  it.each([
    { name: 'pairs', list: 'A=1,B=2', want: { A: '1', B: '2' } },
    { name: 'a value holding "=" (it was cut at it: Id=a)', list: 'Id=a=b', want: { Id: 'a=b' } },
    { name: 'an empty value', list: 'Id=', want: { Id: '' } },
    { name: 'none', list: '', want: {} },
  ])('$name', ({ list, want }) => {
    expect(dimensionPairs(list)).toEqual(want);
  });
});
