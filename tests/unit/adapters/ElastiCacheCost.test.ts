import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { beforeEach, describe, expect, it } from 'vitest';
import { stackResources } from '../../../infra/stackResources';
import { ElastiCacheShardCapacity } from '../../../shared/adapters/ElastiCacheShardCapacity';
import { needsLiveUnit, scalingCost } from '../../../shared/cost/scalingCost';
import type { CacheShardsTarget, Policy } from '../../../shared/policy/schema';
import { alertCosts, type CostDeps } from '../../../shared/usecases/alertCosts';
import { capturedLog, examplePolicy, testClock } from '../../harness/fixtures';
import { mockedClient } from '../../harness/mockedClient';

// Cost reports of cache-shards targets (issue 13): a shard's node type and replicas are read from the group
// unless the policy names them. DescribeReplicationGroups through aws-sdk-client-mock, so the group can
// carry the node type and replica count of each case (moto's are tested in the integration tests).

const elastiCache = mockedClient(ElastiCacheClient);
beforeEach(() => elastiCache.reset());

const DAY = { from: new Date('2026-11-21T00:00:00Z'), to: new Date('2026-11-22T00:00:00Z') };
const prices = {
  regions: {
    'us-east-1': { ec2: {}, rds: {}, elasticache: { 'cache.t4g.small': 0.032, 'cache.r7g.large': 0.219 } },
  },
};
const cache = examplePolicy().targets.find((t) => t.kind === 'cache-shards') as CacheShardsTarget;
const unset = { ...cache, nodeType: undefined, replicasPerShard: undefined } as CacheShardsTarget;
// Min 3: two shards of 1 + replicas nodes added all day, 48 shard-hours (the decisions recorded no replicas).
const heldAt5 = [{ at: DAY.from, from: 5, to: 5 }];
const REDIS = { name: 'redis' };

describe('the cost of the shards Scalepilot added', () => {
  it.each([
    {
      name: 'node type and replicas read from the group',
      target: unset,
      live: { type: 'cache.r7g.large', replicasPerShard: 2 },
      usd: 48 * 3 * 0.219,
      unitType: 'cache.r7g.large',
    },
    {
      name: 'the policy’s own values win',
      target: cache,
      live: { type: 'cache.r7g.large', replicasPerShard: 2 },
      usd: 48 * 2 * 0.032,
      unitType: 'cache.t4g.small',
    },
    {
      name: 'replicas read, node type from the policy',
      target: { ...cache, replicasPerShard: undefined } as CacheShardsTarget,
      live: { type: 'cache.r7g.large', replicasPerShard: 0 },
      usd: 48 * 1 * 0.032,
      unitType: 'cache.t4g.small',
    },
  ])('$name', ({ target, live, usd, unitType }) => {
    // A Redis OSS group (the table's legacy `elasticache` family prices Redis OSS nodes).
    const cost = scalingCost(target, heldAt5, DAY, 'us-east-1', prices, { ...live, engines: [REDIS] });
    expect(cost.usd).toBeCloseTo(usd, 9);
    expect(cost.unitType).toBe(unitType);
  });

  it('without a read and without policy values: no price, and why', () => {
    expect(scalingCost(unset, heldAt5, DAY, 'us-east-1', prices).note).toBe(
      'no price: set nodeType on the target',
    );
  });

  it('reads the group’s node type and its fewest replicas per shard', async () => {
    elastiCache.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [
        {
          ReplicationGroupId: 'event-platform-redis',
          CacheNodeType: 'cache.r7g.large',
          NodeGroups: [
            {
              NodeGroupId: '0001',
              NodeGroupMembers: [{ CacheClusterId: 'a' }, { CacheClusterId: 'b' }, { CacheClusterId: 'c' }],
            },
            { NodeGroupId: '0002', NodeGroupMembers: [{ CacheClusterId: 'd' }, { CacheClusterId: 'e' }] },
          ],
        },
      ],
    });
    const adapter = new ElastiCacheShardCapacity(
      { region: 'us-east-1' },
      { client: new ElastiCacheClient({ region: 'us-east-1' }) },
    );
    expect(await adapter.liveUnit(unset)).toEqual({ type: 'cache.r7g.large', replicasPerShard: 1 });
  });

  it('the cost role may describe replication groups only when a cache target leaves its unit to the group', () => {
    const describes = (policy: Policy) =>
      JSON.stringify(stackResources(policy, 'prod').Resources.AlertCostRole).includes(
        'elasticache:DescribeReplicationGroups',
      );
    expect(needsLiveUnit(cache)).toBe(false);
    expect(describes(examplePolicy())).toBe(false);
    const policy = examplePolicy();
    expect(
      describes({ ...policy, targets: policy.targets.map((t) => (t.kind === 'cache-shards' ? unset : t)) }),
    ).toBe(true);
  });
});

describe('the daily cost check reads the unit from the group where the policy leaves it out', () => {
  const policy = examplePolicy();
  const run = async (liveUnit: CostDeps['liveUnit'], log = capturedLog()) => {
    const deps: CostDeps = {
      policy: { ...policy, targets: policy.targets.map((t) => (t.kind === 'cache-shards' ? unset : t)) },
      costs: { dailyCosts: async () => [], forecast: async () => 0 },
      alerts: {
        claimAlert: async () => ({ status: 'sent' }),
        markAlertSent: async () => false,
        releaseAlert: async () => {},
      },
      // Held at 5 shards all day (min 3): 48 shard-hours added.
      decisions: async (target) =>
        target === unset.name
          ? [{ target, at: '2026-11-21T00:00:00.000Z', current: 5, desired: 5, applied: false }]
          : [],
      channels: [],
      clock: testClock(new Date('2026-11-22T08:00:00Z')),
      log: log.sink,
      region: 'us-east-1',
      prices,
      ...(liveUnit ? { liveUnit } : {}),
    };
    const { evaluation } = await alertCosts(deps, 'daily', { send: false });
    return { cost: evaluation.scaling.find((c) => c.target === unset.name), log };
  };

  it('prices the shards from the group’s node type and replicas', async () => {
    const { cost } = await run(async () => ({
      type: 'cache.r7g.large',
      replicasPerShard: 2,
      engines: [REDIS],
    }));
    expect(cost?.usd).toBeCloseTo(48 * 3 * 0.219, 9);
  });

  it('a failed read leaves the cost unpriced, with a warning', async () => {
    const { cost, log } = await run(async () => {
      throw new Error('AccessDenied');
    });
    expect(cost?.usd).toBeUndefined();
    expect(cost?.note).toBe('no price: set nodeType on the target');
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn', message: 'unit not read' }));
  });
});
