import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cacheShardsModel } from '../../shared/decision/cacheShards';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { Policy } from '../../shared/policy/schema';
import type { KindScaler } from '../../shared/ports';
import { boundsFigures, commandsArb, newTally, runSequence, simCache } from './boundsHarness';
import { recordFigures } from './figures';

// Issue 15, item 2, for ElastiCache shards: the kind's own model (gates, drains, settlement) under the use
// case with in-memory ports and a simulated source whose replicas take minutes to create and delete.
const RUNS = 10_000;

const policyArb = fc
  .record({
    min: fc.integer({ min: 1, max: 3 }),
    span: fc.integer({ min: 1, max: 6 }),
    out: fc.integer({ min: 60, max: 900 }),
    in: fc.integer({ min: 60, max: 900 }),
  })
  .map(
    (p): Policy =>
      validatePolicy({
        version: 1,
        maxUnitsPerDecision: 1,
        targets: [
          {
            name: 'sessions-cache',
            kind: 'cache-shards',
            replicationGroupId: 'event-platform-redis',
            nodeType: 'cache.t4g.small',
            replicasPerShard: 1,
            capacity: { min: p.min, max: p.min + p.span },
            cooldowns: { scaleOutSeconds: p.out, scaleInSeconds: p.in },
            rules: [
              {
                name: 'engine-cpu',
                type: 'step',
                metric: { namespace: 'AWS/ElastiCache', name: 'EngineCPUUtilization', statistic: 'Average' },
                scaleOut: [{ above: 70, add: 1 }],
                scaleIn: [{ below: 30, remove: 1 }],
              },
              {
                name: 'memory',
                type: 'step',
                metric: {
                  namespace: 'AWS/ElastiCache',
                  name: 'DatabaseMemoryUsagePercentage',
                  statistic: 'Average',
                },
                scaleOut: [{ above: 80, add: 1 }],
                scaleIn: [{ below: 40, remove: 1 }],
              },
            ],
          },
        ],
      }),
  );

describe('bounds: cache-shards', () => {
  it(`${RUNS} command sequences (alarms, ticks, reshards and replica changes by hand, clock jumps, lease expiry) never leave the policy's or the group's range and never act twice inside a cooldown`, async () => {
    const tally = newTally();
    await fc.assert(
      fc.asyncProperty(
        policyArb,
        fc.integer({ min: 1, max: 8 }),
        commandsArb,
        async (policy, start, commands) => {
          await runSequence(
            policy,
            simCache(cacheShardsModel as KindScaler<unknown>['model'], start),
            commands,
            tally,
          );
        },
      ),
      { numRuns: RUNS },
    );
    expect(tally.changes).toBeGreaterThan(RUNS / 20);
    recordFigures('bounds', 'cache-shards', boundsFigures(tally, 'capacity changes (reshards)'));
  });
});
