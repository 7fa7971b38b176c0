import {
  AddTagsToResourceCommand,
  DecreaseReplicaCountCommand,
  DescribeReplicationGroupsCommand,
  type ElastiCacheClient,
  IncreaseReplicaCountCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-elasticache';
import { REPLICAS_TAG, type ReplicasAction } from '../decision/cacheShards';
import { AwsCallError, awsCallError, ScalingError } from '../errors';
import type { IamActions } from './iamActions';

/** The IAM actions ElastiCacheReplicaCount calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const elastiCacheReplicaCountIam: IamActions = {
  read: ['elasticache:DescribeReplicationGroups', 'elasticache:ListTagsForResource'],
  write: [
    'elasticache:IncreaseReplicaCount',
    'elasticache:DecreaseReplicaCount',
    'elasticache:AddTagsToResource',
  ],
};

/**
 * Read scaling of a cache-shards target (only with `replicaScaling`, and only then in its role): the
 * replicas of every shard, one at a time, and when they last changed, kept on the group as the tag
 * `scalepilot:replicas-changed-at` so a reshard waits for that change's cooldown (and the other way round).
 */
export class ElastiCacheReplicaCount {
  constructor(private readonly client: ElastiCacheClient) {}

  /** When Scalepilot last changed the replicas of the group with this ARN (undefined: never). */
  async changedAt(groupArn: string): Promise<Date | undefined> {
    const response = await this.client
      .send(new ListTagsForResourceCommand({ ResourceName: groupArn }))
      .catch((cause: unknown) => {
        throw new AwsCallError('ElastiCache ListTagsForResource', cause);
      });
    const value = response.TagList?.find((t) => t.Key === REPLICAS_TAG)?.Value;
    const at = value ? new Date(value) : undefined;
    return at && !Number.isNaN(at.getTime()) ? at : undefined;
  }

  /** Tags the time first (a reshard must wait even if the call then fails), then changes every shard's replicas. */
  async change(id: string, action: ReplicasAction): Promise<void> {
    const arn = (
      await this.client
        .send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))
        .catch((cause: unknown) => {
          throw new AwsCallError('ElastiCache DescribeReplicationGroups', cause);
        })
    ).ReplicationGroups?.[0]?.ARN;
    if (!arn) throw new ScalingError(`replication group "${id}" has no ARN to tag`);
    await this.client
      .send(
        new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: REPLICAS_TAG, Value: action.at }] }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('ElastiCache AddTagsToResource', cause);
      });
    const increase = action.replicasPerShard > action.fromReplicas;
    const input = {
      ReplicationGroupId: id,
      NewReplicaCount: action.replicasPerShard,
      ApplyImmediately: true,
    };
    await this.client
      .send(increase ? new IncreaseReplicaCountCommand(input) : new DecreaseReplicaCountCommand(input))
      .catch((cause: unknown) => {
        throw awsCallError(`ElastiCache ${increase ? 'Increase' : 'Decrease'}ReplicaCount`, cause);
      });
  }
}
