import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { PlanMemberRecord } from '../../../shared/decision/plans/types';
import type { Decision } from '../../../shared/decision/types';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { MetricQuery } from '../../../shared/ports';
import { evaluateTargets } from '../../../shared/usecases/evaluateTargets';
import { EXAMPLE_POLICY, testClock } from '../../harness/fixtures';
import { FunctionMetrics, InMemoryCapacity, InMemoryLedger } from '../../harness/inMemoryPorts';

// A plan member whose run cannot read the plan records (the PLAN items: a throttled DynamoDB read). Its own
// record holds the plan's past levels for it (the stabilisation window of the scale-ins the plan leads) and its
// learned lead times: a run without them scales it in nowhere and overwrites nothing (readPlans.ts).

const T0 = new Date('2026-12-05T18:00:30Z');
const MINUTE_AGO = new Date(T0.getTime() - 60_000);

/** The example policy, its plan with the API and the replicas and a 15-minute hold. */
function policy() {
  const raw = parse(readFileSync(EXAMPLE_POLICY, 'utf8'));
  raw.plans[0] = {
    ...raw.plans[0],
    members: raw.plans[0].members.filter((m: { target: string }) => ['api', 'events-db'].includes(m.target)),
    scaleInHoldMinutes: 15,
  };
  return validatePolicy(raw);
}

/** The API's record as its last run wrote it: at 6, the plan a minute ago asked for 9 (demand 4,500). */
const stored = (): PlanMemberRecord => ({
  ordered: 6,
  serving: 6,
  at: MINUTE_AGO,
  changes: [],
  planLevels: [{ at: MINUTE_AGO, desired: 9 }],
  leadSeconds: [240, 250],
});

interface Minute {
  /** The demand in the last minute (4,500 before it). */
  readonly demand: number;
  /** Every rule's reading (cpu, memory): 40 is within their bands, 20 below their scale-in thresholds. */
  readonly load: number;
  readonly readFails: boolean;
  /** A lease left behind by a run that stopped: the target is decided again under its own lease. */
  readonly leaseLeft?: boolean;
}

/** One minute of the API's scaler; its decision, the plan record stored after it, the group's desired capacity. */
async function apiMinute(m: Minute) {
  const ledger = new InMemoryLedger();
  ledger.plans.set('api', stored());
  const failed: string[] = [];
  if (m.readFails)
    ledger.readPlanMembers = async () => {
      throw new Error('ProvisionedThroughputExceededException (after the SDK retries)');
    };
  if (m.leaseLeft)
    await ledger.acquireLease('api', 'a run that stopped', new Date(T0.getTime() - 120_000), 30);
  const group = new InMemoryCapacity(6, { min: 2, max: 10 });
  const metrics = new FunctionMetrics((at, q: MetricQuery) => {
    if (q.metric.name !== 'RequestCount') return m.load;
    return at.getTime() >= MINUTE_AGO.getTime() ? m.demand : 4500;
  });
  const out = await evaluateTargets(
    {
      policy: policy(),
      kind: 'asg',
      capacity: group,
      metrics,
      ledger,
      notifier: { capacityChanged: async () => {} },
      clock: testClock(T0),
      log: { info() {}, warn() {}, error() {} },
      decisionMetrics: { decided() {}, failed: (op) => void failed.push(op) },
      owner: 'asg',
    },
    { trigger: 'schedule' },
  );
  const decision = out[0]?.decision as Decision;
  return { decision, record: ledger.plans.get('api'), desired: group.desired, ledger, failed };
}

describe('a plan member whose run cannot read the plan records', () => {
  it.each([
    {
      name: 'a one-minute dip leads no scale-in the plan window would have held (the reviewer’s 6 → 5)',
      minute: { demand: 2000, load: 40, readFails: true },
      want: { desired: 6, reason: 'PlanRecordsUnreadable' },
    },
    {
      name: 'a scale-in its own rules ask for (every rule below its scale-in threshold) waits too',
      minute: { demand: 2000, load: 20, readFails: true },
      want: { desired: 6, reason: 'PlanRecordsUnreadable' },
    },
    {
      name: 'decided again under its lease (a lease left behind), it still holds',
      minute: { demand: 2000, load: 40, readFails: true, leaseLeft: true },
      want: { desired: 6, reason: 'PlanRecordsUnreadable' },
    },
  ])('$name', async ({ minute, want }) => {
    const { decision, desired, ledger, failed } = await apiMinute(minute);
    expect(decision).toMatchObject({ current: 6, ...want, direction: 'none' });
    expect(decision.message).toContain(
      "plan ticket-rush's records could not be read (ProvisionedThroughputExceededException",
    );
    expect(decision.explain?.gates).toContainEqual(
      expect.objectContaining({ gate: 'planRecords', outcome: 'held', reason: 'PlanRecordsUnreadable' }),
    );
    expect(desired).toBe(6);
    // Recorded as every decision is, and the failed read counted.
    expect(ledger.log.filter((d) => d.target === 'api').map((d) => d.reason)).toEqual([want.reason]);
    expect(failed).toEqual(['plans']);
  });

  it.each([
    {
      name: 'after a run that held, the stored levels and lead times are unchanged',
      minute: { demand: 2000, load: 40, readFails: true },
      want: { desired: 6 },
    },
    {
      name: 'a scale-out the plan asks for goes ahead, and writes no record over the stored one',
      // 12 instances' worth; the plan asks for 9, what the replicas carry at their maximum of 3.
      minute: { demand: 6000, load: 40, readFails: true },
      want: { desired: 9 },
    },
  ])('$name', async ({ minute, want }) => {
    const { decision, record, desired } = await apiMinute(minute);
    expect(decision.desired).toBe(want.desired);
    expect(desired).toBe(want.desired);
    expect(record).toEqual(stored());
  });

  it('with its records read the same minute holds at 6 too (the reference the rows above keep to)', async () => {
    const { decision, record } = await apiMinute({ demand: 2000, load: 40, readFails: false });
    expect(decision).toMatchObject({ current: 6, desired: 6 });
    expect(record?.planLevels.map((l) => l.desired)).toContain(9);
    expect(record?.leadSeconds).toEqual([240, 250]);
  });
});
