import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { EXAMPLE_POLICY } from '../../harness/fixtures';

// Bad input at the command line gets one line naming what and where, and exit 1: never a stack trace. The
// compiled CLI as an operator starts it (bin/scalepilot); none of these rows reaches AWS or the emulator.
const CLI = new URL('../../../bin/scalepilot', import.meta.url).pathname;
const TRACE = new URL('../../../../shared/traces/ec2_network_in_257a54.csv', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'scalepilot-bad-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file where a folder is wanted. */
function aFile(): string {
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a folder\n');
  return file;
}

/** A symbolic link to nothing, where a folder is wanted. */
function aDanglingLink(): string {
  const link = join(dir, 'dangling');
  rmSync(link, { force: true });
  symlinkSync(join(dir, 'nowhere'), link);
  return link;
}

/** A file that is not JSON. */
function notJson(): string {
  const file = join(dir, 'not-json.json');
  writeFileSync(file, '{ prices');
  return file;
}

/** A trace of `rows` rows five minutes apart. */
function shortTrace(rows: number): string {
  const file = join(dir, `short-${rows}.csv`);
  const start = Date.parse('2026-01-01T00:00:00Z');
  const lines = Array.from({ length: rows }, (_, i) => `${new Date(start + i * 300_000).toISOString()},40`);
  writeFileSync(file, ['timestamp,value', ...lines, ''].join('\n'));
  return file;
}

/** The example policy without its cost section. */
function policyWithoutCost(): string {
  const document = parseDocument(readFileSync(EXAMPLE_POLICY, 'utf8'));
  document.delete('cost');
  const file = join(dir, 'no-cost.yml');
  writeFileSync(file, document.toString());
  return file;
}

describe('the CLI answers bad input with one line and exit 1', () => {
  it.each([
    {
      name: 'a trace that does not exist',
      args: ['backtest', '--trace', join(dir, 'nope.csv')],
      line: /^backtest --trace: .*nope\.csv: cannot be read \(no such file\)$/,
    },
    {
      name: 'a folder given as the trace',
      args: ['backtest', '--trace', dir],
      line: /^backtest --trace: .*: cannot be read \(a folder\)$/,
    },
    {
      name: 'an unknown kind',
      args: ['backtest', '--trace', TRACE, '--kind', 'lambda'],
      line: /'--kind <kind>' argument 'lambda' is invalid\. Allowed choices are asg, rds-replicas, cache-shards\.$/,
    },
    { name: 'no history source', args: ['backtest'], line: /^backtest: give --trace FILE or --cloudwatch$/ },
    {
      name: 'both a trace and CloudWatch (the trace was silently not read)',
      args: [
        'backtest',
        '--trace',
        TRACE,
        '--cloudwatch',
        '--namespace',
        'AWS/EC2',
        '--metric',
        'CPUUtilization',
      ],
      line: /^backtest: give --trace FILE or --cloudwatch, not both$/,
    },
    {
      name: 'a forecast of both a trace and CloudWatch',
      args: [
        'forecast',
        '--trace',
        TRACE,
        '--cloudwatch',
        '--namespace',
        'AWS/EC2',
        '--metric',
        'CPUUtilization',
      ],
      line: /^forecast: give --trace FILE or --cloudwatch, not both$/,
    },
    {
      name: 'a trace of one row (its figures meant nothing, exit 0)',
      args: ['backtest', '--trace', shortTrace(1)],
      line: /^backtest --trace: .*short-1\.csv: 1 row over 0 min; a backtest needs at least 60 min of load$/,
    },
    {
      name: 'a trace of 50 minutes',
      args: ['backtest', '--trace', shortTrace(11), '--json'],
      line: /^backtest --trace: .*short-11\.csv: 11 rows over 50 min; a backtest needs at least 60 min of load$/,
    },
    {
      name: 'a plan backtest on a trace of one row',
      args: ['backtest', '--trace', shortTrace(1), '--policy', EXAMPLE_POLICY, '--plan', 'ticket-rush'],
      line: /^backtest --trace: .*short-1\.csv: 1 row over 0 min; a backtest needs at least 60 min of load$/,
    },
    {
      name: 'a plan backtest on a trace that does not exist, its option named once',
      args: [
        'backtest',
        '--trace',
        join(dir, 'nope.csv'),
        '--policy',
        EXAMPLE_POLICY,
        '--plan',
        'ticket-rush',
      ],
      line: /^backtest --trace: .*nope\.csv: cannot be read \(no such file\)$/,
    },
    {
      name: 'CloudWatch without a metric',
      args: ['backtest', '--cloudwatch'],
      line: /^backtest --cloudwatch: give --namespace and --metric$/,
    },
    {
      name: 'a forecast from CloudWatch without a metric',
      args: ['forecast', '--cloudwatch'],
      line: /^forecast --cloudwatch: give --namespace and --metric$/,
    },
    {
      name: 'tune from CloudWatch without a metric',
      args: ['tune', '--cloudwatch', '--namespace', 'AWS/EC2'],
      line: /^tune --cloudwatch: give --namespace and --metric$/,
    },
    {
      name: 'a dimension without a value',
      args: [
        'backtest',
        '--cloudwatch',
        '--namespace',
        'AWS/EC2',
        '--metric',
        'CPUUtilization',
        '--dimensions',
        'AutoScalingGroupName',
      ],
      line: /^--dimensions: "AutoScalingGroupName" is not Name=Value$/,
    },
    {
      name: 'a statistic CloudWatch does not have, refused before any call (CloudWatch refused it after the credentials)',
      args: [
        'tune',
        '--cloudwatch',
        '--namespace',
        'AWS/EC2',
        '--metric',
        'CPUUtilization',
        '--kind',
        'asg',
        '--statistic',
        'Avg',
      ],
      line: /^--statistic: "Avg" is not a CloudWatch statistic \(Average, Sum, Minimum, Maximum, SampleCount, or a percentile such as p95\)$/,
    },
    {
      name: 'tune on a trace that does not exist',
      args: ['tune', '--trace', join(dir, 'nope.csv'), '--kind', 'asg'],
      line: /^tune --trace: .*nope\.csv: cannot be read \(no such file\)$/,
    },
    {
      name: 'forecast on a folder',
      args: ['forecast', '--trace', dir],
      line: /^forecast --trace: .*: cannot be read \(a folder\)$/,
    },
    {
      name: 'an --assert that is not figure op number, refused before the run',
      args: ['backtest', '--trace', TRACE, '--assert', 'overload<=x'],
      line: /^--assert: cannot read "overload<=x" \(expected e\.g\. overload<=60\)$/,
    },
    {
      name: 'an --assert naming no figure',
      args: ['backtest', '--trace', TRACE, '--assert', 'speed<=1'],
      line: /^--assert: unknown figure "speed" \(cost, costRatio, overload, /,
    },
    {
      name: '--assert with --plan, which has no scalepilot row',
      args: [
        'backtest',
        '--trace',
        TRACE,
        '--plan',
        'ticket-rush',
        '--policy',
        EXAMPLE_POLICY,
        '--assert',
        'overload<=1',
      ],
      line: /^--assert checks the scalepilot row of a per-kind backtest/,
    },
    {
      name: '--timelines without --out',
      args: ['backtest', '--trace', TRACE, '--timelines'],
      line: /^--timelines writes into the --out folder: give --out DIR$/,
    },
    {
      name: 'an --out folder through a file, refused before the run',
      args: ['backtest', '--trace', TRACE, '--out', join(aFile(), 'report')],
      line: /^--out: .*a-file\/report: cannot be created \(a file is in the way\)$/,
    },
    {
      name: "an --out folder the file system has no place for (Node's recursive mkdir spun forever under /proc)",
      args: ['backtest', '--trace', TRACE, '--out', '/proc/scalepilot-report/run'],
      line: /^--out: \/proc\/scalepilot-report\/run: cannot be created \(the file system refuses it\)$/,
    },
    {
      name: 'an --out folder through a link to nowhere',
      args: ['backtest', '--trace', TRACE, '--out', join(aDanglingLink(), 'report')],
      line: /^--out: .*dangling\/report: cannot be created \(a file is in the way\)$/,
    },
    {
      name: "forecast's --out through a file",
      args: ['forecast', '--trace', TRACE, '--out', join(aFile(), 'f')],
      line: /^--out: .*a-file\/f: cannot be created \(a file is in the way\)$/,
    },
    {
      name: 'the schema written over a folder',
      args: ['schema', '--out', dir],
      line: /^--out: .*: cannot be written \(a folder\)$/,
    },
    {
      name: "a policy file that does not exist, named as given (was Node's ENOENT text)",
      args: ['validate', join(dir, 'nope.yml')],
      line: /^\/.*\/nope\.yml: \(file\): cannot be read \(no such file\)$/,
    },
    {
      name: 'a folder given as the policy',
      args: ['validate', dir],
      line: /^\/.*: \(file\): cannot be read \(a folder\)$/,
    },
    {
      name: 'decisions of a target the policy does not have, refused before AWS',
      args: ['decisions', EXAMPLE_POLICY, '--target', 'nope'],
      line: /scalepilot\.yml: no target "nope"$/,
    },
    {
      name: 'decisions with a limit that is not a number',
      args: ['decisions', EXAMPLE_POLICY, '--limit', 'ten'],
      line: /^--limit: "ten" is not a whole number, 1 or more$/,
    },
    {
      name: 'costs over days that are not a number, refused before AWS',
      args: ['costs', EXAMPLE_POLICY, '--days', '-3'],
      line: /^--days: "-3" is not a whole number from 1 to 365$/,
    },
    {
      name: 'a CloudWatch history of days that are not a number',
      args: [
        'backtest',
        '--cloudwatch',
        '--namespace',
        'AWS/EC2',
        '--metric',
        'CPUUtilization',
        '--days',
        'many',
      ],
      line: /^--days: "many" is not a whole number from 1 to 455$/,
    },
    {
      name: 'the kill switch of a stage with a wildcard, refused before SSM',
      args: ['pause', '--stage', 'prod*'],
      line: /'--stage <stage>' argument 'prod\*' is invalid\. A stage is letters, digits and hyphens/,
    },
    {
      name: 'the kill switch lifted for a path, not a stage',
      args: ['resume', '--stage', '../prod'],
      line: /'--stage <stage>' argument '\.\.\/prod' is invalid\./,
    },
    {
      name: 'release waiting for the leases of an account id that is not one',
      args: ['release', EXAMPLE_POLICY, '--account', '12345', '--dry-run'],
      line: /'--account <id>' argument '12345' is invalid\. An account id is 12 digits\.$/,
    },
    {
      name: 'why reading a table name DynamoDB cannot have',
      args: ['why', EXAMPLE_POLICY, '--target', 'api', '--table', 'led ger'],
      line: /'--table <name>' argument 'led ger' is invalid\. A DynamoDB table name is 3 to 255/,
    },
    {
      name: 'a price table to refresh that is not one, refused before the Price List API',
      args: ['prices', '--out', notJson()],
      line: /^--out: .*not-json\.json: not a price table \(/,
    },
    {
      name: 'a new price table in a folder that does not exist, refused before the Price List API',
      args: ['prices', '--out', join(dir, 'nowhere', 'prices.json')],
      line: /^--out: .*nowhere\/prices\.json: cannot be written \(no such folder\)$/,
    },
    // Each target's check failed on its own with "Invalid URL" (three lines for the example policy).
    ...[
      'validate --check-account',
      'pause',
      'resume',
      'decisions',
      'costs',
      'why --target api',
      'predict',
      'plan',
      'release --dry-run',
    ].map((command) => ({
      name: `${command} with an --endpoint that is no URL, refused before AWS`,
      args: [...command.split(' '), '--endpoint', 'notaurl'],
      line: /'--endpoint <url>' argument 'notaurl' is invalid\. An endpoint is an http:\/\/ or https:\/\/ URL\.$/,
    })),
    {
      name: 'an --endpoint of another scheme',
      args: ['validate', EXAMPLE_POLICY, '--check-account', '--endpoint', 'ftp://127.0.0.1:5000'],
      line: /'--endpoint <url>' argument 'ftp:\/\/127\.0\.0\.1:5000' is invalid\./,
    },
    {
      name: 'why at a time of day that is none, refused before AWS',
      args: ['why', EXAMPLE_POLICY, '--target', 'api', '--at', '25:99'],
      line: /^--at: "25:99" is not a time of day$/,
    },
    {
      name: 'tune for a target without the policy that names it',
      args: ['tune', '--trace', TRACE, '--kind', 'asg', '--target', 'api'],
      line: /^--target names a target of the policy: give --policy FILE with it$/,
    },
    {
      name: 'costs of a policy without a cost section',
      args: ['costs', policyWithoutCost()],
      line: /no-cost\.yml: no cost section$/,
    },
  ])('$name', ({ args, line }) => {
    const run = spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      // A command that hangs fails its row (spawnSync blocks the test's own timeout).
      timeout: 60_000,
      // No AWS: a row that tried to reach it would fail on this endpoint, not silently pass.
      env: { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1' },
    });
    const stderr = run.stderr.trim();
    expect(run.status).toBe(1);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(line);
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});

describe('a run that fails leaves no --out folder it made', () => {
  // The folder (and its missing parents) is made before the run, so that one that cannot be made fails first; a
  // run that then failed on its input left it behind, empty.
  const notANumber = () => {
    const file = join(dir, 'nan.csv');
    writeFileSync(file, 'timestamp,value\n2026-01-01T00:00:00Z,NaN\n');
    return file;
  };
  it.each([
    {
      name: 'a backtest of a bad trace',
      args: (out: string) => ['backtest', '--trace', notANumber(), '--out', out],
    },
    {
      name: 'a backtest of a plan the policy does not have',
      args: (out: string) => [
        'backtest',
        '--trace',
        TRACE,
        '--policy',
        EXAMPLE_POLICY,
        '--plan',
        'nope',
        '--out',
        out,
      ],
    },
    {
      name: 'a forecast of a bad trace',
      args: (out: string) => ['forecast', '--trace', notANumber(), '--out', out],
    },
  ])('$name', ({ name, args }) => {
    const made = join(dir, name.replaceAll(' ', '-'));
    const kept = join(dir, `${name.replaceAll(' ', '-')}-there-before`);
    mkdirSync(kept);
    for (const out of [join(made, 'report'), kept]) {
      const run = spawnSync(process.execPath, [CLI, ...args(out)], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1' },
      });
      expect(run.status).toBe(1);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    }
    expect(existsSync(made)).toBe(false);
    // A folder the operator had is theirs: left as it was.
    expect(existsSync(kept)).toBe(true);
  });
});

describe('AWS_ENDPOINT_URL is checked as --endpoint is', () => {
  it('a value that is no URL is one line naming it, exit 1 (each call failed with "Invalid URL", unnamed)', () => {
    const run = spawnSync(process.execPath, [CLI, 'validate', EXAMPLE_POLICY, '--check-account'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, AWS_ENDPOINT_URL: 'notaurl', AWS_REGION: 'us-east-1' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('AWS_ENDPOINT_URL: "notaurl" is not an http:// or https:// URL');
  });
});
