import { describe, expect, it } from 'vitest';
import { engineNodeLimit } from '../../../shared/decision/cacheShards';
import { cacheTarget, evaluate, group } from './cacheShardsFixtures';

// How many nodes a reshard or a replica change may leave a group with: the account's quota, and under it the
// engine's own limit. AWS's "Managing clusters in ElastiCache" (docs.aws.amazon.com/AmazonElastiCache/latest/dg/
// Clusters.html): the node or shard limit can be raised to 500 per cluster on Valkey 7.2 and later and Redis OSS
// 5.0.6 and later; before 5.0.6 the limit is 250 per cluster. A quota raised past it does not lift it: AWS refuses
// the change (review s52: the scaler asked, was refused, and backed off). moto keeps no such limit, so the pure
// gates are tested here; the quota's read is tested against the behaviour layer (cacheShardLifecycles.test.ts).

const quota = (value: number) => ({ nodeQuota: { value, source: 'service-quotas' } });
const hot = { memory: (shard: string) => (shard === '0002' ? 85 : 50), cpu: () => 40 };
const wide = cacheTarget({ capacity: { min: 1, max: 300 } });
const readScaling = cacheTarget({
  capacity: { min: 1, max: 300 },
  replicaScaling: { min: 1, max: 3, rules: ['engine-cpu'] },
});

describe('the engine version caps a cluster at 500 or 250 nodes, whatever the quota', () => {
  it.each([
    {
      name: 'Valkey, any version the adapter leaves unread',
      engine: 'valkey',
      version: undefined,
      want: 500,
    },
    { name: 'Valkey 7.2', engine: 'valkey', version: '7.2', want: 500 },
    { name: 'Redis OSS 5.0.6', engine: 'redis', version: '5.0.6', want: 500 },
    {
      name: 'Redis OSS 6.x (as ElastiCache names some 6 versions)',
      engine: 'redis',
      version: '6.x',
      want: 500,
    },
    { name: 'Redis OSS 7.1', engine: 'redis', version: '7.1', want: 500 },
    { name: 'Redis OSS 5.0.5', engine: 'redis', version: '5.0.5', want: 250 },
    { name: 'Redis OSS 4.0.10', engine: 'redis', version: '4.0.10', want: 250 },
    { name: 'Redis OSS of an unknown version: the lower', engine: 'redis', version: undefined, want: 250 },
  ])('$name: $want', ({ engine, version, want }) => {
    expect(engineNodeLimit(engine, version)).toBe(want);
  });
});

describe('a change past the engine’s node limit is refused before the call, with its own reason', () => {
  it.each([
    {
      // 125 shards of 2 nodes: 250 nodes; one more shard is 252, past Redis OSS 5.0.5's 250 though the quota is 500.
      name: 'Redis OSS 5.0.5, quota raised to 500: a reshard to 252 nodes is refused (defect: asked, refused by AWS)',
      target: wide,
      observation: group(125, 1, { engine: 'redis', engineVersion: '5.0.5', ...quota(500) }),
      want: {
        skip: 'EngineNodeLimitReached',
        notify: true,
        message: expect.stringContaining(
          'reshard 125 → 126 would make 252 nodes (250 now + 1 new shards × 2), over the 250 nodes a cluster of Redis OSS 5.0.5 can have',
        ),
      },
    },
    {
      name: 'Redis OSS 5.0.6, quota 500: the same reshard goes ahead',
      target: wide,
      observation: group(125, 1, { engine: 'redis', engineVersion: '5.0.6', ...quota(500) }),
      want: { act: { type: 'reshard', desired: 126 } },
    },
    {
      name: 'Valkey, quota 500: goes ahead',
      target: wide,
      observation: group(125, 1, { engine: 'valkey', engineVersion: undefined, ...quota(500) }),
      want: { act: { type: 'reshard', desired: 126 } },
    },
    {
      // Read load alone: a replica on every one of 100 shards makes 300 nodes.
      name: 'Redis OSS 4.0.10, quota 400: a replica on every shard past 250 is refused',
      target: readScaling,
      observation: group(100, 1, { engine: 'redis', engineVersion: '4.0.10', ...quota(400) }),
      load: { memory: () => 50, cpu: () => 75 },
      want: {
        skip: 'EngineNodeLimitReached',
        message: expect.stringContaining(
          'replicas 1 → 2 would make 300 nodes (100 shards × 3), over the 250',
        ),
      },
    },
    {
      name: 'a quota under the engine’s limit binds first: NodeQuotaReached, as before',
      target: wide,
      observation: group(100, 1, { engine: 'redis', engineVersion: '5.0.5', ...quota(200) }),
      want: {
        skip: 'NodeQuotaReached',
        message: expect.stringContaining("202 nodes (200 now + 1 new shards × 2), over the account's 200"),
      },
    },
    {
      // A quota increase cannot help past the engine's limit: the message says so.
      name: 'past both, the quota lower: NodeQuotaReached, naming the engine’s limit too',
      target: wide,
      observation: group(125, 1, { engine: 'redis', engineVersion: '5.0.5', ...quota(240) }),
      want: {
        skip: 'NodeQuotaReached',
        message: expect.stringContaining('and Redis OSS 5.0.5 allows at most 250 whatever the quota'),
      },
    },
  ])('$name', ({ target, observation, load, want }) => {
    expect(evaluate(target, observation, load ?? hot).outcome).toMatchObject(want);
  });
});
