import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideCapacity } from '../../../shared/decision/decideCapacity';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { AsgTarget } from '../../../shared/policy/schema';

const NOW = new Date('2026-12-05T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000);

function target(stabilization: Record<string, number>): AsgTarget {
  return validatePolicy({
    version: 1,
    targets: [
      {
        name: 'api',
        kind: 'asg',
        autoScalingGroupName: 'g',
        capacity: { min: 1, max: 40 },
        cooldowns: { scaleOutSeconds: 60, scaleInSeconds: 60 },
        stabilization,
        rules: [
          {
            name: 'cpu',
            type: 'target-tracking',
            metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
            target: 70,
          },
        ],
      },
    ],
  }).targets[0] as AsgTarget;
}

const decide = (t: AsgTarget, cpu: number, current: number, sinceOut: number) =>
  decideCapacity({
    target: t,
    policyMaxUnitsPerDecision: 40,
    state: { current, serving: current, liveMin: 1, liveMax: 40 },
    readings: { cpu: [{ value: cpu, timestamp: ago(60) }] },
    history: { recommendations: [], changes: [], lastScaleOutAt: ago(sinceOut) },
    now: NOW,
  });

describe('the hold of scale-in after a scale-out (stabilization.scaleInAfterScaleOutSeconds)', () => {
  const inputs = fc.record({
    cpu: fc.integer({ min: 0, max: 150 }),
    current: fc.integer({ min: 1, max: 40 }),
    sinceOut: fc.integer({ min: 1, max: 7200 }),
    window: fc.integer({ min: 0, max: 1800 }),
    hold: fc.integer({ min: 0, max: 7200 }),
  });

  it('property: never scales in within the hold of the last scale-out, whatever the load', () => {
    fc.assert(
      fc.property(inputs, ({ cpu, current, sinceOut, window, hold }) => {
        const d = decide(
          target({ scaleInSeconds: window, scaleInAfterScaleOutSeconds: hold }),
          cpu,
          current,
          sinceOut,
        );
        if (sinceOut < hold) expect(d.desired).toBeGreaterThanOrEqual(current);
      }),
      { seed: 1205, numRuns: 300 },
    );
  });

  it('property: left unset, it is the scale-in window, as the reverse window was before the key', () => {
    fc.assert(
      fc.property(inputs, ({ cpu, current, sinceOut, window }) => {
        const unset = decide(target({ scaleInSeconds: window }), cpu, current, sinceOut);
        const same = decide(
          target({ scaleInSeconds: window, scaleInAfterScaleOutSeconds: window }),
          cpu,
          current,
          sinceOut,
        );
        expect({ desired: unset.desired, reason: unset.reason }).toEqual({
          desired: same.desired,
          reason: same.reason,
        });
      }),
      { seed: 1206, numRuns: 300 },
    );
  });
});
