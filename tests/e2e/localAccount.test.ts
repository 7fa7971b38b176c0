import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetDashboardCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type LocalAccount, startLocalAccount } from '../../bin/lib/localAccount';
import { backfillDemand, type PlanReplay, planReplay, planStartUnits } from '../../bin/lib/planReplay';
import { type PredictOutcome, type ReplayResult, replay } from '../../bin/lib/replay';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { addDays, newestCompleteDay } from '../../shared/cost/evaluateCosts';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import type { Target } from '../../shared/policy/schema';
import { scalepilot } from '../../shared/simulate/baselines';
import { simulate, unitsFor } from '../../shared/simulate/engine';
import { backtestScenario } from '../../shared/simulate/runBacktest';
import { type MinuteSeries, parseTraceCsv, seriesWindow, toMinuteSeries } from '../../shared/simulate/trace';
import { processAlive } from '../harness/processAlive';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const POLICY = join(ROOT, 'examples/event-platform.scalepilot.yml');
const TWITTER = resolve(ROOT, '../shared/traces/Twitter_volume_AAPL.csv');
// Quiet, then the 03:02 flash crowd (peak 13,479 at 03:27), quiet again by 04:30; the last minute is 08:00,
// when the cost function's daily schedule fires.
const FROM = '2015-03-31T02:01:00Z';

function window(file: string, from: string, hours: number): MinuteSeries {
  const full = toMinuteSeries(parseTraceCsv(readFileSync(file, 'utf8'), file), false);
  return seriesWindow(full, Date.parse(from), hours * 60, file);
}

// The local account end to end: moto, `sls deploy`, demo resources, the generated alarms, and 6 virtual
// hours of a flash crowd replayed through the deployed functions' handlers, in-process (moto's Lambda
// Invoke needs Docker). The emulator shows booting instances as Pending (moto's never are).
describe('npm start: the local account replays a flash crowd', () => {
  const series = window(TWITTER, FROM, 6);
  let local: LocalAccount;
  let result: ReplayResult;
  let scenario: ReturnType<typeof backtestScenario>;
  const costChecks: { check: string; notes: readonly string[]; alerts: number }[] = [];

  beforeAll(async () => {
    const policy = loadPolicyFile(POLICY);
    const api = policy.targets.find((t) => t.name === 'api');
    if (!api) throw new Error('the example policy has no api target');
    scenario = backtestScenario(series.load, 'asg', api);
    local = await startLocalAccount({
      policyFile: POLICY,
      stage: 'e2e',
      initialCapacity: (t) => (t.kind === 'asg' ? unitsFor(series.load[0] ?? 0, scenario) : t.capacity.min),
    });
    result = await replay(local, {
      series,
      driven: new Map([['api', scenario]]),
      speed: 0,
      onCostCheck: (check, notes, alerts) => costChecks.push({ check, notes, alerts }),
    });
  }, 900_000);

  afterAll(async () => {
    await local?.stop();
  });

  it('scales the group out within 10 virtual minutes of the rise, and back to its minimum after the fall', async () => {
    const api = result.timelines.get('api');
    if (!api) throw new Error('no timeline for api');
    const start = api.ordered[0] as number;
    const rise = series.load.findIndex((load) => unitsFor(load, scenario) > start);
    const firstScaleOut = api.ordered.findIndex((n) => n > start);
    expect(rise).toBeGreaterThan(0);
    expect(firstScaleOut - rise).toBeGreaterThanOrEqual(1); // it sees the past only
    expect(firstScaleOut - rise).toBeLessThanOrEqual(10);
    expect(Math.max(...api.ordered)).toBe(10);
    expect(api.ordered.at(-1)).toBe(2);
    // …and that is the group in the emulator, not just the replay's bookkeeping.
    const groups = await new AutoScalingClient(clientOptions(local.emulator.aws)).send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['event-platform-api'] }),
    );
    expect(groups.AutoScalingGroups?.[0]?.DesiredCapacity).toBe(2);
  });

  it('runs the cost function on its 08:00 schedule against the account at rest: quiet', () => {
    expect(costChecks).toHaveLength(1);
    expect(costChecks[0]?.check).toBe('daily');
    expect(costChecks[0]?.alerts).toBe(0);
    expect(costChecks[0]?.notes.join('\n')).toMatch(
      /2015-03-30: \$[\d.]+ is within the daily limit of \$250\.00/,
    );
  });

  it('takes the very decisions the backtest takes on the same window', () => {
    const simulated = simulate(scalepilot(local.policy.targets[0] as Target)(), scenario, series.start);
    expect([...(result.timelines.get('api')?.ordered ?? [])]).toEqual([...simulated.ordered]);
  });

  it('has every decision the handlers returned in the ledger table, and nothing else', async () => {
    const env = local.functions.get('scaleAsg')?.env ?? {};
    const ledger = new DynamoLedger(local.emulator.aws, env.LEDGER_TABLE ?? '', env.SCALEPILOT_SCOPE ?? '');
    const key = (d: { target: string; at?: string; reason: string; current: number; desired: number }) =>
      `${d.target} ${d.reason} ${d.current}→${d.desired}`;
    for (const target of local.policy.targets) {
      const stored = (await ledger.decisions(target.name)).map(key).sort();
      const returned = result.decisions
        .map((d) => d.evaluation.decision)
        .filter((d) => d.target === target.name)
        .map(key)
        .sort();
      expect(returned.length).toBeGreaterThan(300); // one a minute at least, from the schedule
      expect(stored).toEqual(returned);
    }
  });

  it('scalepilot why explains a scale-out and a skip from the ledger, each with what it was decided on', async () => {
    const env = local.functions.get('scaleAsg')?.env ?? {};
    const ledger = new DynamoLedger(local.emulator.aws, env.LEDGER_TABLE ?? '', env.SCALEPILOT_SCOPE ?? '');
    const entries = await ledger.decisions('api');
    const scaleOut = entries.find((d) => d.reason === 'ScaleOut' && d.desired > d.current);
    const skip = entries.find((d) => d.desired === d.current && d.reason !== 'WithinTolerance');
    if (!scaleOut || !skip) throw new Error('the replay recorded no scale-out or no skip for api');
    const why = async (entry: typeof scaleOut) => {
      // Asynchronously: the emulator's proxy runs in this process and must keep answering.
      const { stdout } = await run(
        join(ROOT, 'bin/scalepilot'),
        [
          'why',
          POLICY,
          '--target',
          'api',
          '--at',
          entry.at,
          '--stage',
          'e2e',
          '--endpoint',
          local.emulator.endpoint,
        ],
        {
          cwd: ROOT,
          env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
        },
      );
      return stdout.trimEnd().split('\n');
    };
    for (const [entry, change] of [
      [scaleOut, `${scaleOut.current} → ${scaleOut.desired}`],
      [skip, `${skip.current}, no change`],
    ] as const) {
      // An alarm and the schedule can decide at the same virtual instant: find this decision's block.
      const blocks = (await why(entry))
        .join('\n')
        .split('\n\n')
        .map((b) => b.split('\n'));
      const head = `${entry.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}  api  ${change}  ${entry.reason}  via ${entry.alarmName ? `alarm ${entry.alarmName}` : 'the one-minute schedule'}`;
      const lines = blocks.find((b) => b[0] === head);
      expect(lines, `no "${head}" in:\n${blocks.map((b) => b[0]).join('\n')}`).toBeDefined();
      expect(lines?.[1]).toBe(`  ${entry.message}`);
      // What it was decided on: each rule's metric value and threshold when the walk recorded them, else the
      // metric values every record carries, with a word on what is missing.
      if (entry.explain)
        for (const r of entry.explain.rules)
          expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  rule ${r.rule}: `)));
      else
        expect(lines?.[2]).toMatch(/^ {2}no explanation recorded: .*; the metric values it read: cpu [\d.]+/);
    }
  });

  it('scalepilot costs prints the check of the last days from Cost Explorer and sends nothing', async () => {
    // moto's Cost Explorer answers from a preloaded queue; moto has no GetCostForecast, so this policy
    // has no monthly budget.
    const today = new Date().toISOString().slice(0, 10);
    const dates = Array.from({ length: 40 }, (_, i) => addDays(today, i - 40));
    const newest = newestCompleteDay(new Date(), 6);
    const group = (key: string, amount: number) => ({
      Keys: [key],
      Metrics: { UnblendedCost: { Amount: String(amount), Unit: 'USD' } },
    });
    const results = (groups: (date: string) => unknown[]) => ({
      ResultsByTime: dates.map((date) => ({
        TimePeriod: { Start: date, End: addDays(date, 1) },
        Groups: groups(date),
        Estimated: false,
      })),
    });
    const spend = (date: string) => (date === newest ? 400 : 200);
    await fetch(`${local.emulator.endpoint}/moto-api/static/ce/cost-and-usage-results`, {
      method: 'POST',
      body: JSON.stringify({
        results: [results((d) => [group('Amazon Elastic Compute Cloud - Compute', spend(d))])],
      }),
    });
    const file = join(mkdtempSync(join(tmpdir(), 'scalepilot-costs-')), 'policy.yml');
    const policy = parse(readFileSync(POLICY, 'utf8'));
    delete policy.cost.monthlyBudgetUsd;
    writeFileSync(file, stringify(policy));
    const publishes = local.emulator.calls('Publish');
    // Asynchronously: the emulator's proxy runs in this process and must keep answering.
    const { stdout: out } = await run(
      join(ROOT, 'bin/scalepilot'),
      ['costs', file, '--days', '3', '--stage', 'e2e', '--endpoint', local.emulator.endpoint],
      { cwd: ROOT, env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' } },
    );
    const rows = out.split('\n').filter((l) => /^\d{4}-\d\d-\d\d\t/.test(l));
    expect(rows.map((r) => r.split('\t').slice(0, 4))).toEqual([
      [addDays(newest, -2), '$200.00', '$250.00', '-'],
      [addDays(newest, -1), '$200.00', '$250.00', '-'],
      [newest, '$400.00', '$250.00', 'daily-limit, anomaly:Amazon Elastic Compute Cloud - Compute'],
    ]);
    expect(out).toContain(`Scalepilot cost: $400.00 on ${newest}, over the $250.00 daily limit`);
    expect(local.emulator.calls('Publish')).toBe(publishes);
  });

  it('deployed the stack with its dashboard, a row per target', async () => {
    const dashboard = await new CloudWatchClient(clientOptions(local.emulator.aws)).send(
      new GetDashboardCommand({ DashboardName: 'scalepilot-e2e' }),
    );
    expect(JSON.parse(dashboard.DashboardBody ?? '{}').widgets).toHaveLength(3 * local.policy.targets.length);
  });

  it('leaves no emulator process behind', async () => {
    const { pid, endpoint } = local.emulator;
    await local.stop();
    expect(processAlive(pid)).toBe(false);
    await expect(fetch(`${endpoint}/moto-api/`)).rejects.toThrow();
  });
});

// Issue 24: the example's plan at work in the local account. The bundled taxi trace's third morning is the
// demand (its load balancer's RequestCount, two days of it before the window for predict's forecast); the
// replicas and the cache see what the API serves; predict runs hourly (forecast-and-scale); the AWS behaviour
// layer shows a new replica `creating` for 15 minutes and a reshard `modifying` (moto: `available` at once,
// HTTP 500 for a reshard).
describe('npm start: the plan moves the database and the cache ahead of the API in a rush', () => {
  const NYC = resolve(ROOT, '../shared/traces/nyc_taxi.csv');
  const full = toMinuteSeries(parseTraceCsv(readFileSync(NYC, 'utf8'), NYC), false);
  const series = window(NYC, '2014-07-03T08:00:00Z', 3);
  const history = seriesWindow(full, series.start - 2 * 86_400_000, 2 * 1440, NYC);
  let local: LocalAccount;
  let plan: PlanReplay;
  let ledger: DynamoLedger;
  const predictions: { minute: number; outcomes: readonly PredictOutcome[] }[] = [];

  beforeAll(async () => {
    const policy = loadPolicyFile(POLICY);
    const found = planReplay(policy, series);
    if (!found) throw new Error('the example policy has no plan with a demand metric');
    plan = found;
    // In balance at the first minute, as npm start begins: the API at its need, the others by their ratios.
    const startUnits = planStartUnits(policy, plan, series.load[0] ?? 0);
    local = await startLocalAccount({
      policyFile: POLICY,
      stage: 'e2eplan',
      predictiveMode: 'forecast-and-scale',
      initialCapacity: (t) => startUnits.get(t.name) ?? t.capacity.min,
    });
    await backfillDemand(local, plan, history);
    await replay(local, {
      series,
      driven: plan.members,
      plan,
      speed: 0,
      onPrediction: (outcomes, minute) => predictions.push({ minute, outcomes }),
    });
    const env = local.functions.get('scaleRdsReplicas')?.env ?? {};
    ledger = new DynamoLedger(local.emulator.aws, env.LEDGER_TABLE ?? '', env.SCALEPILOT_SCOPE ?? '');
  }, 900_000);

  afterAll(async () => {
    await local?.stop();
  });

  /** A member's applied scale-outs from the ledger, oldest first: when, and to how many. */
  const scaleOuts = async (target: string) =>
    (await ledger.decisions(target))
      .filter((d) => d.applied && d.desired > d.current)
      .map((d) => ({ at: Date.parse(d.at), to: d.desired }))
      .sort((a, b) => a.at - b.at);

  it('requests each replica before the API scale-out that needs it (one replica per three instances)', async () => {
    const replicas = await scaleOuts('events-db');
    const api = await scaleOuts('api');
    expect(replicas.length).toBeGreaterThan(0);
    for (const replica of replicas) {
      // The API's first scale-out past what the replicas before this one carry.
      const needs = api.find((a) => Math.ceil(a.to / 3) >= replica.to);
      expect(needs, `no API scale-out needed replica ${replica.to}`).toBeDefined();
      expect(replica.at, `replica ${replica.to} at ${new Date(replica.at).toISOString()}`).toBeLessThan(
        needs?.at ?? 0,
      );
    }
  });

  it('grows the cache ahead of the API too (three shards per five instances)', async () => {
    const [shard] = await scaleOuts('sessions-cache');
    const needs = (await scaleOuts('api')).find((a) => Math.ceil((3 * a.to) / 5) >= (shard?.to ?? 0));
    expect(shard).toBeDefined();
    expect(shard?.at).toBeLessThan(needs?.at ?? 0);
  });

  it('shows the replica creating for the provisioning delay: the lead time the ledger learns is 15 minutes or more', async () => {
    const lead = (await ledger.readPlanMembers(['events-db'])).get('events-db')?.leadSeconds ?? [];
    expect(lead.length).toBeGreaterThan(0);
    for (const seconds of lead) expect(seconds).toBeGreaterThanOrEqual(900);
  });

  it('runs predict hourly, writing the plan’s floors for the members (PlanForecast)', () => {
    expect(predictions.map((p) => p.minute)).toEqual([1, 60, 120]);
    const first = predictions[0]?.outcomes.find((o) => o.target === 'events-db');
    expect(first).toMatchObject({ reason: 'PlanForecast' });
  });
});

describe('npm start as a command', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('refuses an --out folder it cannot make before it starts anything (it hung after the replay)', async () => {
    const refused = await run(
      process.execPath,
      ['--import', 'tsx', 'bin/start.ts', '--out', '/proc/scalepilot/x'],
      {
        cwd: ROOT,
        timeout: 60_000,
      },
    ).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(refused?.code).toBe(2);
    expect(refused?.stderr?.trim()).toBe(
      '✖ --out: /proc/scalepilot/x: cannot be created (the file system refuses it)',
    );
  });

  const folder = mkdtempSync(join(tmpdir(), 'start-trace-'));
  const utf16 = join(folder, 'unicode.csv');
  // Excel's "Unicode text": UTF-16 little-endian with its byte order mark.
  writeFileSync(utf16, Buffer.from('\ufefftimestamp,value\n2024-01-01 00:00:00,1\n', 'utf16le'));
  it.each([
    {
      name: 'a trace that does not exist',
      trace: join(folder, 'none.csv'),
      says: `✖ --trace: ${join(folder, 'none.csv')}: cannot be read (no such file)`,
    },
    {
      name: 'a UTF-16 trace (defect: read as UTF-8, every line a parse error of its own)',
      trace: utf16,
      says: `✖ --trace: ${utf16}: is UTF-16 (it starts with the byte order mark FF FE): save it as UTF-8`,
    },
    {
      name: 'a --from day that does not exist (defect: 30 February read as 2 March)',
      args: ['--from', '2014-02-30T08:00'],
      says: '✖ --from: "2014-02-30T08:00" is not a time (give e.g. 2026-01-02T14:05Z, "2026-01-02 14:05" or 14:05, UTC)',
    },
    {
      name: 'an option given twice (defect: the last one won)',
      args: ['--hours', '6', '--hours', '7'],
      says: "error: option '--hours <n>' given twice: give it once (the last would win)",
      code: 1,
    },
  ])('refuses $name in one line before it starts anything', async ({ trace, args, says, code }) => {
    const refused = await run(
      process.execPath,
      ['--import', 'tsx', 'bin/start.ts', ...(trace ? ['--trace', trace] : []), ...(args ?? [])],
      { cwd: ROOT, timeout: 60_000 },
    ).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(refused?.code).toBe(code ?? 2);
    expect(refused?.stderr?.trim()).toBe(says);
  });

  it('can be read from while it runs, and Ctrl-C stops it leaving no process behind', async () => {
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bin/start.ts',
        '--trace',
        TWITTER,
        '--from',
        FROM,
        '--hours',
        '6',
        '--stage',
        'ctrlc',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((done) =>
      child?.once('exit', (code, signal) => done(code ?? (signal ? 128 : null))),
    );
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-20_000);
    });
    const output = () =>
      `${stdout}${stderr ? `\n--- stderr ---\n${stderr}` : ''}${child?.exitCode !== null ? `\n(exited ${child?.exitCode})` : ''}`;
    // The deploy comes first: on a 2-core machine busy with the other test files it can take minutes.
    const endpoint = await until(
      () => {
        if (child?.exitCode !== null) throw new Error(`npm start ended before the replay:\n${output()}`);
        return /--endpoint (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      },
      output,
      600_000,
    );
    const descendants = descendantsOf(child.pid ?? 0);
    expect(descendants.some((p) => p.args.includes('motoServer.py'))).toBe(true);

    // The decisions, read back from the emulator while the replay runs.
    const decisions = await until(() => {
      const read = execFileSync(
        join(ROOT, 'bin/scalepilot'),
        ['decisions', POLICY, '--stage', 'ctrlc', '--endpoint', endpoint, '--json'],
        {
          cwd: ROOT,
          env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
        },
      );
      const rows = JSON.parse(read.toString()) as { target: string; reason: string }[];
      return rows.some((d) => d.target === 'api') ? rows : undefined;
    }, output);
    expect(decisions.length).toBeGreaterThan(0);
    expect(child.exitCode).toBeNull(); // still replaying

    child.kill('SIGINT');
    expect(await exited).toBe(130);
    // Helpers (tsx's esbuild service) exit when their parent's pipes close, a moment after it.
    const survivors = await until(
      () => {
        const left = descendants.filter((p) => processAlive(p.pid));
        return left.length === 0 ? left : undefined;
      },
      () =>
        descendants
          .filter((p) => processAlive(p.pid))
          .map((p) => `${p.pid} ${p.args}`)
          .join('\n'),
      10_000,
    );
    expect(survivors).toEqual([]);
  }, 900_000);
});

/** Polls until `probe` gives a value (by default 5 minutes at most: the deploy comes first). */
async function until<T>(probe: () => T | undefined, context: () => string, ms = 300_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting; output so far:\n${context()}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Every process below `root`, from `ps`. */
function descendantsOf(root: number): { pid: number; args: string }[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='])
    .toString()
    .trim()
    .split('\n')
    .map((line) => {
      const [pid, ppid, ...args] = line.trim().split(/\s+/);
      return { pid: Number(pid), ppid: Number(ppid), args: args.join(' ') };
    });
  const found: { pid: number; args: string }[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const row of rows.filter((r) => r.ppid === parent)) {
      found.push({ pid: row.pid, args: row.args });
      queue.push(row.pid);
    }
  }
  return found;
}
