import { describe, expect, it } from 'vitest';
import type { Policy } from '../../../shared/policy/schema';
import { alertCosts, type CostDeps, type LoggedDecision } from '../../../shared/usecases/alertCosts';
import { capturedLog, examplePolicy, testClock } from '../../harness/fixtures';

// Issue 14: the predict function records one decision per target per hour whose current/desired are its
// floors, not the capacity it saw (recorded with the trigger `forecast`; before that, told by a Forecast* reason); the cost of scaling, which traces capacity through every decision, must
// not read them (a floor of 9 would otherwise count as 9 instances for the minute until the next decision).
const api = (logged: LoggedDecision[]): CostDeps => {
  const policy: Policy = {
    ...examplePolicy(),
    targets: examplePolicy().targets.filter((t) => t.name === 'api'),
  };
  return {
    policy,
    costs: {
      dailyCosts: async (start) => [{ date: start, total: 1, byService: {}, estimated: false }],
      forecast: async () => 0,
    },
    alerts: {
      claimAlert: async () => ({ status: 'sent' }),
      markAlertSent: async () => true,
      releaseAlert: async () => {},
    },
    decisions: async () => logged,
    channels: [],
    clock: testClock(new Date('2026-11-22T08:00:00Z')),
    log: capturedLog().sink,
    region: 'us-east-1',
    prices: { regions: {} },
  };
};

describe('the cost of scaling and the predict function’s records', () => {
  it.each([
    { name: 'without them: 2 units above min for the day', extra: [], want: 48 },
    {
      name: 'with a ForecastFloors record in between: the same (defect: it counted its floor as capacity)',
      extra: [
        {
          target: 'api',
          at: '2026-11-21T12:00:00Z',
          current: 9,
          desired: 9,
          applied: true,
          reason: 'ForecastFloors' as const,
        },
      ],
      want: 48,
    },
    {
      name: 'with the hourly run’s records of other reasons (trigger forecast): the same (defect: read as capacity)',
      extra: [
        { reason: 'SeasonalFloor' as const, current: 9, desired: 9 },
        { reason: 'PlanForecast' as const, current: 9, desired: 9 },
        { reason: 'FloorsNotWorthIt' as const, current: 0, desired: 0 },
        { reason: 'ScheduleBudget' as const, current: 9, desired: 9 },
        { reason: 'ScheduledActionsRemoved' as const, current: 0, desired: 0 },
      ].map((r, i) => ({
        ...r,
        target: 'api',
        at: `2026-11-21T12:0${i}:00Z`,
        applied: true,
        trigger: 'forecast' as const,
      })),
      want: 48,
    },
    {
      name: 'a scaler’s own PlanForecast change (trigger schedule): counted, 6 units for half an hour',
      extra: [
        {
          target: 'api',
          at: '2026-11-21T12:00:00Z',
          current: 4,
          desired: 6,
          applied: true,
          reason: 'PlanForecast' as const,
          trigger: 'schedule' as const,
        },
      ],
      want: 49,
    },
  ])('$name', async ({ extra, want }) => {
    const logged: LoggedDecision[] = [
      {
        target: 'api',
        at: '2026-11-21T00:00:00Z',
        current: 4,
        desired: 4,
        applied: false,
        reason: 'WithinTolerance',
      },
      ...extra,
      {
        target: 'api',
        at: '2026-11-21T12:30:00Z',
        current: 4,
        desired: 4,
        applied: false,
        reason: 'WithinTolerance',
      },
    ];
    const run = await alertCosts(api(logged), 'daily', { send: false });
    expect(run.evaluation.scaling[0]?.unitHours).toBeCloseTo(want);
  });
});

describe('the cost of scaling a group that counts vCPUs, MiB or weights', () => {
  it.each([
    { name: 'instances: priced', unit: undefined, priced: true },
    {
      name: 'its decisions say vCPU: not priced as instance-hours, and says why',
      unit: 'vCPU',
      priced: false,
    },
  ])('$name', async ({ unit, priced }) => {
    const logged: LoggedDecision[] = [
      {
        target: 'api',
        at: '2026-11-21T00:00:00Z',
        current: 4,
        desired: 4,
        applied: false,
        reason: 'WithinTolerance',
        ...(unit ? { unit } : {}),
      },
    ];
    const deps = {
      ...api(logged),
      prices: { regions: { 'us-east-1': { ec2: {}, rds: {}, elasticache: {} } } },
    };
    const target = deps.policy.targets[0];
    if (target?.kind !== 'asg' || !target.instanceType) throw new Error('fixture changed');
    deps.prices.regions['us-east-1'].ec2 = { [target.instanceType]: 0.1 };
    const [cost] = (await alertCosts(deps, 'daily', { send: false })).evaluation.scaling;
    expect(cost?.usd === undefined).toBe(!priced);
    if (!priced) {
      expect(cost?.note).toContain('the group counts its capacity in vCPU, not instances');
      expect(cost?.unit).toBe('vCPU'); // its unit-hours are vCPU-hours, not instance-hours
    }
  });
});
