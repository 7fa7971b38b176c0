import { describe, expect, it } from 'vitest';
import { decideCapacity } from '../../../shared/decision/decideCapacity';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Target } from '../../../shared/policy/schema';

// stabilization.scaleInHoldsUnderFloor (issue 22): under a predictive floor, scale-in may skip its window and its
// rate limits, because the floor (forecast × measured headroom) already holds what the next minutes need.

const NOW = new Date('2026-11-22T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000);

function target(scaleInHoldsUnderFloor?: boolean): Target {
  return validatePolicy({
    version: 1,
    targets: [
      {
        name: 'api',
        kind: 'asg',
        autoScalingGroupName: 'g',
        capacity: { min: 2, max: 20 },
        cooldowns: { scaleOutSeconds: 60, scaleInSeconds: 60 },
        stabilization: {
          scaleOutSeconds: 0,
          scaleInSeconds: 900,
          ...(scaleInHoldsUnderFloor === undefined ? {} : { scaleInHoldsUnderFloor }),
        },
        rateLimits: { scaleIn: [{ type: 'percent', value: 10, periodSeconds: 900 }] },
        rules: [
          {
            name: 'cpu',
            type: 'target-tracking',
            metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
            target: 50,
            tolerance: 0.1,
          },
        ],
      },
    ],
  }).targets[0] as Target;
}

/** Ten units at 20% (the rules need 4), ten recommended two minutes ago (inside the 15-minute window). */
function decide(t: Target, floor?: number) {
  return decideCapacity({
    target: t,
    policyMaxUnitsPerDecision: 18,
    state: { current: 10, serving: 10, liveMin: 0, liveMax: 100 },
    readings: { cpu: [{ value: 20, timestamp: ago(60) }] },
    history: { recommendations: [{ at: ago(120), desired: 10 }], changes: [] },
    now: NOW,
    ...(floor === undefined ? {} : { floor: { units: floor, source: 'forecast' } }),
  });
}

describe('stabilization.scaleInHoldsUnderFloor', () => {
  it.each([
    {
      name: 'default (true): under a floor of 6 the window still holds 10',
      holds: undefined,
      floor: 6,
      want: { desired: 10, reason: 'StabilizationWindow' },
    },
    {
      name: 'false: under a floor of 6, straight down to the floor, past the window and the 10% rate limit',
      holds: false,
      floor: 6,
      want: { desired: 6, reason: 'ScaleIn' },
    },
    {
      name: 'false, a floor of 3 under the rules’ need of 4: the rules hold, not the floor: the window holds',
      holds: false,
      floor: 3,
      want: { desired: 10, reason: 'StabilizationWindow' },
    },
    {
      name: 'false, no floor in force: the window holds as always',
      holds: false,
      floor: undefined,
      want: { desired: 10, reason: 'StabilizationWindow' },
    },
    {
      name: 'false, a floor of 12: the floor raises capacity as before (scale-out is untouched)',
      holds: false,
      floor: 12,
      want: { desired: 12, reason: 'PredictiveFloor' },
    },
  ])('$name', ({ holds, floor, want }) => {
    const d = decide(target(holds), floor);
    expect({ desired: d.desired, reason: d.reason }).toEqual(want);
  });

  it('false, under a floor, with no window record: the rate limit is skipped too (10% would allow 9)', () => {
    const t = target(false);
    const d = decideCapacity({
      target: t,
      policyMaxUnitsPerDecision: 18,
      state: { current: 10, serving: 10, liveMin: 0, liveMax: 100 },
      readings: { cpu: [{ value: 20, timestamp: ago(60) }] },
      history: { recommendations: [], changes: [] },
      now: NOW,
      floor: { units: 5, source: 'forecast' },
    });
    expect({ desired: d.desired, reason: d.reason }).toEqual({ desired: 5, reason: 'ScaleIn' });
    const held = decideCapacity({
      target: target(true),
      policyMaxUnitsPerDecision: 18,
      state: { current: 10, serving: 10, liveMin: 0, liveMax: 100 },
      readings: { cpu: [{ value: 20, timestamp: ago(60) }] },
      history: { recommendations: [], changes: [] },
      now: NOW,
      floor: { units: 5, source: 'forecast' },
    });
    expect({ desired: held.desired, reason: held.reason }).toEqual({
      desired: 9,
      reason: 'ScaleInRateLimited',
    });
  });
});
