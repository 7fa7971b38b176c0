import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { whyCommand } from '../../bin/lib/whyCommand';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import type { Decision } from '../../shared/decision/types';
import { EXAMPLE_POLICY } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// scalepilot why against the ledger in the emulator: decisions written through DynamoLedger.record, their
// explanations included, read back and explained; the decision in force at a time; a record without one.
const emulator = useEmulator({ reset: false });
const SCOPE = '123456789012#us-east-1';
const at = (hhmmss: string) => new Date(`2026-11-22T${hhmmss}Z`);

const scaleOut: Decision = {
  target: 'api',
  kind: 'asg',
  current: 4,
  desired: 6,
  recommendation: 6,
  direction: 'out',
  reason: 'ScaleOut',
  message: 'cpu 91.2% above 70%: 4 → 6',
  metrics: { cpu: 91.2 },
  explain: {
    rules: [
      {
        rule: 'cpu',
        metric: 'AWS/EC2/CPUUtilization Average',
        value: 91.2,
        threshold: 70,
        recommendation: 6,
        direction: 'out',
      },
      { rule: 'requests', metric: 'AWS/ApplicationELB/RequestCount Sum', value: null },
    ],
    floor: { units: 5, source: 'forecast of 14:00', forecast: 812, headroom: 1.3 },
    gates: [
      { gate: 'cooldown', outcome: 'passed', message: 'last scale-out 13:40, cooldown 300 s' },
      { gate: 'rateLimit', outcome: 'passed', message: 'within 100% per 60 s' },
    ],
    aws: { operation: 'SetDesiredCapacity', outcome: 'ok' },
  },
};
const heldByCooldown: Decision = {
  ...scaleOut,
  current: 6,
  desired: 6,
  recommendation: 8,
  reason: 'ScaleOutCooldown',
  message: 'cpu 88% above 70% wants 8; scale-out cooldown until 14:07:00',
  metrics: { cpu: 88 },
  explain: {
    rules: [
      {
        rule: 'cpu',
        metric: 'AWS/EC2/CPUUtilization Average',
        value: 88,
        threshold: 70,
        recommendation: 8,
        direction: 'out',
      },
    ],
    gates: [
      {
        gate: 'cooldown',
        outcome: 'held',
        reason: 'ScaleOutCooldown',
        message: 'last scale-out 14:02:05, cooldown 300 s: until 14:07:05',
      },
    ],
  },
};
const { explain: _, ...unexplained } = {
  ...scaleOut,
  current: 6,
  desired: 6,
  recommendation: 6,
  direction: 'none' as const,
};
const legacy: Decision = {
  ...unexplained,
  reason: 'WithinTolerance',
  message: 'cpu 66% within 10% of 70%',
  metrics: { cpu: 66 },
};

describe('scalepilot why', () => {
  let ledger: DynamoLedger;
  const context = (now: Date, alarmName?: string) => ({
    trigger: alarmName ? ('alarm' as const) : ('schedule' as const),
    ...(alarmName ? { alarmName } : {}),
    applied: true,
    dryRun: false,
    now,
  });

  it('keeps a decision’s explanation in the ledger and reads it back whole', async () => {
    await new DemoAccount(emulator.aws).createLedgerTable('ledger');
    ledger = new DynamoLedger(emulator.aws, 'ledger', SCOPE);
    await ledger.record(scaleOut, context(at('14:02:05'), 'scalepilot-e2e.api.cpu.gt70'));
    await ledger.record(heldByCooldown, context(at('14:05:02')));
    await ledger.record(legacy, context(at('14:06:03')));
    const [read] = await ledger.latestDecisions('api', 1, at('14:02:05'));
    expect(read?.explain).toEqual(scaleOut.explain);
    expect((await ledger.latestDecisions('api', 10)).map((d) => d.reason)).toEqual([
      'ScaleOut',
      'ScaleOutCooldown',
      'WithinTolerance',
    ]);
  });

  it('explains why it did not scale at 14:05: the skip recorded in that minute, and the gate that held it', async () => {
    expect(await whyCommand(ledger, 'api', { at: '2026-11-22 14:05' }, at('15:00:00'))).toEqual([
      '2026-11-22 14:05:02Z  api  6, no change  ScaleOutCooldown  via the one-minute schedule',
      '  cpu 88% above 70% wants 8; scale-out cooldown until 14:07:00',
      '  rule cpu: AWS/EC2/CPUUtilization Average = 88 against 70 → 8 (out)',
      '  held by cooldown (ScaleOutCooldown): last scale-out 14:02:05, cooldown 300 s: until 14:07:05',
    ]);
  });

  it('explains a scale-out: the metric and threshold, a missing metric, the floor, the gates passed, what AWS answered', async () => {
    expect(await whyCommand(ledger, 'api', { at: '14:02' }, at('15:00:00'))).toEqual([
      '2026-11-22 14:02:05Z  api  4 → 6  ScaleOut  via alarm scalepilot-e2e.api.cpu.gt70',
      '  cpu 91.2% above 70%: 4 → 6',
      '  rule cpu: AWS/EC2/CPUUtilization Average = 91.2 against 70 → 6 (out)',
      '  rule requests: AWS/ApplicationELB/RequestCount Sum = missing or stale',
      '  floor: 5 from forecast of 14:00 (forecast 812 × headroom 1.3)',
      '  passed cooldown: last scale-out 13:40, cooldown 300 s',
      '  passed rateLimit: within 100% per 60 s',
      '  AWS: SetDesiredCapacity ok',
    ]);
  });

  it('shows every decision of the minute in force: an alarm and the schedule can both decide in it', async () => {
    await ledger.record(
      {
        ...heldByCooldown,
        reason: 'InstancesWarming',
        message: 'the 2 booting cover it',
        explain: undefined,
      },
      context(at('14:05:40')),
    );
    const lines = await whyCommand(ledger, 'api', { at: '14:05' }, at('15:00:00'));
    expect(lines.filter((l) => /^\d{4}-/.test(l))).toEqual([
      '2026-11-22 14:05:02Z  api  6, no change  ScaleOutCooldown  via the one-minute schedule',
      '2026-11-22 14:05:40Z  api  6, no change  InstancesWarming  via the one-minute schedule',
    ]);
    // To the second, the newest at or before it.
    expect((await whyCommand(ledger, 'api', { at: '2026-11-22T14:05:30Z' }, at('15:00:00')))[0]).toMatch(
      /^2026-11-22 14:05:02Z .* ScaleOutCooldown/,
    );
  });

  it('says what a record without an explanation lacks, and what it has', async () => {
    const lines = await whyCommand(ledger, 'api', { last: '2' }, at('15:00:00'));
    expect(lines.slice(-3)).toEqual([
      '2026-11-22 14:06:03Z  api  6, no change  WithinTolerance  via the one-minute schedule',
      '  cpu 66% within 10% of 70%',
      "  no explanation recorded: the function that wrote this did not record its rules' thresholds, floor, gates and AWS answer; the metric values it read: cpu 66",
    ]);
    expect(lines[0]).toMatch(/^2026-11-22 14:05:40Z {2}api {2}6, no change {2}InstancesWarming/);
  });

  it('prints JSON for tools, the explanation included and the table keys left out', async () => {
    const [json] = await whyCommand(ledger, 'api', { last: '3', json: true }, at('15:00:00'));
    const rows = JSON.parse(json ?? '[]');
    expect(rows.map((r: Decision) => r.reason)).toEqual([
      'ScaleOutCooldown',
      'InstancesWarming',
      'WithinTolerance',
    ]);
    expect(rows[0].explain).toEqual(heldByCooldown.explain);
    expect(rows[0]).not.toHaveProperty('pk');
    expect(rows[0]).not.toHaveProperty('ttl');
  });

  it('says so when nothing was recorded by then', async () => {
    expect(await whyCommand(ledger, 'api', { at: '2026-11-22T13:00Z' }, at('15:00:00'))).toEqual([
      'api: no decision recorded at or before 2026-11-22T13:00:59.999Z (the ledger keeps 30 days)',
    ]);
  });

  it('runs as a command against the account, and refuses an unknown target in one line', async () => {
    const run = promisify(execFile);
    const CLI = new URL('../../bin/scalepilot', import.meta.url).pathname;
    const args = ['--table', 'ledger', '--account', '123456789012', '--endpoint', emulator.endpoint];
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
    const { stdout } = await run(
      CLI,
      ['why', EXAMPLE_POLICY, '--target', 'api', '--at', '2026-11-22T14:05Z', ...args],
      { env },
    );
    expect(stdout.split('\n')[0]).toBe(
      '2026-11-22 14:05:02Z  api  6, no change  ScaleOutCooldown  via the one-minute schedule',
    );
    const refused = await run(CLI, ['why', EXAMPLE_POLICY, '--target', 'nope', ...args], { env }).catch(
      (e) => e,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(
      /^.*event-platform\.scalepilot\.yml: no target "nope" \(targets: api, [\w, -]+\)$/,
    );
  });
});
