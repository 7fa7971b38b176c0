import type { ReplicaInstance } from './rdsReplicasView';

/**
 * The DBInstanceStatus values the RDS read-replica kind tells apart: failed for good, still coming up, and
 * serving reads. Pure.
 */

/** States in which a replica serves nothing and will not recover by itself. */
export const UNHEALTHY_STATES: ReadonlySet<string> = new Set([
  'failed',
  'incompatible-parameters',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-restore',
  'incompatible-credentials',
  'storage-full',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'insufficient-capacity',
  'restore-error',
]);

/** States of a replica on its way to `available`: a create still running. */
export const COMING_UP_STATES: ReadonlySet<string> = new Set([
  'creating',
  'backing-up',
  'configuring-enhanced-monitoring',
  'configuring-iam-database-auth',
  'configuring-log-exports',
  'starting',
]);

/**
 * States in which a replica serves reads: `available`; `storage-optimization`, in which "the DB instance is
 * fully operational" (RDS User Guide, Viewing Amazon RDS DB instance status), for hours after a storage change;
 * and `storage-initialization`, a new replica's volumes still loading blocks from S3 after it became available
 * ("the read replica is fully operational, but performance might not be at its fullest": RDS User Guide,
 * Creating a read replica), at up to 4 TiB an hour: for a large source, past any create deadline.
 * Left out: `backing-up` (a new replica's first backup is part of its create: it restores and starts
 * replicating, and one describe cannot tell it from a daily backup of a replica in service, which RDS keeps
 * open with I/O paused for seconds), the `configuring-*` states (the status guide does not say the instance
 * is usable then) and `storage-config-upgrade` (the engine is down: RDS User Guide, Upgrading the storage
 * file system).
 */
export const SERVING_STATES: ReadonlySet<string> = new Set([
  'available',
  'storage-optimization',
  'storage-initialization',
]);

/**
 * States of a replica on its way out: `deleting`, and `delete-precheck`, in which RDS checks that an instance's
 * read replicas are safe to delete before it starts (RDS User Guide, Viewing Amazon RDS DB instance status).
 */
export const GOING_STATES: ReadonlySet<string> = new Set(['deleting', 'delete-precheck']);

/** In a state that serves reads (SERVING_STATES), its create over; draining, lag and replication are judged apart. */
export const inServingState = (r: ReplicaInstance) => SERVING_STATES.has(r.status) && !stillCreating(r);

/**
 * A replica whose create has not ended: `creating`, or on its way to `available` for the first time (RDS gives
 * an instance its InstanceCreateTime once created). A replica in service long since that is backing up,
 * configuring Enhanced Monitoring or log exports, or starting again is past its create: the create deadline
 * is no measure of it (its requested-at tag stays for life, and such a replica was replaced as failed).
 */
export function stillCreating(r: ReplicaInstance): boolean {
  return r.status === 'creating' || (COMING_UP_STATES.has(r.status) && r.createdAt === undefined);
}
