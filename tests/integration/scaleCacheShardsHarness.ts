import {
  AddTagsToResourceCommand,
  CreateReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  IncreaseReplicaCountCommand,
  ListTagsForResourceCommand,
  ModifyReplicationGroupShardConfigurationCommand,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import type { Emulator } from '../../bin/lib/emulator';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { elastiCacheShardScaler } from '../../shared/adapters/ElastiCacheShardCapacity';
import { ledgerScope } from '../../shared/adapters/ledgerScope';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { scalerRuntimeFromEnv } from '../../shared/lambda/scalerRuntimeFromEnv';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { Policy } from '../../shared/policy/schema';
import { capturedLog, lambdaContext, testClock } from '../harness/fixtures';

// scale-cache-shards against moto, for tests/integration/scaleCacheShards*.test.ts: the group, its describe and
// tags, the per-node metrics in CloudWatch, the ledger (intent, settlement, decision log) and the topic are
// moto's. Known emulator behaviour, worked around here:
// - moto creates a cluster-mode group only with ClusterMode: "enabled", NumNodeGroups and explicit
//   NodeGroupConfiguration slot ranges (its default split is only right for 3 shards);
// - moto does not implement ModifyReplicationGroupShardConfiguration, Increase/DecreaseReplicaCount or
//   DescribeEvents (HTTP 500): the reshard and IncreaseReplicaCount calls are answered by aws-sdk-client-mock on
//   the adapter's client with the API reference's response shape (the other commands the adapter sends go
//   through to moto), and
//   DescribeEvents is read without retries (maxAttempts 1) and left out, as the adapter does when it fails;
// - moto never shows a group `modifying`, nor a new shard: the harness proxy rewrites the describe while AWS
//   would be resharding, and adds the shard once the reshard would have finished;
// - moto's Application Auto Scaling has no `elasticache` namespace: the proxy answers DescribeScalableTargets.

export const GROUP = 'sessions-rg';
const SCOPE = '123456789012#us-east-1';

export function policy(scaleIn = 1, extraRules: Record<string, unknown>[] = []): Policy {
  return validatePolicy({
    version: 1,
    targets: [
      {
        name: 'sessions',
        kind: 'cache-shards',
        replicationGroupId: GROUP,
        capacity: { min: 1, max: 6 },
        rules: [
          {
            name: 'engine-cpu',
            type: 'step',
            metric: { namespace: 'AWS/ElastiCache', name: 'EngineCPUUtilization' },
            scaleOut: [{ above: 70, add: 1 }],
            scaleIn: [{ below: 30, remove: scaleIn }],
          },
          {
            name: 'memory',
            type: 'step',
            metric: { namespace: 'AWS/ElastiCache', name: 'DatabaseMemoryUsagePercentage' },
            scaleOut: [{ above: 80, add: 1 }],
            scaleIn: [{ below: 40, remove: scaleIn }],
          },
          ...extraRules,
        ],
      },
    ],
  });
}

/**
 * The scaler's ElastiCache client: it talks to moto, except for the calls moto does not implement (HTTP 500),
 * which are answered with the API reference's response shape and kept here: the reshard and the replica change.
 */
export function cacheClientOnMoto(emulator: Emulator) {
  const client = new ElastiCacheClient({ ...clientOptions(emulator.aws), maxAttempts: 1 });
  const moto = new ElastiCacheClient({ ...clientOptions(emulator.aws), maxAttempts: 1 });
  const mock = mockClient(client);
  mock
    .on(DescribeReplicationGroupsCommand)
    .callsFake((input) => moto.send(new DescribeReplicationGroupsCommand(input)));
  mock
    .on(DescribeCacheClustersCommand)
    .callsFake((input) => moto.send(new DescribeCacheClustersCommand(input)));
  mock.on(DescribeEventsCommand).callsFake((input) => moto.send(new DescribeEventsCommand(input)));
  mock.on(ListTagsForResourceCommand).callsFake((input) => moto.send(new ListTagsForResourceCommand(input)));
  mock.on(AddTagsToResourceCommand).callsFake((input) => moto.send(new AddTagsToResourceCommand(input)));
  const reshards: Record<string, unknown>[] = [];
  mock.on(ModifyReplicationGroupShardConfigurationCommand).callsFake(async (input) => {
    reshards.push(input);
    return { ReplicationGroup: { ReplicationGroupId: GROUP, Status: 'modifying' } };
  });
  const replicaChanges: Record<string, unknown>[] = [];
  mock.on(IncreaseReplicaCountCommand).callsFake(async (input) => {
    replicaChanges.push(input);
    return { ReplicationGroup: { ReplicationGroupId: GROUP, Status: 'modifying' } };
  });
  return { client, moto, reshards, replicaChanges };
}

/** The group on the emulator and the scaler against it: `emulator` is read when each function runs. */
export function cacheShardsHarness(emulator: Emulator) {
  /** A cluster-mode-enabled group of `shards` shards, one replica each, with explicit slot ranges. */
  async function createGroup(shards: number) {
    const slots = (i: number) =>
      `${Math.floor((16384 * i) / shards)}-${Math.floor((16384 * (i + 1)) / shards) - 1}`;
    await new ElastiCacheClient(clientOptions(emulator.aws)).send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: GROUP,
        ReplicationGroupDescription: 'cache-shards test group',
        // Valkey: a Redis OSS group's version is read from its member cache clusters, which moto does not
        // create (that lookup is tested with aws-sdk-client-mock).
        Engine: 'valkey',
        EngineVersion: '8.0',
        CacheNodeType: 'cache.r7g.large',
        ClusterMode: 'enabled',
        NumNodeGroups: shards,
        ReplicasPerNodeGroup: 1,
        NodeGroupConfiguration: Array.from({ length: shards }, (_, i) => ({
          NodeGroupId: String(i + 1).padStart(4, '0'),
          Slots: slots(i),
          ReplicaCount: 1,
        })),
      }),
    );
  }

  async function nodes(): Promise<{ shard: string; node: string }[]> {
    const response = await new ElastiCacheClient(clientOptions(emulator.aws)).send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: GROUP }),
    );
    return (response.ReplicationGroups?.[0]?.NodeGroups ?? []).flatMap((g) =>
      (g.NodeGroupMembers ?? []).map((m) => ({ shard: g.NodeGroupId ?? '', node: m.CacheClusterId ?? '' })),
    );
  }

  async function setUp(scalerPolicy: Policy, shards: number) {
    await createGroup(shards);
    const clock = testClock(new Date());
    const log = capturedLog();
    const account = new DemoAccount(emulator.aws);
    await account.createLedgerTable('ledger');
    await account.createPauseSwitch('test');
    const topicArn = await account.createTopic('scalepilot-test');
    const { client, reshards, replicaChanges } = cacheClientOnMoto(emulator);
    const runtime = scalerRuntimeFromEnv({
      kind: 'cache-shards',
      capacity: (aws) => elastiCacheShardScaler(aws, { client }) as never,
      logger: log.sink,
      env: { LEDGER_TABLE: 'ledger', SCALEPILOT_STAGE: 'test', TOPIC_ARN: topicArn, SCALEPILOT_SCOPE: SCOPE },
      policy: scalerPolicy,
      aws: emulator.aws,
      clock,
    });
    const handler = createScalerHandler(runtime);
    const ledger = new DynamoLedger(
      emulator.aws,
      'ledger',
      ledgerScope({ account: '123456789012', region: 'us-east-1' }),
    );
    const tick = async (id: string) => {
      const [evaluation] = await handler(
        { source: 'aws.events', 'detail-type': 'Scheduled Event', time: clock.now().toISOString() },
        lambdaContext(id),
      );
      return evaluation;
    };
    /** The last complete minute's load: memory per shard, engine CPU and host CPU (default: the engine's) per node. */
    const putLoad = async (
      memory: (shard: string) => number,
      cpu: (node: string) => number,
      host: (node: string) => number = cpu,
    ) => {
      const at = new Date(clock.now().getTime() - 60_000);
      const points = (await nodes()).flatMap(({ shard, node }) => [
        {
          metric: {
            namespace: 'AWS/ElastiCache',
            name: 'CPUUtilization',
            dimensions: { CacheClusterId: node },
          },
          value: host(node),
          timestamp: at,
        },
        {
          metric: {
            namespace: 'AWS/ElastiCache',
            name: 'DatabaseMemoryUsagePercentage',
            dimensions: { CacheClusterId: node },
          },
          value: memory(shard),
          timestamp: at,
        },
        {
          metric: {
            namespace: 'AWS/ElastiCache',
            name: 'EngineCPUUtilization',
            dimensions: { CacheClusterId: node },
          },
          value: cpu(node),
          timestamp: at,
        },
      ]);
      await account.putMetrics(points);
    };
    return { clock, log, ledger, tick, putLoad, reshards, replicaChanges, account };
  }

  return { createGroup, nodes, setUp };
}

export const reasons = async (ledger: DynamoLedger) =>
  (await ledger.decisions('sessions')).map((d) => d.reason);
