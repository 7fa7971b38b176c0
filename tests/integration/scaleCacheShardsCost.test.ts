import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { ElastiCacheShardCapacity } from '../../shared/adapters/ElastiCacheShardCapacity';
import { addDays, utcDate } from '../../shared/cost/evaluateCosts';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { Policy } from '../../shared/policy/schema';
import { alertCosts } from '../../shared/usecases/alertCosts';
import { capturedLog, examplePolicy, testClock } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';
import { cacheShardsHarness, GROUP, policy } from './scaleCacheShardsHarness';

// The cost of a cache group's scaling against moto (review s52): the decision log is moto's DynamoDB, the group
// and its node type moto's ElastiCache. It priced shard-hours above the minimum, each shard at 1 + the replicas per
// shard the group had when the cost ran: a replica read scaling added on every shard (the shards unchanged) cost
// nothing. Each cache decision now records the replicas per shard it saw and leaves, and the cost counts nodes.

const emulator = useEmulator({ reset: false });
beforeEach(async () => {
  await emulator.reset();
  emulator.rewrite('DescribeReplicationGroups', undefined);
  emulator.answer('DescribeScalableTargets', () => ({ ScalableTargets: [] }));
});
const { setUp } = cacheShardsHarness(emulator);

const HOUR = 3_600_000;
const R7G_LARGE = 0.219;

/** The harness's policy with read scaling on engine CPU (1 to 3 replicas), and the example's cost section. */
function readScaling(): Policy {
  const [target] = policy().targets;
  return validatePolicy({
    version: 1,
    targets: [{ ...target, replicaScaling: { min: 1, max: 3, rules: ['engine-cpu'] } }],
    cost: examplePolicy().cost,
  });
}

describe('the cost of a cache group’s scaling counts the replicas read scaling adds', () => {
  it('read load adds a replica to each of 3 shards: recorded with the replicas, priced as the nodes it added (defect: 0)', async () => {
    const scaler = readScaling();
    const { tick, putLoad, ledger, replicaChanges, clock } = await setUp(scaler, 3);
    // Read load alone (the read rule, engine CPU, at 75%; memory quiet): a replica on every shard, not a shard.
    await putLoad(
      () => 50,
      () => 75,
      () => 60,
    );
    const evaluation = await tick('r1');
    expect(evaluation?.decision).toMatchObject({
      reason: 'ReplicasScaledOut',
      current: 3,
      desired: 3,
      replicasPerShard: { current: 1, desired: 2 },
    });
    expect(replicaChanges).toEqual([
      { ReplicationGroupId: GROUP, NewReplicaCount: 2, ApplyImmediately: true },
    ]);
    const [logged] = await ledger.decisions('sessions');
    expect(logged).toMatchObject({
      applied: true,
      replicasPerShard: { current: 1, desired: 2 },
      engine: { name: 'valkey' },
    });

    // The next morning's cost check of that day, from moto's decision log and moto's group (its node type).
    const at = clock.now();
    const day = utcDate(at.getTime());
    const morning = new Date(`${addDays(day, 1)}T08:00:00Z`);
    const cache = new ElastiCacheShardCapacity(emulator.aws, {
      client: new ElastiCacheClient(clientOptions(emulator.aws)),
    });
    const { evaluation: costs } = await alertCosts(
      {
        policy: scaler,
        costs: { dailyCosts: async () => [], forecast: async () => 0 },
        alerts: {
          claimAlert: async () => ({ status: 'sent' }),
          markAlertSent: async () => true,
          releaseAlert: async () => {},
        },
        decisions: (target, from, to) => ledger.decisions(target, { from, to }),
        channels: [],
        clock: testClock(morning),
        log: capturedLog().sink,
        region: 'us-east-1',
        // The harness's group runs Valkey, which its decisions record: priced from Valkey's family (a Redis OSS
        // price, the legacy `elasticache` family, it took before, is no longer its price).
        prices: { regions: { 'us-east-1': { 'elasticache:valkey': { 'cache.r7g.large': R7G_LARGE } } } },
        liveUnit: (t) => cache.liveUnit(t),
      },
      'daily',
      { send: false },
    );
    // The minimum: 1 shard at read scaling's 1 replica, 2 nodes. Before the change 3 shards of 2 nodes (4 over it),
    // after it 3 shards of 3 (7 over it).
    const before = (at.getTime() - new Date(`${day}T00:00:00Z`).getTime()) / HOUR;
    const nodeHours = 4 * before + 7 * (24 - before);
    const [cost] = costs.scaling;
    expect(cost).toMatchObject({
      target: 'sessions',
      unit: 'node',
      unitType: 'cache.r7g.large',
      engine: 'Valkey',
    });
    expect(cost?.unitHours).toBeCloseTo(nodeHours, 6);
    expect(cost?.usd).toBeCloseTo(nodeHours * R7G_LARGE, 6);
  });
});
