import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ModifyReplicationGroupShardConfigurationCommand,
  ReplicationGroupNotFoundFault,
} from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyRelease, planRelease } from '../../../bin/lib/release';
import { examplePolicy } from '../../harness/fixtures';

// aws-sdk-client-mock for the cache path only: moto answers ModifyReplicationGroupShardConfiguration with
// a 500. The groups and the RDS replicas are released against moto in tests/integration/release.test.ts.
const autoScaling = mockClient(AutoScalingClient);
const rds = mockClient(RDSClient);
const elastiCache = mockClient(ElastiCacheClient);
const clients = () => ({
  autoScaling: new AutoScalingClient({ region: 'us-east-1' }),
  rds: new RDSClient({ region: 'us-east-1' }),
  elastiCache: new ElastiCacheClient({ region: 'us-east-1' }),
});
const cacheOnly = () => {
  const policy = examplePolicy();
  return { ...policy, targets: policy.targets.filter((t) => t.kind === 'cache-shards') };
};
const shards = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ NodeGroupId: String(i + 1).padStart(4, '0'), Status: 'available' }));

beforeEach(() => {
  for (const m of [autoScaling, rds, elastiCache]) m.reset();
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
});

describe('release of a cache target (defect: shards Scalepilot added outlive sls remove)', () => {
  it.each([
    {
      name: 'five shards, minimum three: the two highest-numbered go',
      groups: [{ ReplicationGroupId: 'event-platform-redis', NodeGroups: shards(5) }],
      want: { NodeGroupCount: 3, NodeGroupsToRemove: ['0004', '0005'] },
    },
    {
      name: 'at the minimum: nothing to do',
      groups: [{ ReplicationGroupId: 'event-platform-redis', NodeGroups: shards(3) }],
      want: undefined,
    },
  ])('$name', async ({ groups, want }) => {
    elastiCache.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: groups });
    elastiCache.on(ModifyReplicationGroupShardConfigurationCommand).resolves({});
    const steps = await planRelease(cacheOnly(), clients());
    expect(elastiCache.commandCalls(ModifyReplicationGroupShardConfigurationCommand)).toHaveLength(0);
    await applyRelease(steps, () => {});
    const calls = elastiCache.commandCalls(ModifyReplicationGroupShardConfigurationCommand);
    if (!want) expect(calls).toHaveLength(0);
    else
      expect(calls.map((c) => c.args[0].input)).toEqual([
        { ReplicationGroupId: 'event-platform-redis', ApplyImmediately: true, ...want },
      ]);
  });

  it('reports a missing replication group and a failed change, and still exits with the failure counted', async () => {
    elastiCache
      .on(DescribeReplicationGroupsCommand)
      .rejects(new ReplicationGroupNotFoundFault({ message: 'not found', $metadata: {} }));
    const missing = await planRelease(cacheOnly(), clients());
    expect(missing.map((s) => s.description)).toEqual([
      'replication group event-platform-redis not found: nothing to do',
    ]);

    elastiCache.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [{ ReplicationGroupId: 'event-platform-redis', NodeGroups: shards(4) }],
    });
    elastiCache
      .on(ModifyReplicationGroupShardConfigurationCommand)
      .rejects(new Error('InvalidReplicationGroupState'));
    const lines: string[] = [];
    const { failed } = await applyRelease(await planRelease(cacheOnly(), clients()), (l) => lines.push(l));
    expect(failed).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^FAILED: sessions-cache: .*InvalidReplicationGroupState/)]);
  });
});
