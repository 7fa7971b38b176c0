import type { Target, TargetKind } from './schema';

/** The AWS resource a target manages: group name, source DB instance or replication group. */
export function targetResource(target: Pick<Target, 'kind'> & Record<string, unknown>): string | undefined {
  const key = resourceKeyByKind[target.kind];
  const value = target[key];
  return typeof value === 'string' ? value : undefined;
}

export const resourceKeyByKind = {
  asg: 'autoScalingGroupName',
  'rds-replicas': 'sourceDbInstanceIdentifier',
  'cache-shards': 'replicationGroupId',
} as const satisfies Record<TargetKind, string>;

/** The CloudWatch dimension that scopes a target's metrics when the policy names none. */
export const defaultDimensionByKind = {
  asg: 'AutoScalingGroupName',
  'rds-replicas': 'DBInstanceIdentifier',
  'cache-shards': 'ReplicationGroupId',
} as const satisfies Record<TargetKind, string>;

/**
 * The AWS namespaces that publish each kind's default dimension (an Aurora cluster's too: AWS/RDS). Another
 * `AWS/` namespace has no series by it (AWS/SQS publishes by QueueName only), so a rule there names its own.
 */
export const namespacesByKind = {
  asg: ['AWS/EC2', 'AWS/AutoScaling'],
  'rds-replicas': ['AWS/RDS'],
  'cache-shards': ['AWS/ElastiCache'],
} as const satisfies Record<TargetKind, readonly string[]>;

/** The serverless.yml function that scales each kind; alarms of that kind invoke it. */
export const functionByKind = {
  asg: 'scaleAsg',
  'rds-replicas': 'scaleRdsReplicas',
  'cache-shards': 'scaleCacheShards',
} as const satisfies Record<TargetKind, string>;

/** The Powertools service name of each scaler (log `service`, the `service` dimension of its EMF metrics). */
export const serviceByKind = {
  asg: 'scale-asg',
  'rds-replicas': 'scale-rds-replicas',
  'cache-shards': 'scale-cache-shards',
} as const satisfies Record<TargetKind, string>;

/** What one unit of capacity is called, for messages. */
export const unitByKind = {
  asg: 'instance',
  'rds-replicas': 'read replica',
  'cache-shards': 'shard',
} as const satisfies Record<TargetKind, string>;

/**
 * The dimensions of a rule's metric: the rule's own, else the target's resource; for an Aurora cluster, its
 * readers as one series (`Role=READER`), which is what its decisions read.
 */
export function metricDimensions(target: Target, dimensions: Record<string, string> | undefined) {
  if (dimensions) return dimensions;
  if (target.kind === 'rds-replicas' && target.aurora)
    return { DBClusterIdentifier: target.sourceDbInstanceIdentifier, Role: 'READER' };
  return { [defaultDimensionByKind[target.kind]]: targetResource(target) ?? '' };
}
