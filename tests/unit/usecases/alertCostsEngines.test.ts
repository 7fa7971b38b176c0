import { describe, expect, it } from 'vitest';
import type { PriceTable } from '../../../shared/cost/priceTable';
import type { LiveUnit } from '../../../shared/cost/scalingCost';
import type { EngineSeen } from '../../../shared/decision/types';
import type { CacheShardsTarget, Policy, RdsReplicasTarget } from '../../../shared/policy/schema';
import { alertCosts, type LoggedDecision } from '../../../shared/usecases/alertCosts';
import { capturedLog, examplePolicy, testClock } from '../../harness/fixtures';

// The daily cost check prices each replica or node by the engine its target's decisions recorded (the scalers read
// the source or the group every evaluation: no read of the cost function's own, no role widened), and a cache
// group's engine as read with its node type (DescribeReplicationGroups, already granted for that) only when no
// decision of the day recorded one. It priced every replica as PostgreSQL and every node as Redis OSS.

const DAY = '2026-11-21';
const example = examplePolicy();
const db = {
  ...(example.targets.find((t) => t.kind === 'rds-replicas') as RdsReplicasTarget),
  replicaInstanceClass: 'db.r6g.large',
  capacity: { min: 1, max: 3 },
};
const cache = {
  ...(example.targets.find((t) => t.kind === 'cache-shards') as CacheShardsTarget),
  nodeType: 'cache.r6g.large',
  replicasPerShard: 1,
  capacity: { min: 3, max: 6 },
};
const cacheOfGroup = { ...cache, nodeType: undefined, replicasPerShard: undefined };
const prices: PriceTable = {
  regions: {
    'us-east-1': {
      rds: { 'db.r6g.large': 0.2 },
      elasticache: { 'cache.r6g.large': 0.1 },
      'rds:mysql': { 'db.r6g.large': 0.202 },
      'elasticache:valkey': { 'cache.r6g.large': 0.102 },
    },
  },
};

/** The day's check of one target whose decisions saw `capacity` all day, recording `engine`. */
async function dayCost(
  target: RdsReplicasTarget | CacheShardsTarget,
  capacity: number,
  engine: EngineSeen | undefined,
  live?: LiveUnit,
) {
  const logged: LoggedDecision = {
    target: target.name,
    at: `${DAY}T00:00:00.000Z`,
    current: capacity,
    desired: capacity,
    applied: false,
    reason: 'WithinTolerance',
    ...(target.kind === 'cache-shards' ? { replicasPerShard: { current: 1, desired: 1 } } : {}),
    ...(engine ? { engine } : {}),
  };
  const policy: Policy = { ...example, targets: [target] };
  const { evaluation } = await alertCosts(
    {
      policy,
      costs: { dailyCosts: async () => [], forecast: async () => 0 },
      alerts: {
        claimAlert: async () => ({ status: 'sent' }),
        markAlertSent: async () => true,
        releaseAlert: async () => {},
      },
      decisions: async (_, from) => (from.toISOString().startsWith(DAY) ? [logged] : []),
      channels: [],
      clock: testClock(new Date('2026-11-22T08:00:00Z')),
      log: capturedLog().sink,
      region: 'us-east-1',
      prices,
      ...(live ? { liveUnit: async () => live } : {}),
    },
    'daily',
    { send: false },
  );
  return evaluation.scaling.find((c) => c.unitHours > 0);
}

describe('the cost check prices each target by the engine its decisions recorded', () => {
  const group = { type: 'cache.r6g.large', replicasPerShard: 1 };
  it.each([
    {
      name: 'a MySQL source’s replicas at MySQL’s price (defect: PostgreSQL’s)',
      target: db,
      engine: { name: 'mysql', licenseModel: 'general-public-license' },
      want: { engine: 'MySQL', usdPerUnitHour: 0.202 },
    },
    {
      name: 'a Valkey group’s nodes at Valkey’s price (defect: Redis OSS’s)',
      target: cache,
      engine: { name: 'valkey' },
      want: { engine: 'Valkey', usdPerUnitHour: 0.102 },
    },
    {
      name: 'a group whose decisions recorded no engine: the engine read with its node type',
      target: cacheOfGroup,
      engine: undefined,
      live: { ...group, engines: [{ name: 'valkey' }] },
      want: { engine: 'Valkey', usdPerUnitHour: 0.102 },
    },
    {
      name: 'the engine the day’s decisions recorded, not the one the group runs now',
      target: cacheOfGroup,
      engine: { name: 'valkey' },
      live: { ...group, engines: [{ name: 'redis' }] },
      want: { engine: 'Valkey', usdPerUnitHour: 0.102 },
    },
  ])('$name', async ({ target, engine, live, want }) => {
    // Two replicas, or one shard of two nodes, above the minimum all day: 48 unit-hours.
    const cost = await dayCost(target, target.kind === 'cache-shards' ? 4 : 3, engine, live);
    expect(cost).toMatchObject(want);
    expect(cost?.usd).toBeCloseTo(48 * want.usdPerUnitHour, 9);
  });

  it('a source whose decisions recorded no engine: no price, and why (not PostgreSQL’s price)', async () => {
    const cost = await dayCost(db, 3, undefined);
    expect(cost?.usd).toBeUndefined();
    expect(cost?.note).toBe(
      'no price: the engine of the source is not known (no decision that day recorded it)',
    );
  });
});
