import type { CacheEvent, CacheShardsObservation, ReplicasAction } from './cacheShards';
import type { Settlement } from './kindModel';
import type { PendingIntent } from './types';

// What became of a cache-shards operation written ahead (a reshard, a replica change), with its deadline
// (issue 21): judged from the group's status, counts and events, as cacheShardsModel.settle.

/** A reshard still running this long per shard added or removed (at least an hour) is stuck: told, then let go. */
export const RESHARD_DEADLINE_MINUTES_PER_SHARD = 30;
/** A replica change still running after this long is stuck. */
export const REPLICAS_DEADLINE_MINUTES = 60;

const minutesSince = (at: Date, now: Date) => (now.getTime() - at.getTime()) / 60_000;

/**
 * A failure event of the group after the operation began (a reshard rolled back or not finished); a
 * failover ("Failover from primary node …") is no failure of the reshard.
 */
function failureEvent(
  observation: CacheShardsObservation,
  since: Date,
  kind: 'reshard' | 'replicas',
): CacheEvent | undefined {
  // Only a failure of the kind of operation Scalepilot asked for: another party's modification that failed
  // (a node type change) is no failure of Scalepilot's reshard (issue 21, 7).
  const about = kind === 'reshard' ? /shard|node group|slot/i : /replica/i;
  return observation.events?.find(
    (e) =>
      e.at >= since &&
      about.test(e.message) &&
      /\bfail(ed|ure|s)?\b|roll(ed)?[ -]?back|unable|could not|not complete|aborted/i.test(e.message),
  );
}

/** What became of a reshard written ahead, from the group's status, shard count and events. */
export function settleReshard(
  intent: PendingIntent,
  observation: CacheShardsObservation,
  now: Date = intent.at,
): Settlement {
  const shards = observation.shards.length;
  const event = failureEvent(observation, intent.at, 'reshard');
  if (event)
    return { status: 'failed', message: `AWS reported "${event.message}" at ${event.at.toISOString()}` };
  if (observation.status !== 'available') {
    // Another modification than a reshard is someone else's: ElastiCache runs one at a time, so a reshard
    // whose call was not known to have gone through never started (issue 21, 7).
    if (observation.resharding === false && !intent.recorded) return { status: 'not-applied' };
    const deadline = Math.max(60, RESHARD_DEADLINE_MINUTES_PER_SHARD * Math.abs(intent.to - intent.from));
    const running = minutesSince(intent.at, now);
    if (running > deadline)
      return {
        status: 'failed',
        message: `replication group is still ${observation.status} ${Math.round(running)} min after the reshard ${intent.from} → ${intent.to} began (deadline ${deadline} min)`,
      };
    return { status: 'in-flight', message: `replication group is ${observation.status} at ${shards} shards` };
  }
  if (shards === intent.to) return { status: 'done' };
  // Back to available at the old count: never started (its call did not go out) or rolled back by AWS.
  if (shards === intent.from)
    return intent.recorded
      ? {
          status: 'failed',
          message: `replication group is available again at ${shards} shards, not ${intent.to}: AWS rolled the reshard back or did not finish it`,
        }
      : { status: 'not-applied' };
  return {
    status: 'failed',
    message: `replication group is available at ${shards} shards, neither ${intent.from} nor ${intent.to}`,
  };
}

/** A replica-count change: running while the group is not available, done at the new count. */
export function settleReplicas(
  action: ReplicasAction,
  intent: PendingIntent,
  observation: CacheShardsObservation,
  now: Date = intent.at,
): Settlement {
  const replicas = observation.replicasPerShard;
  const event = failureEvent(observation, intent.at, 'replicas');
  if (event)
    return { status: 'failed', message: `AWS reported "${event.message}" at ${event.at.toISOString()}` };
  if (observation.status !== 'available') {
    if (minutesSince(intent.at, now) > REPLICAS_DEADLINE_MINUTES)
      return {
        status: 'failed',
        message: `replication group is still ${observation.status} ${Math.round(minutesSince(intent.at, now))} min after the replica change began (deadline ${REPLICAS_DEADLINE_MINUTES} min)`,
      };
    return {
      status: 'in-flight',
      message: `replication group is ${observation.status} at ${replicas} replicas per shard`,
    };
  }
  if (replicas === action.replicasPerShard) return { status: 'done' };
  if (replicas === action.fromReplicas)
    return intent.recorded
      ? {
          status: 'failed',
          message: `replication group is available again at ${replicas} replicas per shard, not ${action.replicasPerShard}`,
        }
      : { status: 'not-applied' };
  return {
    status: 'failed',
    message: `replication group is available at ${replicas} replicas per shard, neither ${action.fromReplicas} nor ${action.replicasPerShard}`,
  };
}
