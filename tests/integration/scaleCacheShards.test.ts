import {
  CreateReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ModifyReplicationGroupShardConfigurationCommand,
} from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
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
import { useEmulator } from '../harness/useEmulator';

// scale-cache-shards against moto: the group, its describe, the per-node metrics in CloudWatch, the ledger
// (intent, settlement, decision log) and the topic are moto's. Known emulator behaviour, worked around here:
// - moto creates a cluster-mode group only with ClusterMode: "enabled", NumNodeGroups and explicit
//   NodeGroupConfiguration slot ranges (its default split is only right for 3 shards);
// - moto does not implement ModifyReplicationGroupShardConfiguration, Increase/DecreaseReplicaCount or
//   DescribeEvents (HTTP 500): the reshard call is answered by aws-sdk-client-mock on the adapter's client
//   with the API reference's response shape (every other command of that client goes through to moto), and
//   DescribeEvents is read without retries (maxAttempts 1) and left out, as the adapter does when it fails;
// - moto never shows a group `modifying`, nor a new shard: the harness proxy rewrites the describe while AWS
//   would be resharding, and adds the shard once the reshard would have finished;
// - moto's Application Auto Scaling has no `elasticache` namespace: the proxy answers DescribeScalableTargets.

const GROUP = 'sessions-rg';
const SCOPE = '123456789012#us-east-1';

const emulator = useEmulator({ reset: false });
beforeEach(async () => {
  await emulator.reset();
  emulator.rewrite('DescribeReplicationGroups', undefined);
  emulator.answer('DescribeScalableTargets', () => ({ ScalableTargets: [] }));
});

function policy(scaleIn = 1, extraRules: Record<string, unknown>[] = []): Policy {
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
  // The adapter's client talks to moto, except for the reshard moto does not implement.
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
  const reshards: Record<string, unknown>[] = [];
  mock.on(ModifyReplicationGroupShardConfigurationCommand).callsFake(async (input) => {
    reshards.push(input);
    return { ReplicationGroup: { ReplicationGroupId: GROUP, Status: 'modifying' } };
  });
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
  return { clock, log, ledger, tick, putLoad, reshards, account };
}

const reasons = async (ledger: DynamoLedger) => (await ledger.decisions('sessions')).map((d) => d.reason);

describe('scale-cache-shards against the emulator', () => {
  it('a group at 85% memory gets one more shard; the reshard stays pending while modifying, then settles', async () => {
    const { tick, putLoad, reshards, clock, ledger } = await setUp(policy(), 3);
    await putLoad(
      (shard) => (shard === '0002' ? 85 : 50),
      () => 40,
    );
    const first = await tick('r1');
    expect(first?.decision).toMatchObject({ reason: 'ScaleOut', current: 3, desired: 4 });
    expect(first?.applied).toBe(true);
    expect(reshards).toEqual([{ ReplicationGroupId: GROUP, NodeGroupCount: 4, ApplyImmediately: true }]);
    expect((await ledger.read('sessions')).intent).toMatchObject({ from: 3, to: 4, recorded: true });

    // AWS is resharding: moto never shows it, the proxy does. Nothing new meanwhile, not even at 90%.
    emulator.rewrite('DescribeReplicationGroups', (xml) =>
      xml.replace(/<Status>available<\/Status>/, '<Status>modifying</Status>'),
    );
    clock.advance(60);
    await putLoad(
      () => 90,
      () => 40,
    );
    expect((await tick('r2'))?.decision.reason).toBe('OperationPending');
    expect(reshards).toHaveLength(1);

    // Done: the group is available at 4 shards (the proxy adds the fourth shard moto cannot make).
    emulator.rewrite('DescribeReplicationGroups', (xml) => {
      const last =
        /<NodeGroup>(?:(?!<NodeGroup>)[\s\S])*?<NodeGroupId>0003<\/NodeGroupId>[\s\S]*?<\/NodeGroup>/.exec(
          xml,
        )?.[0];
      return last ? xml.replace('</NodeGroups>', `${last.replaceAll('0003', '0004')}</NodeGroups>`) : xml;
    });
    clock.advance(60);
    await putLoad(
      () => 60,
      () => 40,
    );
    expect((await tick('r3'))?.decision.reason).toBe('OperationCompleted');
    expect((await ledger.read('sessions')).intent).toBeUndefined();
    expect(await reasons(ledger)).toContain('ScaleOut');
  });

  it('a reshard AWS rolls back (available again at the old count) is recorded as failed, notified and backed off', async () => {
    const { tick, putLoad, reshards, clock, ledger } = await setUp(policy(), 3);
    await putLoad(
      () => 85,
      () => 40,
    );
    expect((await tick('r1'))?.decision.reason).toBe('ScaleOut');
    clock.advance(120);
    await putLoad(
      () => 85,
      () => 40,
    );
    const settled = await tick('r2');
    expect(settled?.decision).toMatchObject({
      reason: 'OperationFailed',
      message: expect.stringContaining('rolled the reshard back'),
    });
    const record = await ledger.read('sessions');
    expect(record.intent).toBeUndefined();
    expect(record.failures).toBe(1);
    expect(record.backoffUntil?.getTime()).toBeGreaterThan(clock.now().getTime());
    expect(reshards).toHaveLength(1);
    // Not counted as applied, and told: the scale-out and its failure each went to the topic.
    expect(settled?.applied).toBe(false);
    expect(emulator.calls('Publish')).toBe(2);
  });

  it('a group at 30% memory whose remaining shard lacks 1.5× headroom keeps its shards, with the reason recorded', async () => {
    const { tick, putLoad, reshards, ledger } = await setUp(policy(3), 4);
    await putLoad(
      () => 30,
      () => 10,
    );
    const evaluation = await tick('r1');
    expect(evaluation?.decision).toMatchObject({
      reason: 'InsufficientMemoryHeadroom',
      current: 4,
      desired: 4,
      message: expect.stringContaining('needs 135% free on the others'),
    });
    expect(reshards).toEqual([]);
    expect(await reasons(ledger)).toEqual(['InsufficientMemoryHeadroom']);
  });

  it.each([
    { name: 'engine CPU at 85% on every node', engine: 85, host: 85, want: 'engine CPU 85% ≥ 80%' },
    {
      // Review s52: the gate read the engine thread alone; AWS's resharding guidance is the host's CPUUtilization.
      name: 'host CPU at 85% on one replica, every engine thread at 40% (defect: resharded)',
      engine: 40,
      host: (node: string) => (node.endsWith('0002-002') ? 85 : 30),
      want: 'host CPU 85% ≥ 80%',
    },
  ])('a group is not resharded: $name; one GetMetricData reads both', async ({ engine, host, want }) => {
    const { tick, putLoad, reshards, ledger } = await setUp(policy(), 3);
    await putLoad(
      () => 85,
      () => engine,
      typeof host === 'number' ? () => host : host,
    );
    const before = emulator.calls('GetMetricData');
    const evaluation = await tick('r1');
    expect(evaluation?.decision).toMatchObject({
      reason: 'ReshardBlockedByCpu',
      desired: 3,
      message: expect.stringContaining(want),
    });
    expect(emulator.calls('GetMetricData') - before).toBe(1);
    expect(reshards).toEqual([]);
    expect(await reasons(ledger)).toEqual(['ReshardBlockedByCpu']);
  });

  it('a scale-in removes the shard holding the least memory', async () => {
    const { tick, putLoad, reshards } = await setUp(policy(), 3);
    await putLoad(
      (shard) => ({ '0001': 20, '0002': 35, '0003': 10 })[shard] ?? 0,
      () => 10,
    );
    expect((await tick('r1'))?.decision.reason).toBe('ScaleIn');
    expect(reshards).toEqual([
      { ReplicationGroupId: GROUP, NodeGroupCount: 2, ApplyImmediately: true, NodeGroupsToRemove: ['0003'] },
    ]);
  });
});

describe('the shard primary after a failover (IsPrimary)', () => {
  // AWS promotes a replica on a node failure and in maintenance; DescribeReplicationGroups gives no CurrentRole
  // with cluster mode enabled, so the member order says nothing about which node is the primary now.
  const connections = {
    name: 'connections',
    type: 'step',
    metric: { namespace: 'AWS/ElastiCache', name: 'CurrConnections' },
    scaleOut: [{ above: 1000, add: 1 }],
  };
  /** Last minute's CurrConnections and IsPrimary per node: shard 0002 failed over to its second member. */
  async function failedOver(
    account: DemoAccount,
    at: Date,
    withIsPrimary: boolean,
  ): Promise<{ shard: string; node: string }[]> {
    const all = await nodes();
    const promoted = (shard: string, node: string) =>
      shard === '0002' ? node.endsWith('-002') : node.endsWith('-001');
    await account.putMetrics(
      all.flatMap(({ shard, node }) => [
        {
          metric: {
            namespace: 'AWS/ElastiCache',
            name: 'CurrConnections',
            dimensions: { CacheClusterId: node },
          },
          // The clients follow the primary: the promoted node holds them, the demoted one hardly any.
          value: promoted(shard, node) ? (shard === '0002' ? 5000 : 100) : 20,
          timestamp: at,
        },
        ...(withIsPrimary
          ? [
              {
                metric: {
                  namespace: 'AWS/ElastiCache',
                  name: 'IsPrimary',
                  dimensions: { CacheClusterId: node },
                },
                value: promoted(shard, node) ? 1 : 0,
                timestamp: at,
              },
            ]
          : []),
      ]),
    );
    return all;
  }

  it("reads a non-CPU rule on the node IsPrimary names (the second member), in the run's one GetMetricData", async () => {
    const { tick, putLoad, reshards, clock, account } = await setUp(policy(1, [connections]), 3);
    await putLoad(
      () => 50,
      () => 40,
    );
    await failedOver(account, new Date(clock.now().getTime() - 60_000), true);
    const reads = emulator.calls('GetMetricData');
    const evaluation = await tick('r1');
    expect(evaluation?.decision).toMatchObject({
      reason: 'ScaleOut',
      current: 3,
      desired: 4,
      metrics: { connections: 5000 },
    });
    expect(evaluation?.decision.message).not.toContain('assumed');
    expect(reshards).toEqual([{ ReplicationGroupId: GROUP, NodeGroupCount: 4, ApplyImmediately: true }]);
    // IsPrimary rides in the batch the rules are read in: no call of its own.
    expect(emulator.calls('GetMetricData') - reads).toBe(1);
  });

  it('without a fresh IsPrimary datapoint the first member is read, and the decision says the primary was assumed', async () => {
    const { tick, putLoad, reshards, clock, account } = await setUp(policy(1, [connections]), 3);
    await putLoad(
      () => 50,
      () => 40,
    );
    await failedOver(account, new Date(clock.now().getTime() - 60_000), false);
    const evaluation = await tick('r1');
    expect(evaluation?.decision).toMatchObject({
      reason: 'NoThresholdBreached',
      metrics: { connections: 100 },
      message: expect.stringContaining('primary assumed'),
    });
    expect(evaluation?.decision.explain?.gates).toContainEqual(
      expect.objectContaining({ gate: 'primary', message: expect.stringContaining('0002') }),
    );
    expect(reshards).toEqual([]);
  });
});
