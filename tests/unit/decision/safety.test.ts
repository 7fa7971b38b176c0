import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideCapacity } from '../../../shared/decision/decideCapacity';
import { floorAt } from '../../../shared/decision/floors';
import { desiredCapacityModel } from '../../../shared/decision/kindModel';
import { historySeconds, nextHistory, withoutChange } from '../../../shared/decision/nextHistory';
import { reconcileIntent } from '../../../shared/decision/reconcileIntent';
import type { CapacityState, MetricReading, ScalingHistory } from '../../../shared/decision/types';
import type { AsgTarget } from '../../../shared/policy/schema';
import { seedStepTarget } from '../../harness/fixtures';

// The decision-level defects of the safety issue (#11, items 4–8), each named in its row.

const NOW = new Date('2026-11-22T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000);

const target = seedStepTarget;

/** Datapoints of `period` seconds ending `endAgo` seconds ago, oldest first, as GetMetricData returns them. */
function series(values: number[], period = 60, endAgo = 0): MetricReading[] {
  return values.map((value, k) => ({
    value,
    timestamp: ago(endAgo + (values.length - k) * period),
  }));
}

interface Row {
  name: string;
  target?: AsgTarget;
  state?: Partial<CapacityState>;
  cpu?: MetricReading[];
  history?: Partial<ScalingHistory>;
  want: number;
  reason: string;
}

const fiveMinute = target({}, { metric: { periodSeconds: 300 } });
const fivePeriods = target({}, { evaluationPeriods: 5 });

const rows: Row[] = [
  {
    name: 'defect 4: a 300-s period whose newest complete datapoint started 10 min ago is fresh, not MetricsMissing',
    target: fiveMinute,
    cpu: series([85, 85], 300, 60), // the last period ended a minute ago (publication delay)
    want: 6,
    reason: 'ScaleOut',
  },
  {
    name: 'defect 4: the period still in progress is not read as complete (a partial Sum reads low)',
    target: fiveMinute,
    // 50 is complete; 5 is the period that started 2 minutes ago and is still filling
    cpu: [...series([50], 300, 120), { value: 5, timestamp: ago(120) }],
    want: 4,
    reason: 'NoThresholdBreached',
  },
  {
    name: 'defect 4: only an in-progress period counts as missing, never as a reading',
    target: fiveMinute,
    cpu: [{ value: 5, timestamp: ago(120) }],
    want: 4,
    reason: 'MetricsMissing',
  },
  {
    name: 'defect 5: one reading of 90 with evaluationPeriods 5 does not scale out',
    target: fivePeriods,
    cpu: series([40, 40, 40, 40, 90]),
    want: 4,
    reason: 'BreachNotSustained',
  },
  {
    name: 'defect 5: five breaching periods scale out, on the step all five exceed',
    target: fivePeriods,
    cpu: series([75, 80, 95, 99, 90]),
    want: 6,
    reason: 'ScaleOut',
  },
  {
    name: 'defect 5: fewer datapoints than evaluation periods is not a sustained breach',
    target: fivePeriods,
    cpu: series([95, 95]),
    want: 4,
    reason: 'BreachNotSustained',
  },
  {
    name: 'defect 5: scale-in needs every period below the threshold too',
    target: fivePeriods,
    cpu: series([10, 10, 50, 10, 10]),
    want: 4,
    reason: 'BreachNotSustained',
  },
  {
    name: 'defect 6: desired 20 with max 10 and no metrics holds (missing metrics never scale in)',
    state: { current: 20, serving: 20 },
    want: 20,
    reason: 'ScaleInBlockedByMissingMetrics',
  },
  {
    name: 'defect 6: desired 20 with max 10 steps back by the blast-radius cap',
    state: { current: 20, serving: 20 },
    cpu: series([50]),
    want: 16,
    reason: 'OutOfRange',
  },
  {
    name: 'defect 6: 2 with min 10 and a cap of 1 goes to 3, not 10',
    target: target(
      { capacity: { min: 10, max: 20 }, maxUnitsPerDecision: 1 },
      { scaleOut: [{ above: 70, add: 1 }] },
    ),
    state: { current: 2, serving: 2 },
    cpu: series([50]),
    want: 3,
    reason: 'OutOfRange',
  },
  {
    name: 'defect 6: stepping back into range honours the cooldown',
    state: { current: 20, serving: 20 },
    cpu: series([50]),
    history: { lastScaleInAt: ago(120) },
    want: 20,
    reason: 'ScaleInCooldown',
  },
  {
    name: 'defect 6: the last step lands on the range',
    state: { current: 12, serving: 12 },
    cpu: series([50]),
    want: 10,
    reason: 'OutOfRange',
  },
  {
    name: 'defect 8: target tracking at 0 units with demand on a metric that exists without units starts one',
    target: target({
      capacity: { min: 0, max: 10 },
      rules: [
        {
          name: 'cpu',
          type: 'target-tracking',
          metric: {
            namespace: 'AWS/SQS',
            name: 'ApproximateNumberOfMessagesVisible',
            dimensions: { QueueName: 'jobs' },
          },
          target: 100,
        },
      ],
    }),
    state: { current: 0, serving: 0 },
    cpu: series([500]),
    want: 1,
    reason: 'ScaleOut',
  },
];

describe('decision safety (issue #11)', () => {
  it.each(rows)('$name', ({ target: t, state, cpu, history, want, reason }) => {
    const decision = decideCapacity({
      target: t ?? target(),
      policyMaxUnitsPerDecision: 4,
      state: { current: 4, serving: 4, liveMin: 0, liveMax: 100, ...state },
      readings: { cpu },
      history: { recommendations: [], changes: [], ...history },
      now: NOW,
    });
    expect({ desired: decision.desired, reason: decision.reason }).toEqual({ desired: want, reason });
    expect(decision.message.length).toBeGreaterThan(0);
  });
});

describe('history windows (defect 7)', () => {
  const daily = target({ rateLimits: { scaleOut: [{ type: 'units', value: 1, periodSeconds: 86_400 }] } });

  it('defect 7: a 24-hour limit of +1 still refuses a second step 90 minutes later (history was cut at 3600 s)', () => {
    let history: ScalingHistory = { recommendations: [], changes: [] };
    let current = 4;
    for (let minute = 0; minute <= 90; minute += 1) {
      const now = new Date(NOW.getTime() + minute * 60_000);
      const decision = decideCapacity({
        target: daily,
        policyMaxUnitsPerDecision: 4,
        state: { current, serving: current, liveMin: 0, liveMax: 100 },
        readings: { cpu: [{ value: 95, timestamp: new Date(now.getTime() - 60_000) }] },
        history,
        now,
      });
      history = nextHistory(history, decision, now, true, historySeconds(daily));
      current = decision.desired;
    }
    expect(current).toBe(5);
  });

  it('keeps history for the longest configured window, and at least an hour', () => {
    expect(historySeconds(daily)).toBe(86_400);
    expect(historySeconds(target())).toBe(3600);
    // A scale-out AWS rolls back falls back to the one before it: kept as long as scale-in waits after one.
    expect(historySeconds(target({ stabilization: { scaleInAfterScaleOutSeconds: 7200 } }))).toBe(7200);
  });

  it('property: merging runs of equal recommendations never changes what a window sees', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 14_400 }),
        (values, window) => {
          let history: ScalingHistory = { recommendations: [], changes: [] };
          const end = NOW.getTime() + values.length * 60_000;
          values.forEach((desired, minute) => {
            const at = new Date(NOW.getTime() + minute * 60_000);
            const d = { recommendation: desired, desired: 1, current: 1 } as Parameters<
              typeof nextHistory
            >[1];
            history = nextHistory(history, d, at, false, 86_400);
          });
          const inWindow = values.filter(
            (_, minute) => end - (NOW.getTime() + minute * 60_000) < window * 1000,
          );
          const seen = history.recommendations
            .filter((r) => end - r.at.getTime() < window * 1000)
            .map((r) => r.desired);
          expect(new Set(seen)).toEqual(new Set(inWindow));
          expect(history.recommendations.length).toBeLessThanOrEqual(values.length);
        },
      ),
    );
  });
});

describe('reconciling an unfinished intent (defect 3)', () => {
  const intent = { id: 'r1#7', from: 4, to: 6, at: ago(90), token: 7, reason: 'ScaleOut' as const };
  const state = (current: number): CapacityState => ({ current, serving: current, liveMin: 0, liveMax: 100 });
  it.each([
    { name: 'capacity at `to`: applied', current: 6, status: 'done' },
    { name: 'capacity still at `from`: the call never took effect', current: 4, status: 'not-applied' },
    {
      name: 'capacity moved elsewhere: counted as applied, so the cooldown holds',
      current: 5,
      status: 'done',
    },
  ])('$name', ({ current, status }) => {
    const settlement = desiredCapacityModel.settle(target(), intent, state(current), NOW);
    expect(settlement.status).toBe(status);
    const decision = reconcileIntent(target(), intent, settlement);
    expect(decision.reason).toBe('IntentReconciled');
    expect(decision.message).toContain('r1#7');
  });

  it.each([
    {
      name: 'recorded and still running: OperationPending',
      recorded: true,
      settlement: { status: 'in-flight', message: 'creating' },
      reason: 'OperationPending',
    },
    {
      name: 'recorded and done: OperationCompleted',
      recorded: true,
      settlement: { status: 'done' },
      reason: 'OperationCompleted',
    },
    {
      name: 'AWS gave up: OperationFailed',
      recorded: true,
      settlement: { status: 'failed', message: 'rolled back' },
      reason: 'OperationFailed',
    },
    {
      name: 'not recorded but running: IntentReconciled (applied)',
      recorded: false,
      settlement: { status: 'in-flight', message: 'creating' },
      reason: 'IntentReconciled',
    },
  ] as const)('$name', ({ recorded, settlement, reason }) => {
    expect(reconcileIntent(target(), { ...intent, recorded }, settlement).reason).toBe(reason);
  });
});

describe('predictive floors (issue #14: floors honoured by the scalers)', () => {
  const decide = (
    floor: number | undefined,
    cpu: number | undefined,
    state: Partial<CapacityState> = {},
    history: Partial<ScalingHistory> = {},
  ) =>
    decideCapacity({
      target: target(),
      policyMaxUnitsPerDecision: 4,
      state: { current: 4, serving: 4, liveMin: 0, liveMax: 100, ...state },
      readings: { cpu: cpu === undefined ? undefined : series([cpu]) },
      history: { recommendations: [], changes: [], ...history },
      ...(floor === undefined ? {} : { floor: { units: floor, source: 'test forecast' } }),
      now: NOW,
    });
  it.each([
    {
      name: 'a floor above current raises capacity ahead of the load',
      floor: 7,
      cpu: 50,
      want: 7,
      reason: 'PredictiveFloor',
    },
    {
      name: 'a floor raises capacity even without fresh metrics',
      floor: 6,
      cpu: undefined,
      want: 6,
      reason: 'PredictiveFloor',
    },
    {
      name: 'a floor below current never lowers it without metrics',
      floor: 2,
      cpu: undefined,
      want: 4,
      reason: 'MetricsMissing',
    },
    { name: 'scale-in stops at the floor', floor: 4, cpu: 10, want: 4, reason: 'PredictiveFloor' },
    { name: 'a rule asking for more than the floor wins', floor: 5, cpu: 95, want: 6, reason: 'ScaleOut' },
    {
      name: 'the floor respects the blast-radius cap',
      floor: 10,
      cpu: 50,
      want: 8,
      reason: 'BlastRadiusCapped',
    },
    {
      name: 'the floor respects the policy max',
      floor: 30,
      cpu: 50,
      state: { current: 9, serving: 9 },
      want: 10,
      reason: 'AtMaxCapacity',
    },
    {
      name: 'the floor waits for the scale-out cooldown',
      floor: 7,
      cpu: 50,
      history: { lastScaleOutAt: ago(60) },
      want: 4,
      reason: 'ScaleOutCooldown',
    },
  ])('$name', ({ floor, cpu, state, history, want, reason }) => {
    const d = decide(floor, cpu, state, history);
    expect({ desired: d.desired, reason: d.reason }).toEqual({ desired: want, reason });
  });

  it('a floor expires with its schedule', () => {
    const schedule = { start: ago(600), stepMinutes: 5, units: [3, 5], madeAt: ago(900), source: 's' };
    expect(floorAt(schedule, ago(300))?.units).toBe(5);
    expect(floorAt(schedule, ago(601))).toBeUndefined();
    expect(floorAt(schedule, NOW)).toBeUndefined();
  });
});

describe('units named in the group’s own unit (issue #11, item 9)', () => {
  it('a vCPU group’s messages speak of vCPU, not instances', () => {
    const d = decideCapacity({
      target: target({
        maxUnitsPerDecision: 2,
        capacity: { min: 2, max: 64 },
        rules: [
          {
            name: 'cpu',
            type: 'target-tracking',
            metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
            target: 50,
          },
        ],
      }),
      policyMaxUnitsPerDecision: 4,
      state: { current: 8, serving: 8, liveMin: 0, liveMax: 100, unitLabel: 'vCPU' },
      readings: { cpu: series([95]) },
      history: { recommendations: [], changes: [] },
      now: NOW,
    });
    expect(d.message).toContain('capped at 2 vCPUs per decision');
    // Recorded with its unit: the cost of scaling prices no vCPU-hour as an instance-hour.
    expect(d.unit).toBe('vCPU');
  });
});

describe('a change AWS rolled back', () => {
  it('leaves the rate-limit record and its cooldown falls back to the change before it', () => {
    const earlier = { at: ago(3600), from: 3, to: 4 };
    const failed = { at: ago(600), from: 4, to: 5 };
    const history: ScalingHistory = {
      recommendations: [],
      changes: [earlier, failed],
      lastScaleOutAt: failed.at,
      lastScaleInAt: ago(7200),
    };
    expect(withoutChange(history, failed)).toEqual({
      recommendations: [],
      changes: [earlier],
      lastScaleOutAt: earlier.at,
      lastScaleInAt: ago(7200),
    });
    expect(
      withoutChange({ recommendations: [], changes: [failed], lastScaleOutAt: failed.at }, failed),
    ).toEqual({
      recommendations: [],
      changes: [],
    });
  });
});
