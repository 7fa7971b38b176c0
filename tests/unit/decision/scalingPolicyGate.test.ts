import { describe, expect, it } from 'vitest';
import type { CapacityState, GateNote } from '../../../shared/decision/types';
import { decideGroup } from './groupGateFixtures';

// A group with its own AWS scaling policy that changes its desired capacity: before, Scalepilot set desired
// and the group's policy set it back, each undoing the other. The step rule: CPU > 70 adds 2, < 30 removes 1.

const NOW = new Date('2026-11-22T12:00:30Z');
const gates = (notes: readonly GateNote[] | undefined) =>
  (notes ?? []).map((g) => `${g.gate}:${g.outcome}${g.reason ? `:${g.reason}` : ''}`);

const decide = (state: CapacityState, cpu: number) => decideGroup(state, cpu, NOW);

const group = (scalingPolicies?: string[]): CapacityState => ({
  current: 4,
  serving: 4,
  liveMin: 0,
  liveMax: 10,
  ...(scalingPolicies ? { scalingPolicies } : {}),
});

describe('a group its own AWS scaling policies scale is refused, told once', () => {
  it.each([
    {
      name: 'hot, with a target-tracking policy: refused, told, nothing asked of AWS',
      state: group(['cpu50 (TargetTrackingScaling)']),
      cpu: 85,
      want: { reason: 'ScalingPolicyConflict', desired: 4, notify: true, acts: false },
    },
    {
      name: 'quiet, with a step policy: the scale-in is refused too',
      state: group(['out (StepScaling)']),
      cpu: 20,
      want: { reason: 'ScalingPolicyConflict', desired: 4, notify: true, acts: false },
    },
    {
      name: 'within thresholds, with a policy: still refused (the refusal stays its reason, told once)',
      state: group(['cpu50 (TargetTrackingScaling)']),
      cpu: 50,
      want: { reason: 'ScalingPolicyConflict', desired: 4, notify: true, acts: false },
    },
    {
      name: 'hot, no policy that changes capacity, or not read (a first look): the scale-out goes ahead',
      state: group(),
      cpu: 85,
      want: { reason: 'ScaleOut', desired: 6, notify: false, acts: true },
    },
    {
      name: 'hot, an empty list of policies: the scale-out goes ahead',
      state: group([]),
      cpu: 85,
      want: { reason: 'ScaleOut', desired: 6, notify: false, acts: true },
    },
  ])('$name', ({ state, cpu, want }) => {
    const decided = decide(state, cpu);
    expect({
      reason: decided.decision.reason,
      desired: decided.decision.desired,
      notify: decided.notify === true,
      acts: decided.action !== undefined,
    }).toEqual(want);
  });

  it('names the group, its policies and what to do, and holds at the otherAutoscaler gate', () => {
    const { decision } = decide(group(['cpu50 (TargetTrackingScaling)', 'rush (PredictiveScaling)']), 85);
    expect(decision.message).toContain(
      'Auto Scaling group "g" has its own scaling policies (cpu50 (TargetTrackingScaling), rush (PredictiveScaling)) that change its desired capacity: two autoscalers would fight; delete them or remove this target',
    );
    expect(gates(decision.explain?.gates).slice(-2)).toEqual([
      'otherAutoscaler:held:ScalingPolicyConflict',
      'pause:passed',
    ]);
  });
});
