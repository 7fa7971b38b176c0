import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { Policy } from '../../shared/policy/schema';
import { boundsFigures, commandsArb, newTally, runSequence, simGroup } from './boundsHarness';
import { recordFigures } from './figures';

// Issue 15, item 2, for Auto Scaling groups: the generic decision and the use case with in-memory ports.
const RUNS = 10_000;

const policyArb = fc
  .record({
    min: fc.integer({ min: 0, max: 5 }),
    span: fc.integer({ min: 1, max: 12 }),
    cap: fc.integer({ min: 1, max: 4 }),
    tracking: fc.boolean(),
    out: fc.integer({ min: 60, max: 900 }),
    in: fc.integer({ min: 60, max: 900 }),
  })
  .map(
    (p): Policy =>
      validatePolicy({
        version: 1,
        maxUnitsPerDecision: p.cap,
        targets: [
          {
            name: 'api',
            kind: 'asg',
            autoScalingGroupName: 'g',
            capacity: { min: p.min, max: p.min + p.span },
            instanceWarmupSeconds: 120,
            cooldowns: { scaleOutSeconds: p.out, scaleInSeconds: p.in },
            rules: [
              p.tracking
                ? { name: 'cpu', type: 'target-tracking', metric: { namespace: 'n', name: 'm' }, target: 60 }
                : {
                    name: 'cpu',
                    type: 'step',
                    metric: { namespace: 'n', name: 'm' },
                    scaleOut: [{ above: 70, add: Math.min(3, p.cap, p.span) }],
                    scaleIn: [{ below: 30, remove: Math.min(2, p.cap, p.span) }],
                  },
            ],
          },
        ],
      }),
  );

describe('bounds: asg', () => {
  it(`${RUNS} command sequences (alarms, ticks, manual changes, clock jumps, lease expiry) never leave the policy's or the group's range and never act twice inside a cooldown`, async () => {
    const tally = newTally();
    await fc.assert(
      fc.asyncProperty(
        policyArb,
        fc.record({
          desired: fc.integer({ min: 0, max: 20 }),
          min: fc.integer({ min: 0, max: 4 }),
          max: fc.integer({ min: 4, max: 30 }),
        }),
        commandsArb,
        async (policy, group, commands) => {
          const start = { ...group, desired: Math.min(group.max, Math.max(group.min, group.desired)) };
          await runSequence(policy, simGroup(start), commands, tally);
        },
      ),
      { numRuns: RUNS },
    );
    expect(tally.changes).toBeGreaterThan(RUNS / 10);
    recordFigures('bounds', 'asg', boundsFigures(tally, 'capacity changes'));
  });
});
