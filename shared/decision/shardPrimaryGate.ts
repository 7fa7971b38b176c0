import type { Target } from '../policy/schema';
import { isCpu, PRIMARY_METRIC, perNode, type ShardPrimary, shardReadings } from './cacheShardReads';
import type { CacheShardsObservation } from './cacheShards';
import type { GateNote, MetricReading } from './types';

/** How the rules that read each shard's primary found it, said on the decision when it was not plainly told. */
export interface PrimaryFindings {
  /** Rules held because IsMaster names no primary, or several, on a shard: why, naming the shards. */
  readonly held?: string;
  /** What the decision's message and explanation say (held rules, primaries assumed). */
  readonly note?: Omit<GateNote, 'reason'>;
}

/** At most this many shards are named in a message; the rest are counted. */
const NAMED = 5;

function named(items: readonly string[]): string {
  const shown = items.slice(0, NAMED).join(', ');
  return items.length > NAMED ? `${shown} and ${items.length - NAMED} more` : shown;
}

function unknownText(shard: string, primary: Extract<ShardPrimary, { how: 'unknown' }>): string {
  const { primaries } = primary;
  return primaries.length === 0
    ? `shard ${shard}: ${PRIMARY_METRIC} names no primary`
    : `shard ${shard}: ${PRIMARY_METRIC} names ${primaries.length} primaries (${primaries.join(', ')})`;
}

/**
 * What the shards' primaries were for the rules read on them (all but CPU): rules held where IsMaster names
 * none or several (a failover's minute; the primary not reporting), and shards read on their first member for
 * want of a fresh IsMaster datapoint (not published, or stale). Nothing when every primary was told.
 */
export function shardPrimaryFindings(
  target: Target,
  observation: CacheShardsObservation,
  metrics: Readonly<Record<string, readonly (readonly MetricReading[])[]>>,
  now: Date,
): PrimaryFindings {
  const heldRules: string[] = [];
  const unknown = new Map<string, string>();
  const assumed = new Map<string, string>();
  for (const rule of target.rules.filter((r) => perNode(target, r) && !isCpu(r))) {
    const shards = shardReadings(target, rule, observation, metrics[rule.name], now) ?? [];
    let held = false;
    for (const { shard, primary } of shards) {
      if (primary?.how === 'unknown') {
        held = true;
        unknown.set(shard, unknownText(shard, primary));
      } else if (primary?.how === 'assumed') assumed.set(shard, primary.node);
    }
    if (held) heldRules.push(rule.name);
  }
  const held =
    heldRules.length > 0
      ? `${heldRules.join(', ')} held: ${named([...unknown.values()])}: the primary's metrics cannot be told from a replica's`
      : undefined;
  const guessed =
    assumed.size > 0
      ? `primary assumed on shard(s) ${named([...assumed.keys()])}: no fresh ${PRIMARY_METRIC} datapoint, their first member (${named([...assumed.values()])}) read`
      : undefined;
  const message = [held, guessed].filter((m) => m !== undefined).join('; ');
  return {
    ...(held ? { held } : {}),
    ...(message ? { note: { gate: 'primary', outcome: held ? 'held' : 'passed', message } } : {}),
  };
}
