import type { RdsReplicasTarget } from '../policy/schema';
import type { MetricReading } from './types';

/**
 * An idle PostgreSQL source makes its replicas report up to five minutes of ReplicaLag: RDS measures it as the
 * time since the last transaction replayed, and switches WAL segments every 5 minutes when nothing is written
 * (RDS User Guide, PostgreSQL read replicas). Under this, a PostgreSQL replica's lag says nothing: at the
 * policy's 60 s every replica of a quiet source left reader discovery and held scale-in most of each 5 minutes.
 */
export const POSTGRES_IDLE_LAG_SECONDS = 360;

/** The lag past which a replica serves stale reads: the policy's limit, not under PostgreSQL's idle lag. */
export function lagLimitSeconds(target: RdsReplicasTarget, engine: string | undefined): number {
  const limit = target.replicaLagLimitSeconds;
  return !target.aurora && engine?.startsWith('postgres')
    ? Math.max(limit, POSTGRES_IDLE_LAG_SECONDS)
    : limit;
}

/**
 * ReplicaLag −1 (replication not active) counts only when the last this many datapoints all say it: the I/O
 * thread reconnecting after a source failover or a replica's reboot reads −1 for a minute, and one datapoint
 * had an older healthy replica deleted as failed.
 */
export const INACTIVE_LAG_DATAPOINTS = 3;

/**
 * A reader's lag in seconds from its ReplicaLag series (Aurora's AuroraReplicaLag is in ms): the newest
 * datapoint, undefined when none is recent (6 minutes), −1 when replication has been inactive for the last
 * `INACTIVE_LAG_DATAPOINTS` datapoints; a −1 newer than that is no reading yet.
 */
export function newestLagSeconds(
  series: readonly MetricReading[],
  aurora: boolean,
  now?: Date,
): number | undefined {
  const newestFirst = [...series].sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime());
  const newest = newestFirst[0];
  if (!newest || !Number.isFinite(newest.value)) return undefined;
  if (now && now.getTime() - newest.timestamp.getTime() > 6 * 60_000) return undefined;
  if (newest.value < 0) {
    const recent = newestFirst.slice(0, INACTIVE_LAG_DATAPOINTS);
    return recent.length === INACTIVE_LAG_DATAPOINTS && recent.every((p) => p.value < 0) ? -1 : undefined;
  }
  return aurora ? newest.value / 1000 : newest.value;
}

/** A lag that leaves a reader out of the averages and discovery: past the limit, or replication stopped. */
export function isStale(lag: number | undefined, limit: number): boolean {
  return lag !== undefined && (lag === -1 || lag > limit);
}
