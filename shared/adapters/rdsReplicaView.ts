import type { DBInstance } from '@aws-sdk/client-rds';
import { otherStageOf, type ReplicaInstance } from '../decision/rdsReplicas';
import { ScalingError } from '../errors';
import type { RdsReplicasTarget, Target } from '../policy/schema';

/** The rds-replicas target, or an error naming the target of another kind. */
export function rdsTarget(target: Target): RdsReplicasTarget {
  if (target.kind !== 'rds-replicas') throw new ScalingError(`target "${target.name}" is not rds-replicas`);
  return target;
}

const tagsOf = (i: { TagList?: { Key?: string; Value?: string }[] }) =>
  Object.fromEntries((i.TagList ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

/**
 * A source's tags as its replicas get them: not Scalepilot's own (they say who manages what), and none RDS
 * would refuse on a create: a key or value that begins `aws:` or `rds:` is AWS's (RDS API reference, Tag).
 */
export const copiedTags = (i: { TagList?: { Key?: string; Value?: string }[] }) =>
  Object.fromEntries(
    Object.entries(tagsOf(i)).filter(([k, v]) => !/^(scalepilot|aws|rds):/.test(k) && !/^(aws|rds):/.test(v)),
  );

/**
 * A described instance as the rds-replicas decision sees a replica: status, tags, replication, placement, its own
 * replicas, and whether another stage's Scalepilot made it (`stage`: the reading stage; undefined: unknown).
 */
export function replicaView(i: DBInstance, stage: string | undefined): ReplicaInstance {
  const replication = i.StatusInfos?.find((s) => s.StatusType === 'read replication');
  const tags = tagsOf(i);
  const otherStage = otherStageOf(tags, stage);
  return {
    id: i.DBInstanceIdentifier ?? '',
    status: i.DBInstanceStatus ?? 'unknown',
    tags,
    ...(otherStage !== undefined ? { otherStage } : {}),
    deletionProtection: i.DeletionProtection === true,
    ...(replication?.Status
      ? {
          replication: {
            status: replication.Status,
            normal: replication.Normal !== false,
            ...(replication.Message ? { message: replication.Message } : {}),
          },
        }
      : {}),
    ...(i.DBInstanceClass ? { instanceClass: i.DBInstanceClass } : {}),
    ...(i.AvailabilityZone ? { availabilityZone: i.AvailabilityZone } : {}),
    ...(i.InstanceCreateTime ? { createdAt: i.InstanceCreateTime } : {}),
    ...(i.Endpoint?.Address ? { endpoint: i.Endpoint.Address } : {}),
    ...(i.DBInstanceArn ? { arn: i.DBInstanceArn } : {}),
    ...(i.ReadReplicaDBInstanceIdentifiers?.length ? { replicas: i.ReadReplicaDBInstanceIdentifiers } : {}),
  };
}

/** The names of the fields a modification waits to change (PendingModifiedValues). */
export const pendingFields = (values: object | undefined) =>
  Object.entries(values ?? {})
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k]) => k);

/** A replica of another Region is listed by its ARN; one of this Region by its identifier. */
export const isArn = (id: string) => id.startsWith('arn:');
