import {
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ModifyReplicationGroupShardConfigurationCommand,
  type ReplicationGroup,
  ReplicationGroupNotFoundFault,
} from '@aws-sdk/client-elasticache';
import type { CapacityState } from '../decision/types';
import { AwsCallError, ResourceNotFoundError, ScalingError } from '../errors';
import type { Target } from '../policy/schema';
import type { CapacityPort } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';

/** ElastiCache (Redis OSS / Valkey, cluster mode enabled) allows up to 500 shards. */
const MAX_SHARDS = 500;

/**
 * CapacityPort for ElastiCache shards: DescribeReplicationGroups / ModifyReplicationGroupShardConfiguration.
 * Online resharding runs minutes; while the group is `modifying` it is busy and left alone.
 */
export class ElastiCacheShardCapacity implements CapacityPort {
  private readonly client: ElastiCacheClient;

  constructor(config: AwsConfig, client?: ElastiCacheClient) {
    this.client = client ?? new ElastiCacheClient(clientOptions(config));
  }

  async describe(target: Target): Promise<CapacityState> {
    const group = await this.read(target);
    const shards = group.NodeGroups ?? [];
    const current = shards.length;
    const serving = shards.filter((s) => s.Status === 'available').length;
    const busy =
      group.ClusterEnabled === false
        ? 'cluster mode is disabled: shards cannot be added or removed'
        : group.Status !== 'available'
          ? `replication group is ${group.Status}`
          : undefined;
    return { current, serving, liveMin: 1, liveMax: MAX_SHARDS, ...(busy ? { busy } : {}) };
  }

  async setCapacity(target: Target, desired: number): Promise<void> {
    const group = await this.read(target);
    const shards = group.NodeGroups ?? [];
    // Scale-in names the shards to remove: the highest-numbered ones, whose slots move to the rest.
    const toRemove =
      desired < shards.length
        ? shards
            .map((s) => s.NodeGroupId ?? '')
            .sort()
            .slice(desired)
        : undefined;
    await this.client
      .send(
        new ModifyReplicationGroupShardConfigurationCommand({
          ReplicationGroupId: group.ReplicationGroupId,
          NodeGroupCount: desired,
          ApplyImmediately: true,
          ...(toRemove ? { NodeGroupsToRemove: toRemove } : {}),
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('ElastiCache ModifyReplicationGroupShardConfiguration', cause);
      });
  }

  private async read(target: Target): Promise<ReplicationGroup> {
    if (target.kind !== 'cache-shards') throw new ScalingError(`target "${target.name}" is not cache-shards`);
    const id = target.replicationGroupId;
    try {
      const response = await this.client.send(
        new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
      );
      const group = response.ReplicationGroups?.[0];
      if (!group) throw new ResourceNotFoundError('ElastiCache replication group', id);
      return group;
    } catch (cause) {
      if (cause instanceof ReplicationGroupNotFoundFault)
        throw new ResourceNotFoundError('ElastiCache replication group', id, { cause });
      if (cause instanceof ResourceNotFoundError) throw cause;
      throw new AwsCallError('ElastiCache DescribeReplicationGroups', cause);
    }
  }
}
