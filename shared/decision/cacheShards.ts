import type { MetricSpec, Rule, Target } from '../policy/schema';
import { newestFresh, readMetric, ruleReads, shardReadings } from './cacheShardReads';
import { rememberRemovals, withKeptShards } from './cacheShardRemovals';
import { gateCacheShards } from './cacheShardsGates';
import { settleReplicas, settleReshard } from './cacheShardsSettle';
import type { KindAction, KindModel } from './kindModel';
import type { CapacityState, MetricReading } from './types';

/** One node of a shard: its cache cluster id (`<group>-0001-001`) is its CloudWatch `CacheClusterId`. */
export interface CacheNode {
  readonly id: string;
  /**
   * Its role as DescribeReplicationGroups reports it (CurrentRole), which it does only with cluster mode
   * disabled; otherwise undefined, and IsMaster tells the primary (cacheShardReads.ts).
   */
  readonly role?: 'primary' | 'replica';
}

export interface CacheShard {
  /** The node group id (`0001`), what `NodeGroupsToRemove` names. */
  readonly id: string;
  readonly status: string;
  readonly nodes: readonly CacheNode[];
}

/** An ElastiCache event of the replication group (DescribeEvents). */
export interface CacheEvent {
  readonly at: Date;
  readonly message: string;
}

/** A cluster-mode-enabled replication group as the adapter observed it. */
export interface CacheShardsObservation {
  readonly groupId: string;
  /** `available`, `modifying`, `snapshotting`, … */
  readonly status: string;
  readonly clusterEnabled: boolean;
  /** ElastiCache's ClusterMode, when reported: `enabled`, `disabled` or `compatible`. */
  readonly clusterMode?: string;
  /** `redis` or `valkey`. */
  readonly engine: string;
  readonly engineVersion?: string;
  readonly nodeType?: string;
  /** The Global Datastore the group belongs to, if any. */
  readonly globalDatastore?: string;
  /** Data tiering (r6gd nodes): values move to SSD once DRAM is full, so its memory reads near full by design. */
  readonly dataTiering?: boolean;
  /** Application Auto Scaling scalable dimensions registered on the group (another autoscaler). */
  readonly scalableTargets: readonly string[];
  readonly shards: readonly CacheShard[];
  /** The fewest replicas any shard has. */
  readonly replicasPerShard: number;
  /** When Scalepilot last changed the replicas (the group's `scalepilot:replicas-changed-at` tag). */
  readonly replicasChangedAt?: Date;
  /** The group's recent events, oldest first; undefined when they could not be read (`eventsError`). */
  readonly events?: readonly CacheEvent[];
  readonly eventsError?: string;
  /** A reshard is running (PendingModifiedValues.Resharding: slot migration in progress). */
  readonly resharding?: boolean;
  /** The account's nodes-per-cluster quota (Service Quotas, or the documented default) and its source. */
  readonly nodeQuota?: { readonly value: number; readonly source: string };
}

/** A reshard: `NodeGroupCount` = desired, naming the shards to remove on scale-in. */
export interface ReshardAction extends KindAction {
  readonly type: 'reshard';
  readonly nodeGroupsToRemove?: readonly string[];
}

/** A replica change on every shard; `desired` is the unchanged shard count, `at` names the tag's time. */
export interface ReplicasAction extends KindAction {
  readonly type: 'replicas';
  readonly replicasPerShard: number;
  readonly fromReplicas: number;
  readonly at: string;
}

/** No resharding while any node's engine CPU is at or above this (AWS's online-resharding guidance). */
export const RESHARD_CPU_LIMIT = 80;
/** On a node type with one vCPU, AWS's guidance is under 50%: the engine, the OS and slot migration share it. */
export const RESHARD_CPU_LIMIT_SINGLE_CORE = 50;
/** The node types with one vCPU (the rest have two or more). */
const SINGLE_CORE_NODE_TYPES = new Set([
  'cache.t1.micro',
  'cache.t2.micro',
  'cache.t2.small',
  'cache.m1.small',
  'cache.m1.medium',
  'cache.m3.medium',
]);

/** The engine CPU at or above which no reshard starts, for the group's node type. */
export function reshardCpuLimit(nodeType: string | undefined): number {
  return nodeType !== undefined && SINGLE_CORE_NODE_TYPES.has(nodeType)
    ? RESHARD_CPU_LIMIT_SINGLE_CORE
    : RESHARD_CPU_LIMIT;
}
/** The shards that stay need free memory of at least this many times the memory the removed ones use. */
export const MEMORY_HEADROOM_FACTOR = 1.5;
/** A scale-in must leave the projected load this far (a fraction of the threshold) below the scale-out threshold. */
export const REALARM_MARGIN = 0.1;
/** ElastiCache (Valkey, Redis OSS cluster mode enabled) allows up to 500 shards. */
export const MAX_SHARDS = 500;
/** Service Quotas' code of ElastiCache's "Nodes per cluster (cluster mode enabled)". */
export const NODES_PER_CLUSTER_QUOTA_CODE = 'L-AF354865';
/** Its documented default, used when Service Quotas cannot be read. */
export const DEFAULT_NODES_PER_CLUSTER = 90;
/**
 * The most nodes a cluster-mode-enabled group can have, whatever its quota: the quota can be raised to 500 per
 * cluster on Valkey 7.2 and later and Redis OSS 5.0.6 and later; before 5.0.6 the limit is 250 ("Managing clusters
 * in ElastiCache", https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.html). AWS refuses a change
 * past it, however high the account's quota was raised.
 */
export const MAX_NODES_PER_CLUSTER = 500;
export const MAX_NODES_PER_CLUSTER_BEFORE_5_0_6 = 250;
/** The first versions with the 500-node limit. */
const FULL_NODE_LIMIT_SINCE: Readonly<Record<string, readonly number[]>> = {
  redis: [5, 0, 6],
  valkey: [7, 2],
};

/** Online resharding needs Redis OSS 3.2.10 or later; every Valkey version has it. */
const MIN_REDIS_RESHARD_VERSION = [3, 2, 10] as const;

/** `version` (`5.0.6`, `6.x`) is `min` or later; false when a part it needs is not a number. */
function versionAtLeast(version: string, min: readonly number[]): boolean {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < min.length; i++) {
    const have = parts[i] ?? 0;
    const need = min[i] ?? 0;
    if (Number.isNaN(have)) return false;
    if (have !== need) return have > need;
  }
  return true;
}

/**
 * The node limit of a cluster of this engine and version (MAX_NODES_PER_CLUSTER or, before Redis OSS 5.0.6, 250).
 * A Valkey group's version is not read (every Valkey ElastiCache runs is 7.2 or later); an unknown Redis OSS
 * version counts as the lower.
 */
export function engineNodeLimit(engine: string, version: string | undefined): number {
  const since = FULL_NODE_LIMIT_SINCE[engine];
  if (engine === 'valkey' && version === undefined) return MAX_NODES_PER_CLUSTER;
  return since && version !== undefined && versionAtLeast(version, since)
    ? MAX_NODES_PER_CLUSTER
    : MAX_NODES_PER_CLUSTER_BEFORE_5_0_6;
}

/** The group's tag recording when Scalepilot last changed its replicas (for the shards/replicas cooldown). */
export const REPLICAS_TAG = 'scalepilot:replicas-changed-at';

/**
 * Why Scalepilot must not scale this group at all (validate, plan and every evaluation say it): cluster
 * mode disabled, a Global Datastore member, an engine without online resharding, another autoscaler, data
 * tiering.
 */
export function cacheShardsRefusals(observation: CacheShardsObservation): string[] {
  const refusals: string[] = [];
  const id = observation.groupId;
  if (!observation.clusterEnabled)
    refusals.push(
      observation.clusterMode === 'compatible'
        ? `replication group "${id}" is in cluster mode compatible: ElastiCache allows no scaling until its migration to cluster mode enabled completes`
        : `replication group "${id}" has cluster mode disabled: it has one shard, and shards can be added online only with cluster mode enabled`,
    );
  if (observation.globalDatastore)
    refusals.push(
      `replication group "${id}" is a member of Global Datastore "${observation.globalDatastore}": its shards change only through the global replication group`,
    );
  if (!supportsOnlineResharding(observation.engine, observation.engineVersion))
    refusals.push(
      `replication group "${id}" runs ${observation.engine} ${observation.engineVersion ?? '(unknown version)'}: online resharding needs Valkey or Redis OSS 3.2.10 or later`,
    );
  if (observation.dataTiering)
    refusals.push(
      `replication group "${id}" uses data tiering: its DRAM fills by design (values move to SSD), so DatabaseMemoryUsagePercentage, which the memory rule and the scale-in headroom read, says every shard is full; Scalepilot does not scale data-tiering groups`,
    );
  if (observation.scalableTargets.length > 0)
    refusals.push(
      `replication group "${id}" already has an Application Auto Scaling scalable target (${observation.scalableTargets.join(', ')}): two autoscalers would fight; deregister it or remove this target`,
    );
  return refusals;
}

export function supportsOnlineResharding(engine: string, version: string | undefined): boolean {
  if (engine === 'valkey') return true;
  if (engine !== 'redis' || !version) return false;
  return versionAtLeast(version, MIN_REDIS_RESHARD_VERSION);
}

/**
 * Each shard's newest value of a rule's metric (CPU: the highest of its nodes; the rest: its primary's);
 * undefined when any is missing, or a shard's primary is unknown.
 */
export function perShardValues(
  target: Target,
  rule: Rule,
  observation: CacheShardsObservation,
  series: readonly (readonly MetricReading[])[] | undefined,
  now: Date,
): Map<string, number> | undefined {
  const shards = shardReadings(target, rule, observation, series, now);
  if (!shards) return undefined;
  const values = new Map<string, number>();
  for (const { shard, series: counted } of shards) {
    if (counted.length === 0) return undefined;
    for (const one of counted) {
      const value = newestFresh(target, rule, one, now);
      if (value === undefined) return undefined;
      values.set(shard, Math.max(values.get(shard) ?? Number.NEGATIVE_INFINITY, value));
    }
  }
  return values;
}

/** The threshold above which a rule scales out (step: its lowest `above`; tracking: the band's top). */
export function scaleOutThreshold(rule: Rule): number {
  if (rule.type === 'step') return Math.min(...rule.scaleOut.map((s) => s.above));
  return rule.target * (1 + rule.tolerance);
}

export function breachesOut(rule: Rule, value: number | null | undefined): boolean {
  return value !== null && value !== undefined && value > scaleOutThreshold(rule);
}

/** Which shards a scale-in removes: those holding the least memory (ties: the highest-numbered). */
export function shardsToRemove(memory: ReadonlyMap<string, number>, count: number): string[] {
  return [...memory]
    .sort((a, b) => a[1] - b[1] || b[0].localeCompare(a[0]))
    .slice(0, count)
    .map(([id]) => id);
}

/**
 * AWS's online-resharding guidance: the shards that stay need free memory of at least 1.5× the memory the
 * removed ones use (all shards of a group have the same node type, so percentages add up), and each of them
 * for its share: ElastiCache spreads the removed shards' slots over those that stay, so a full shard beside two
 * empty ones overflows though the three together have room ("Online cluster resizing": a scale-in whose target
 * shards lack the memory completes in part). `fullest`: the shard that stays with the least free memory.
 */
export function memoryHeadroom(
  memory: ReadonlyMap<string, number>,
  removed: readonly string[],
): { ok: boolean; free: number; needed: number; fullest?: { shard: string; free: number; needed: number } } {
  let used = 0;
  let free = 0;
  let fullest: { shard: string; free: number } | undefined;
  for (const [shard, percent] of memory) {
    if (removed.includes(shard)) {
      used += percent;
      continue;
    }
    const own = Math.max(0, 100 - percent);
    free += own;
    if (!fullest || own < fullest.free) fullest = { shard, free: own };
  }
  const needed = MEMORY_HEADROOM_FACTOR * used;
  const staying = memory.size - removed.length;
  const share = staying > 0 ? needed / staying : Number.POSITIVE_INFINITY;
  const ok = free >= needed && (fullest === undefined || fullest.free >= share);
  return { ok, free, needed, ...(fullest ? { fullest: { ...fullest, needed: share } } : {}) };
}

/**
 * The load on the busiest shard that stays once the removed shards' share moved to them (spread evenly over
 * those that stay): a scale-in must not bring any shard to its scale-out threshold, whatever their mean.
 */
export function projectedLoad(values: ReadonlyMap<string, number>, removed: readonly string[]): number {
  let moved = 0;
  let busiest = 0;
  for (const [shard, value] of values)
    if (removed.includes(shard)) moved += value;
    else busiest = Math.max(busiest, value);
  const staying = values.size - removed.length;
  return staying > 0 ? busiest + moved / staying : Number.POSITIVE_INFINITY;
}

/**
 * The CloudWatch metrics one rule reads: per node for the group's own metrics (with each node's IsMaster where
 * the shard's primary must be told: `ruleReads`), else the rule's metric.
 */
export function cacheMetricsFor(
  target: Target,
  rule: Rule,
  observation: CacheShardsObservation,
): (MetricSpec & { readonly dimensions: Record<string, string> })[] {
  const reads = ruleReads(target, rule, observation);
  if (reads.length > 0) return reads.map((read) => readMetric(rule, read));
  return [
    {
      ...rule.metric,
      dimensions: rule.metric.dimensions ?? { ReplicationGroupId: observation.groupId },
    },
  ];
}

/**
 * One rule's series as the decision reads it: the hottest per period of those that count (every node's CPU, each
 * primary's other metrics), so the hottest shard can force a scale-out. A shard whose primary is unknown holds
 * the whole rule (no series: as a missing metric, it never scales in), rather than read the others alone.
 */
export function cacheCombined(
  target: Target,
  rule: Rule,
  series: readonly (readonly MetricReading[])[],
  observation: CacheShardsObservation,
  now: Date,
): MetricReading[] {
  const shards = shardReadings(target, rule, observation, series, now);
  if (!shards || shards.some((s) => s.series.length === 0)) return [];
  return hottestPerPeriod(shards.flatMap((s) => s.series));
}

/** Several nodes' series as one: the hottest per period, so the hottest shard can force a scale-out. */
export function hottestPerPeriod(series: readonly (readonly MetricReading[])[]): MetricReading[] {
  const byTime = new Map<number, number>();
  for (const points of series)
    for (const p of points) {
      const t = p.timestamp.getTime();
      byTime.set(t, Math.max(byTime.get(t) ?? Number.NEGATIVE_INFINITY, p.value));
    }
  return [...byTime].sort((a, b) => a[0] - b[0]).map(([t, value]) => ({ timestamp: new Date(t), value }));
}

/** The capacity view: shards; busy while the group or a shard is not `available`. */
export function cacheCapacity(observation: CacheShardsObservation): CapacityState {
  const current = observation.shards.length;
  const serving = observation.shards.filter((s) => s.status === 'available').length;
  const busy =
    observation.status !== 'available'
      ? `replication group is ${observation.status}`
      : serving < current
        ? `${current - serving} shard(s) not available`
        : undefined;
  return { current, serving, liveMin: 1, liveMax: MAX_SHARDS, ...(busy ? { busy } : {}) };
}

/** ElastiCache shards (Valkey, Redis OSS cluster mode enabled): resharded online, minutes per operation. */
export const cacheShardsModel: KindModel<CacheShardsObservation> = {
  capacity: (_target, observation) => cacheCapacity(observation),
  gate: (input) => gateCacheShards(input),
  metricsFor: (target, rule, observation) => cacheMetricsFor(target, rule, observation),
  combine: (target, rule, series, observation, now) => cacheCombined(target, rule, series, observation, now),
  settle: (_target, intent, observation, now) =>
    intent.action?.type === 'replicas'
      ? settleReplicas(intent.action as ReplicasAction, intent, observation, now)
      : withKeptShards(settleReshard(intent, observation, now), intent, observation),
  rememberRemovals: (input) => rememberRemovals(input),
  settlesAtOnce: false,
};

export {
  REPLICAS_DEADLINE_MINUTES,
  RESHARD_DEADLINE_MINUTES_PER_SHARD,
  settleReplicas,
  settleReshard,
} from './cacheShardsSettle';
