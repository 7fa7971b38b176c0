import { describe, expect, it } from 'vitest';
import { decideCapacity } from '../../../shared/decision/decideCapacity';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Target } from '../../../shared/policy/schema';

// A rule's floorTarget (issue 22): while a predictive floor is in force, a target-tracking rule aims at it (the
// floor carries the forecast's headroom); without a floor it aims at its own target. Floors are sized at it too
// (tests/unit/decision/forecastFloors.test.ts).

const NOW = new Date('2026-11-22T12:00:00Z');

function target(rule: Record<string, unknown>): Target {
  return validatePolicy({
    version: 1,
    maxUnitsPerDecision: 20,
    targets: [
      {
        name: 'api',
        kind: 'asg',
        autoScalingGroupName: 'g',
        capacity: { min: 1, max: 30 },
        cooldowns: { scaleOutSeconds: 60, scaleInSeconds: 60 },
        stabilization: { scaleOutSeconds: 0, scaleInSeconds: 0 },
        rules: [{ name: 'cpu', metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' }, ...rule }],
      },
    ],
  }).targets[0] as Target;
}

const tracking = { type: 'target-tracking', target: 50, tolerance: 0.1, floorTarget: 80 };
const step = {
  type: 'step',
  scaleOut: [{ above: 50, add: 2 }],
  scaleIn: [{ below: 20, remove: 1 }],
  floorTarget: 80,
};

describe('a rule’s floorTarget in the decision', () => {
  it.each([
    {
      name: 'no floor: target tracking aims at its target (10 units at 60% of 50 → 12)',
      rule: tracking,
      floor: undefined,
      want: { desired: 12, reason: 'ScaleOut' },
    },
    {
      name: 'a floor of 8 in force, the load within its plan: it aims at floorTarget 80 (60% → 8 units)',
      rule: tracking,
      floor: 8,
      want: { desired: 8, reason: 'ScaleIn' },
    },
    {
      name: 'a floor of 5, the load past its plan (8 at 80%): the forecast missed, it aims at its own 50 (12)',
      rule: tracking,
      floor: 5,
      want: { desired: 12, reason: 'ScaleOut' },
    },
    {
      name: 'a floor above that need: the floor holds (9)',
      rule: tracking,
      floor: 9,
      want: { desired: 9, reason: 'ScaleIn' },
    },
    {
      name: 'a step rule’s floorTarget only sizes floors: above 50 it adds 2 under a floor too',
      rule: step,
      floor: 5,
      want: { desired: 12, reason: 'ScaleOut' },
    },
  ])('$name', ({ rule, floor, want }) => {
    const d = decideCapacity({
      target: target(rule),
      policyMaxUnitsPerDecision: 20,
      state: { current: 10, serving: 10, liveMin: 0, liveMax: 100 },
      readings: { cpu: [{ value: 60, timestamp: new Date(NOW.getTime() - 120_000) }] },
      history: { recommendations: [], changes: [] },
      now: NOW,
      ...(floor === undefined ? {} : { floor: { units: floor, source: 'forecast' } }),
    });
    expect({ desired: d.desired, reason: d.reason }).toEqual(want);
  });
});
