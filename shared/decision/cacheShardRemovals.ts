import type { CacheShardsObservation, ReshardAction } from './cacheShards';
import type { Settlement } from './kindModel';
import type { PendingIntent } from './types';

// The shards a scale-in asked AWS to remove and AWS kept. AWS's online-resharding guide lists among its
// limitations that a shard holding a key whose item is over 256 MB once serialised is not deleted by a
// scale-in (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/redis-cluster-resharding-online.html).
// Asking for the same shard again fails the same way, so the gates leave a shard AWS kept out of the next
// choice. The guide's other scale-in conditions (CPU under 80%, 50% on one vCPU; free memory on the
// shards that stay of 1.5× what the removed ones use: "Online cluster resizing",
// https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/best-practices-online-resharding.html) hold for the
// whole reshard, not one shard: they are gates checked before asking (cacheShardsGates.ts).

/**
 * How long a shard AWS kept is left out of scale-ins: long enough to stop the retries, short enough to try it
 * again once the key may have been split or deleted.
 */
export const FAILED_REMOVAL_MEMORY_HOURS = 24;
/** The most shards remembered at once (the newest kept): the target's ledger item stays small. */
export const MAX_FAILED_REMOVALS = 32;

const HOUR_MS = 3_600_000;

/** The shards a settled reshard asked to remove that the group still has: those AWS kept. */
export function keptShards(intent: PendingIntent, observation: CacheShardsObservation): string[] {
  if (intent.action?.type !== 'reshard' || intent.to >= intent.from) return [];
  const asked = (intent.action as ReshardAction).nodeGroupsToRemove ?? [];
  const present = new Set(observation.shards.map((s) => s.id));
  return asked.filter((id) => present.has(id));
}

/**
 * The remembered shards that still count now: the group still has them (a shard gone is forgotten) and AWS
 * kept them less than FAILED_REMOVAL_MEMORY_HOURS ago.
 */
export function failedRemovalsNow(
  remembered: Readonly<Record<string, Date>> | undefined,
  observation: CacheShardsObservation,
  now: Date,
): Map<string, Date> {
  const present = new Set(observation.shards.map((s) => s.id));
  const recent = Object.entries(remembered ?? {}).filter(
    ([id, at]) => present.has(id) && now.getTime() - at.getTime() < FAILED_REMOVAL_MEMORY_HOURS * HOUR_MS,
  );
  return new Map(recent.sort((a, b) => b[1].getTime() - a[1].getTime()).slice(0, MAX_FAILED_REMOVALS));
}

/**
 * What to remember once a reshard settled (cacheShardsModel.rememberRemovals): a failed scale-in adds the
 * shards AWS kept, at `now`; every settlement drops the shards gone or remembered too long. Undefined when that
 * changes nothing (no write).
 */
export function rememberRemovals(input: {
  readonly intent: PendingIntent;
  readonly settlement: Settlement;
  readonly observation: CacheShardsObservation;
  readonly remembered: Readonly<Record<string, Date>>;
  readonly now: Date;
}): Record<string, Date> | undefined {
  const { intent, settlement, observation, remembered, now } = input;
  const kept = settlement.status === 'failed' ? keptShards(intent, observation) : [];
  const next = failedRemovalsNow(
    { ...remembered, ...Object.fromEntries(kept.map((id) => [id, now])) },
    observation,
    now,
  );
  const before = Object.keys(remembered);
  const unchanged = kept.length === 0 && before.length === next.size && before.every((id) => next.has(id));
  return unchanged ? undefined : Object.fromEntries(next);
}

/** A failed scale-in's settlement, saying which shards the group still has and that the next scale-ins leave them out. */
export function withKeptShards(
  settlement: Settlement,
  intent: PendingIntent,
  observation: CacheShardsObservation,
): Settlement {
  if (settlement.status !== 'failed') return settlement;
  const kept = keptShards(intent, observation);
  if (kept.length === 0) return settlement;
  return {
    ...settlement,
    message: `${settlement.message}; shard(s) ${kept.join(', ')} still in the group (AWS does not delete a shard holding a key over 256 MB serialised): scale-ins choose other shards for ${FAILED_REMOVAL_MEMORY_HOURS} h`,
  };
}

/** How an operator reads the remembered shards: `0003 (kept 2026-03-02T01:00:00.000Z)`. */
export function describeFailedRemovals(failed: ReadonlyMap<string, Date>): string {
  return [...failed].map(([id, at]) => `${id} (kept ${at.toISOString()})`).join(', ');
}
