import { describe, expect, it } from 'vitest';
import { decideMember } from '../../../../shared/decision/plans/decideMember';
import type { MemberPlan } from '../../../../shared/decision/plans/types';
import type { DecisionInput } from '../../../../shared/decision/types';
import type { Target } from '../../../../shared/policy/schema';
import { examplePolicy } from '../../../harness/fixtures';
import { member, rushPlan, T0 } from './planFixtures';

// The example's API (2..10, scale-in at most 10% a minute, cooldowns 300/600 s) inside the example plan.
const api = examplePolicy().targets.find((t) => t.name === 'api') as Target;
const input = (current: number, cpu: number, memory = 50): DecisionInput => ({
  target: api,
  policyMaxUnitsPerDecision: 4,
  state: { current, serving: current, liveMin: 2, liveMax: 10 },
  readings: {
    cpu: [{ value: cpu, timestamp: new Date(T0.getTime() - 60_000) }],
    memory: [{ value: memory, timestamp: new Date(T0.getTime() - 60_000) }],
  },
  history: { recommendations: [], changes: [] },
  now: T0,
});
const asked = (floor: number, reason: MemberPlan['reason'] = 'PlanDemand'): MemberPlan => ({
  member: 'api',
  current: 6,
  serving: 6,
  wanted: floor,
  floor,
  reason,
  message: `plan rush: demand needs ${floor} instances`,
});
const states = { api: member(6), 'events-db': member(2), 'sessions-cache': member(4) };

describe('decideMember: a member’s decision inside its plan', () => {
  it.each([
    {
      name: 'the plan’s floor raises the member ahead of its rules',
      current: 6,
      cpu: 50,
      asked: asked(8),
      want: { desired: 8, reason: 'PredictiveFloor' },
    },
    {
      name: 'the plan leads its scale-in, through the member’s rate limit (10% a minute: one instance)',
      current: 6,
      cpu: 40,
      asked: asked(4),
      want: { desired: 5, reason: 'PlanScaleIn' },
    },
    {
      name: 'the member’s own rules win when they ask for more',
      current: 6,
      cpu: 75,
      asked: asked(4),
      want: { desired: 8, reason: 'ScaleOut' },
    },
    {
      name: 'no plan floor: the member alone',
      current: 6,
      cpu: 40,
      asked: undefined,
      want: { desired: 6, reason: 'NoThresholdBreached' },
    },
  ])('$name', ({ current, cpu, asked: plan, want }) => {
    const { decision } = decideMember({
      decision: input(current, cpu),
      asked: plan,
      model: rushPlan(),
      states,
      planLevels: [],
    });
    expect(decision).toMatchObject(want);
  });

  // The API at 10, one target-tracking CPU rule reading 15% (it asks for 3), the plan's levels 10 for the last 4
  // minutes, and the plan's floor from the measured demand dips to 5 for one minute. Before, with
  // scaleInHoldsUnderFloor false, that floor released the scale-in as a forecast floor does: 10 → 5 at once.
  it.each([
    {
      name: 'a floor from the measured demand (PlanDemand) keeps the window, whatever scaleInHoldsUnderFloor says',
      holds: false,
      reason: 'PlanDemand' as const,
      want: { desired: 10, reason: 'StabilizationWindow' },
    },
    {
      name: 'the same with scaleInHoldsUnderFloor true (the default)',
      holds: true,
      reason: 'PlanDemand' as const,
      want: { desired: 10, reason: 'StabilizationWindow' },
    },
    {
      name: 'a floor under a cap (PlanCapped) keeps the window too',
      holds: false,
      reason: 'PlanCapped' as const,
      want: { desired: 10, reason: 'StabilizationWindow' },
    },
    {
      name: 'the plan’s forecast floor (PlanForecast) releases it, as scaleInHoldsUnderFloor false says',
      holds: false,
      reason: 'PlanForecast' as const,
      want: { desired: 5, reason: 'ScaleIn' },
    },
  ])('$name', ({ holds, reason, want }) => {
    const cpu = {
      name: 'cpu',
      type: 'target-tracking' as const,
      metric: {
        namespace: 'AWS/EC2',
        name: 'CPUUtilization',
        statistic: 'Average' as const,
        periodSeconds: 60,
      },
      target: 50,
      tolerance: 0.1,
      evaluationPeriods: 1,
    };
    const tracked = {
      ...api,
      rules: [cpu],
      stabilization: { ...api.stabilization, scaleInHoldsUnderFloor: holds },
    } as Target;
    const minutes = [4, 3, 2, 1].map((n) => ({ at: new Date(T0.getTime() - n * 60_000), desired: 10 }));
    const { decision } = decideMember({
      decision: {
        target: tracked,
        policyMaxUnitsPerDecision: 10,
        state: { current: 10, serving: 10, liveMin: 2, liveMax: 10 },
        readings: { cpu: [{ value: 15, timestamp: new Date(T0.getTime() - 60_000) }] },
        history: { recommendations: minutes, changes: [] },
        now: T0,
      },
      asked: { ...asked(5, reason), current: 10, serving: 10 },
      model: rushPlan(),
      states: { ...states, api: member(10) },
      planLevels: minutes,
    });
    expect(decision).toMatchObject(want);
  });

  it('keeps the plan’s levels for the stabilisation window of the scale-ins it leads', () => {
    const first = decideMember({
      decision: input(6, 40),
      asked: asked(9),
      model: rushPlan(),
      states,
      planLevels: [],
    });
    expect(first.planLevels.map((r) => r.desired)).toEqual([9]);
    // A minute later the plan asks for 4, but 9 is within the 300 s window: no scale-in it leads.
    const later = {
      ...input(6, 40),
      readings: { cpu: [{ value: 40, timestamp: T0 }], memory: [{ value: 50, timestamp: T0 }] },
      now: new Date(T0.getTime() + 60_000),
    };
    const next = decideMember({
      decision: later,
      asked: asked(4),
      model: rushPlan(),
      states,
      planLevels: first.planLevels,
    });
    expect(next.decision.reason).not.toBe('PlanScaleIn');
    expect(next.decision.desired).toBe(6);
  });

  it.each([
    { name: 'instances being replaced (6 of 9 in service)', serving: 6 },
    { name: 'a third of it in service', serving: 3 },
  ])(
    'the plan leads a scale-in to its level, never below it, while part of the member does not serve: $name',
    ({ serving }) => {
      // No rate limit to hide it: the plan's level is a count of units, not a share of those that serve.
      const free = { ...api, rateLimits: { scaleOut: [], scaleIn: [] } } as Target;
      const at9 = input(9, 40);
      const { decision, planLevels } = decideMember({
        decision: { ...at9, target: free, state: { ...at9.state, serving } },
        asked: asked(8),
        model: rushPlan(),
        states,
        planLevels: [],
      });
      expect(decision).toMatchObject({ desired: 8, reason: 'PlanScaleIn' });
      expect(planLevels.map((r) => r.desired)).toEqual([8]);
    },
  );

  /** The API at 6 asked for 9, waiting for the replicas (2 serving); the plan's demand, if measured. */
  const gatedDecision = (demand?: number) =>
    decideMember({
      decision: input(6, 50),
      asked: asked(9),
      model: rushPlan({ api: { waitFor: ['events-db'] } }),
      states,
      planLevels: [],
      ...(demand !== undefined ? { demand } : {}),
    }).decision;

  it('gates the growth on the members it waits for', () => {
    const decision = gatedDecision(4500); // 9 instances' worth at one per 500 a minute
    expect(decision).toMatchObject({ desired: 6, reason: 'ReadinessGate' });
    expect(decision.message).toContain('api held at 6 until events-db serves 3 read replicas (serving 2)');
  });

  it('is not held by its gate while the demand is missing (a metric outage must not freeze the API)', () => {
    const decision = gatedDecision();
    expect(decision).toMatchObject({ desired: 9 });
    expect(decision.explain?.gates).toContainEqual({
      gate: 'readiness',
      outcome: 'passed',
      message:
        'api not held for events-db: no fresh demand datapoint, so the plan asks them for nothing to wait for',
    });
  });
});
