import type { TargetKind } from '../policy/schema';
import type { CapacityPort, KindScaler } from '../ports';
import { AutoScalingCapacity } from './AutoScalingCapacity';
import type { AwsConfig } from './awsConfig';
import { elastiCacheShardScaler } from './ElastiCacheShardCapacity';
import { rdsReplicaScaler } from './RdsReplicaCapacity';

/**
 * The capacity adapter of each resource kind, for the tools that handle every kind (the CLI, the local
 * account). A function imports only its own, so its bundle carries one resource SDK client.
 */
export const capacityPortByKind: Record<
  TargetKind,
  (aws: AwsConfig, stage?: string) => CapacityPort | KindScaler<unknown>
> = {
  asg: (aws) => new AutoScalingCapacity(aws),
  // The stage, when known, tells this stage's replicas from another's (RdsReplicaCapacity).
  'rds-replicas': (aws, stage) =>
    rdsReplicaScaler(aws, stage !== undefined ? { stage } : {}) as KindScaler<unknown>,
  'cache-shards': (aws) => elastiCacheShardScaler(aws) as KindScaler<unknown>,
};
