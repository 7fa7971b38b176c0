import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  AddTagsToResourceCommand,
  DecreaseReplicaCountCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  ElastiCacheClient,
  IncreaseReplicaCountCommand,
  InvalidReplicationGroupStateFault,
  ListTagsForResourceCommand,
  ModifyReplicationGroupShardConfigurationCommand,
  type ReplicationGroup,
  ReplicationGroupNotFoundFault,
} from '@aws-sdk/client-elasticache';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { beforeEach, describe, expect, it } from 'vitest';
import { ElastiCacheScalableTargets } from '../../../shared/adapters/ElastiCacheScalableTargets';
import {
  ElastiCacheShardCapacity,
  ServerlessCacheError,
} from '../../../shared/adapters/ElastiCacheShardCapacity';
import { cacheShardsModel } from '../../../shared/decision/cacheShards';
import type { PendingIntent } from '../../../shared/decision/types';
import { AwsCallError, ResourceNotFoundError } from '../../../shared/errors';
import { mockedClient } from '../../harness/mockedClient';
import { cacheTarget } from '../decision/cacheShardsFixtures';

// aws-sdk-client-mock, because moto does not implement ModifyReplicationGroupShardConfiguration,
// IncreaseReplicaCount, DecreaseReplicaCount or DescribeEvents (HTTP 500), never shows a group
// `modifying`, has no DescribeServerlessCaches and no `elasticache` namespace in Application Auto Scaling.
// Request and response shapes follow the ElastiCache API reference (DescribeReplicationGroups: NodeGroups
// with NodeGroupMembers, no CurrentRole with cluster mode enabled; Events with Date and Message). Describe,
// tags, alarms, metrics and the ledger run against moto in tests/integration/scaleCacheShards.test.ts.

const elastiCache = mockedClient(ElastiCacheClient);
// The nodes-per-cluster quota, as Service Quotas answers it (tested through the behaviour layer too).
mockedClient(ServiceQuotasClient)
  .on(GetServiceQuotaCommand)
  .resolves({ Quota: { Value: 90 } });
const autoScaling = mockedClient(ApplicationAutoScalingClient);
const config = { region: 'us-east-1' };
const adapter = () =>
  new ElastiCacheShardCapacity(config, {
    client: new ElastiCacheClient(config),
    scalableTargets: new ElastiCacheScalableTargets(config, new ApplicationAutoScalingClient(config)),
  });
const target = cacheTarget();
const NOW = new Date('2026-11-30T12:00:00Z');

/** A cluster-mode-enabled group as DescribeReplicationGroups returns it (shards of 1 primary + `replicas`). */
function described(shards: number, extra: Partial<ReplicationGroup> = {}, replicas = 1): ReplicationGroup {
  return {
    ReplicationGroupId: 'rg',
    ARN: 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:rg',
    Status: 'available',
    ClusterEnabled: true,
    ClusterMode: 'enabled',
    Engine: 'valkey',
    CacheNodeType: 'cache.r7g.large',
    MemberClusters: Array.from(
      { length: shards * (replicas + 1) },
      (_, i) => `rg-000${Math.floor(i / (replicas + 1)) + 1}-00${(i % (replicas + 1)) + 1}`,
    ),
    NodeGroups: Array.from({ length: shards }, (_, i) => ({
      NodeGroupId: `000${i + 1}`,
      Status: 'available',
      Slots: `${Math.floor((16384 / shards) * i)}-${Math.floor((16384 / shards) * (i + 1)) - 1}`,
      NodeGroupMembers: Array.from({ length: replicas + 1 }, (_, n) => ({
        CacheClusterId: `rg-000${i + 1}-00${n + 1}`,
        CacheNodeId: '0001',
        PreferredAvailabilityZone: 'us-east-1a',
      })),
    })),
    ...extra,
  };
}

function answer(group: ReplicationGroup, events: { Date: Date; Message: string }[] = []) {
  elastiCache.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [group] });
  elastiCache.on(DescribeEventsCommand).resolves({
    Events: events.map((e) => ({ ...e, SourceIdentifier: 'rg', SourceType: 'replication-group' })),
  });
  autoScaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });
}

beforeEach(() => {
  elastiCache.reset();
  autoScaling.reset();
});

describe('ElastiCacheShardCapacity.observe', () => {
  it('keeps the role DescribeReplicationGroups reports (CurrentRole: cluster mode disabled), after a failover too', async () => {
    const group = described(1, {}, 1);
    const [shard] = group.NodeGroups ?? [];
    answer({
      ...group,
      NodeGroups: [
        {
          ...shard,
          NodeGroupMembers: (shard?.NodeGroupMembers ?? []).map((m, i) => ({
            ...m,
            CurrentRole: i === 1 ? 'primary' : 'replica',
          })),
        },
      ],
    });
    expect((await adapter().observe(target)).shards[0]?.nodes).toEqual([
      { id: 'rg-0001-001', role: 'replica' },
      { id: 'rg-0001-002', role: 'primary' },
    ]);
  });

  it('reads shards, nodes, node type and replicas per shard (no role guessed from the member order)', async () => {
    answer(described(3, {}, 2));
    const observed = await adapter().observe(target);
    expect(observed).toMatchObject({
      groupId: 'rg',
      status: 'available',
      clusterEnabled: true,
      engine: 'valkey',
      nodeType: 'cache.r7g.large',
      replicasPerShard: 2,
      scalableTargets: [],
      events: [],
    });
    expect(observed.shards.map((s) => s.id)).toEqual(['0001', '0002', '0003']);
    // No CurrentRole with cluster mode enabled, and a failover reorders nothing: the model reads IsMaster.
    expect(observed.shards[1]?.nodes).toEqual([
      { id: 'rg-0002-001' },
      { id: 'rg-0002-002' },
      { id: 'rg-0002-003' },
    ]);
    // Scoped to the group: its own events of the last hour, its own scalable targets.
    expect(elastiCache.commandCalls(DescribeEventsCommand)[0]?.args[0].input).toEqual({
      SourceType: 'replication-group',
      SourceIdentifier: 'rg',
      Duration: 60,
    });
    expect(autoScaling.commandCalls(DescribeScalableTargetsCommand)[0]?.args[0].input).toEqual({
      ServiceNamespace: 'elasticache',
      ResourceIds: ['replication-group/rg'],
    });
    // A Valkey group needs no version lookup; the replica tag is read only with replicaScaling.
    expect(elastiCache.commandCalls(DescribeCacheClustersCommand)).toHaveLength(0);
    expect(elastiCache.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
  });

  it('reads a Redis OSS group’s engine version from its first member cluster', async () => {
    answer(described(3, { Engine: 'redis' }));
    elastiCache.on(DescribeCacheClustersCommand).resolves({ CacheClusters: [{ EngineVersion: '3.2.6' }] });
    const observed = await adapter().observe(target);
    expect(elastiCache.commandCalls(DescribeCacheClustersCommand)[0]?.args[0].input).toEqual({
      CacheClusterId: 'rg-0001-001',
    });
    expect(observed.engineVersion).toBe('3.2.6');
  });

  it('a group modifying (a reshard running) is busy, and its intent in flight', async () => {
    answer(described(3, { Status: 'modifying' }));
    const observed = await adapter().observe(target);
    expect(cacheShardsModel.capacity(target, observed, NOW).busy).toBe('replication group is modifying');
    expect(cacheShardsModel.settle(target, intent(), observed, NOW)).toEqual({
      status: 'in-flight',
      message: 'replication group is modifying at 3 shards',
    });
  });

  it('a reshard AWS rolled back (available at the old count, a failure event) settles as failed', async () => {
    answer(described(3), [
      {
        Date: new Date('2026-11-30T11:55:00Z'),
        Message: 'Modifying shard configuration for replication group rg',
      },
      {
        Date: new Date('2026-11-30T11:58:00Z'),
        Message: 'Failed to modify shard configuration for replication group rg: rolled back',
      },
    ]);
    const settled = cacheShardsModel.settle(target, intent(), await adapter().observe(target), NOW);
    expect(settled).toEqual({
      status: 'failed',
      message: expect.stringContaining('Failed to modify shard configuration'),
    });
  });

  it('a rollback told on the second page of events (100 a page) settles the reshard as failed', async () => {
    answer(described(3, { Status: 'modifying' }));
    // A reshard of many shards logs an event per node it adds: the failure comes after the first 100.
    const added = Array.from({ length: 100 }, (_, i) => ({
      Date: new Date(Date.parse('2026-11-30T11:50:00Z') + i * 1000),
      Message: `Added cache node 0001 in availability zone us-east-1a to rg-00${String(i).padStart(2, '0')}`,
      SourceIdentifier: 'rg',
      SourceType: 'replication-group' as const,
    }));
    elastiCache.on(DescribeEventsCommand).resolves({ Events: added, Marker: 'page-2' });
    elastiCache.on(DescribeEventsCommand, { Marker: 'page-2' }).resolves({
      Events: [
        {
          Date: new Date('2026-11-30T11:58:00Z'),
          Message: 'Failed to modify shard configuration for replication group rg: rolling back',
          SourceIdentifier: 'rg',
          SourceType: 'replication-group',
        },
      ],
    });
    const observed = await adapter().observe(target);
    expect(observed.events).toHaveLength(101);
    expect(cacheShardsModel.settle(target, intent(), observed, NOW)).toEqual({
      status: 'failed',
      message: expect.stringContaining('Failed to modify shard configuration'),
    });
  });

  it('events that cannot be read leave the evaluation to status and count (defect-free: no DescribeFailed)', async () => {
    answer(described(4));
    elastiCache.on(DescribeEventsCommand).rejects(new Error('HTTP 500'));
    const observed = await adapter().observe(target);
    expect(observed.events).toBeUndefined();
    expect(observed.eventsError).toBe('HTTP 500');
    expect(cacheShardsModel.settle(target, intent(), observed, NOW).status).toBe('done');
  });

  it.each([
    {
      name: 'a Global Datastore member',
      group: described(3, {
        GlobalReplicationGroupInfo: {
          GlobalReplicationGroupId: 'ldgnf-global',
          GlobalReplicationGroupMemberRole: 'PRIMARY',
        },
      }),
      targets: [],
      want: { globalDatastore: 'ldgnf-global' },
    },
    {
      name: 'data tiering (r6gd nodes)',
      group: described(3, { DataTiering: 'enabled', CacheNodeType: 'cache.r6gd.xlarge' }),
      targets: [],
      want: { dataTiering: true },
    },
    {
      name: 'cluster mode disabled',
      group: described(1, { ClusterEnabled: false, ClusterMode: 'disabled' }),
      targets: [],
      want: { clusterEnabled: false },
    },
    {
      // Entering compatible mode sets cluster-enabled to yes, yet ElastiCache allows no scaling in it.
      name: 'cluster mode compatible (a migration from disabled, halfway), whatever ClusterEnabled says',
      group: described(1, { ClusterEnabled: true, ClusterMode: 'compatible' }),
      targets: [],
      want: { clusterEnabled: false, clusterMode: 'compatible' },
    },
    {
      name: 'a native scalable target',
      group: described(3),
      targets: [{ ScalableDimension: 'elasticache:replication-group:NodeGroups' }],
      want: { scalableTargets: ['elasticache:replication-group:NodeGroups'] },
    },
  ])('sees $name', async ({ group, targets, want }) => {
    answer(group);
    autoScaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: targets as never });
    expect(await adapter().observe(target)).toMatchObject(want);
  });

  it('reads when the replicas last changed from the group’s tag, with replicaScaling', async () => {
    answer(described(3));
    elastiCache.on(ListTagsForResourceCommand).resolves({
      TagList: [{ Key: 'scalepilot:replicas-changed-at', Value: '2026-11-30T11:50:00.000Z' }],
    });
    const withReplicas = cacheTarget({ replicaScaling: { min: 1, max: 3, rules: ['engine-cpu'] } });
    const observed = await adapter().observe(withReplicas);
    expect(observed.replicasChangedAt).toEqual(new Date('2026-11-30T11:50:00Z'));
    expect(elastiCache.commandCalls(ListTagsForResourceCommand)[0]?.args[0].input).toEqual({
      ResourceName: 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:rg',
    });
  });

  it('a missing group is ResourceNotFoundError; a serverless cache of that name says so', async () => {
    elastiCache
      .on(DescribeReplicationGroupsCommand)
      .rejects(
        new ReplicationGroupNotFoundFault({ message: 'ReplicationGroup rg not found.', $metadata: {} }),
      );
    elastiCache.on(DescribeServerlessCachesCommand).resolves({ ServerlessCaches: [] });
    await expect(adapter().observe(target)).rejects.toBeInstanceOf(ResourceNotFoundError);
    elastiCache
      .on(DescribeServerlessCachesCommand)
      .resolves({ ServerlessCaches: [{ ServerlessCacheName: 'rg', Status: 'available' }] });
    await expect(adapter().observe(target)).rejects.toBeInstanceOf(ServerlessCacheError);
    expect(await adapter().prerequisites(target)).toEqual([
      expect.stringContaining('is an ElastiCache serverless cache'),
    ]);
  });
});

function intent(extra: Partial<PendingIntent> = {}): PendingIntent {
  return {
    id: 'r1#1',
    from: 3,
    to: 4,
    at: new Date('2026-11-30T11:50:00Z'),
    token: 1,
    reason: 'ScaleOut',
    action: { type: 'reshard', desired: 4 },
    recorded: true,
    ...extra,
  };
}

describe('ElastiCacheShardCapacity.act', () => {
  it('scale-out: NodeGroupCount, ApplyImmediately, no shards named', async () => {
    elastiCache.on(ModifyReplicationGroupShardConfigurationCommand).resolves({
      ReplicationGroup: described(3, { Status: 'modifying' }),
    });
    await adapter().act(target, { type: 'reshard', desired: 4 });
    expect(
      elastiCache.commandCalls(ModifyReplicationGroupShardConfigurationCommand)[0]?.args[0].input,
    ).toEqual({
      ReplicationGroupId: 'rg',
      NodeGroupCount: 4,
      ApplyImmediately: true,
    });
  });

  it('scale-in: names the shards the model chose in NodeGroupsToRemove (defect: highest-numbered removed)', async () => {
    elastiCache.on(ModifyReplicationGroupShardConfigurationCommand).resolves({});
    await adapter().act(target, { type: 'reshard', desired: 2, nodeGroupsToRemove: ['0001'] });
    expect(
      elastiCache.commandCalls(ModifyReplicationGroupShardConfigurationCommand)[0]?.args[0].input,
    ).toEqual({
      ReplicationGroupId: 'rg',
      NodeGroupCount: 2,
      ApplyImmediately: true,
      NodeGroupsToRemove: ['0001'],
    });
  });

  it('a refused reshard is an AwsCallError naming the call (recorded as ActionFailed, backed off)', async () => {
    elastiCache.on(ModifyReplicationGroupShardConfigurationCommand).rejects(
      new InvalidReplicationGroupStateFault({
        message: 'Cluster is not in a valid state to be modified.',
        $metadata: {},
      }),
    );
    await expect(adapter().act(target, { type: 'reshard', desired: 4 })).rejects.toThrow(
      /ModifyReplicationGroupShardConfiguration failed: Cluster is not in a valid state/,
    );
    await expect(adapter().act(target, { type: 'reshard', desired: 4 })).rejects.toBeInstanceOf(AwsCallError);
  });

  it.each([
    { name: 'adds a replica to every shard', from: 1, to: 2, command: IncreaseReplicaCountCommand },
    { name: 'removes one from every shard', from: 2, to: 1, command: DecreaseReplicaCountCommand },
  ])('replicas: $name, after tagging the time on the group', async ({ from, to, command }) => {
    answer(described(3));
    elastiCache.on(AddTagsToResourceCommand).resolves({});
    elastiCache.on(IncreaseReplicaCountCommand).resolves({});
    elastiCache.on(DecreaseReplicaCountCommand).resolves({});
    await adapter().act(target, {
      type: 'replicas',
      desired: 3,
      replicasPerShard: to,
      fromReplicas: from,
      at: '2026-11-30T12:00:00.000Z',
    });
    expect(elastiCache.commandCalls(AddTagsToResourceCommand)[0]?.args[0].input).toEqual({
      ResourceName: 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:rg',
      Tags: [{ Key: 'scalepilot:replicas-changed-at', Value: '2026-11-30T12:00:00.000Z' }],
    });
    expect(elastiCache.commandCalls(command)[0]?.args[0].input).toEqual({
      ReplicationGroupId: 'rg',
      NewReplicaCount: to,
      ApplyImmediately: true,
    });
    expect(elastiCache.commandCalls(ModifyReplicationGroupShardConfigurationCommand)).toHaveLength(0);
  });
});

describe('ElastiCacheShardCapacity.prerequisites (validate and plan)', () => {
  it.each([
    { name: 'a supported group', group: described(3), targets: [], want: [] },
    {
      name: 'a group with a native scalable target',
      group: described(3),
      targets: [{ ScalableDimension: 'elasticache:replication-group:Replicas' }],
      want: [expect.stringContaining('two autoscalers would fight')],
    },
    {
      name: 'a group in cluster mode compatible',
      group: described(1, { ClusterEnabled: true, ClusterMode: 'compatible' }),
      targets: [],
      want: [expect.stringContaining('is in cluster mode compatible')],
    },
    {
      name: 'a Redis OSS 3.2.6 group',
      group: described(3, { Engine: 'redis' }),
      targets: [],
      want: [expect.stringContaining('online resharding needs Valkey or Redis OSS 3.2.10 or later')],
    },
  ])('$name', async ({ group, targets, want }) => {
    answer(group);
    elastiCache.on(DescribeCacheClustersCommand).resolves({ CacheClusters: [{ EngineVersion: '3.2.6' }] });
    autoScaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: targets as never });
    expect(await adapter().prerequisites(target)).toEqual(want);
  });

  it('the node type, replicas per shard and engine for cost reports', async () => {
    answer(described(3, {}, 2));
    expect(await adapter().liveUnit(target)).toEqual({
      type: 'cache.r7g.large',
      replicasPerShard: 2,
      engines: [{ name: 'valkey' }],
    });
  });
});
