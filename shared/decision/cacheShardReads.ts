import { CACHE_CPU_METRIC, type MetricSpec, type Rule, type Target } from '../policy/schema';
import type { CacheShard, CacheShardsObservation } from './cacheShards';
import { ruleSample } from './ruleReadings';
import type { MetricReading } from './types';

// Which node's metrics stand for a shard. CPU is read on every node (replicas serve reads); the other metrics
// (memory, connections, commands, network) on the shard's primary. With cluster mode enabled ElastiCache's
// describe gives no CurrentRole, and a failover (a node failure, maintenance) promotes a replica, so the member
// order says nothing: the primary is told by ElastiCache's per-node IsMaster metric, read in the same
// GetMetricData as the rules, period by period.

/**
 * ElastiCache's per-node metric (AWS/ElastiCache, per CacheClusterId): 1 on the shard's primary, 0 on a replica.
 * AWS's pages now say "primary", but the metric keeps its first name, `IsMaster` (monitoring integrations list it
 * so, e.g. Datadog's `aws.elasticache.is_master`); an `IsPrimary` was read until round thirty, which AWS never
 * publishes: every shard's primary was then assumed to be its first member, wrong after any failover.
 */
export const PRIMARY_METRIC = 'IsMaster';

/**
 * IsMaster is read as the period's Minimum: 1 only on a node that was primary throughout the period, so the
 * period of a failover names no primary (its value is neither node's alone) rather than two.
 */
const PRIMARY_STATISTIC = 'Minimum';

/** A per-node metric of the group: read per node (CacheClusterId) unless the rule names its own dimensions. */
export function perNode(target: Target, rule: Rule): boolean {
  return (
    target.kind === 'cache-shards' && rule.metric.namespace === 'AWS/ElastiCache' && !rule.metric.dimensions
  );
}

/** The host's CPU (AWS/ElastiCache, per CacheClusterId): the engine thread, its I/O threads, the OS, slot migration. */
export const HOST_CPU_METRIC = 'CPUUtilization';

/** CPU is read on every node (replicas serve reads); the data set metrics on each shard's primary. */
export function isCpu(rule: Rule): boolean {
  return rule.metric.name === CACHE_CPU_METRIC || rule.metric.name === HOST_CPU_METRIC;
}

/**
 * Where the reshard gate finds each node's host CPU: a per-node rule on CPUUtilization of the target's own (`own`:
 * its series are the host's), else riding on the first per-node rule on engine CPU (the schema requires one) as
 * queries of its own in the same GetMetricData (`carried`).
 */
export function hostCpuSource(target: Target): { rule: Rule; how: 'own' | 'carried' } | undefined {
  const own = target.rules.find((r) => perNode(target, r) && r.metric.name === HOST_CPU_METRIC);
  if (own) return { rule: own, how: 'own' };
  const engine = target.rules.find((r) => perNode(target, r) && r.metric.name === CACHE_CPU_METRIC);
  return engine ? { rule: engine, how: 'carried' } : undefined;
}

/**
 * One series a rule reads on one node of one shard: its own metric (`value`), IsMaster (`role`), or the host's
 * CPU for the reshard gate (`host`).
 */
export interface NodeRead {
  readonly shard: string;
  readonly node: string;
  readonly what: 'value' | 'role' | 'host';
}

/** The node that is the primary without asking IsMaster: the shard's only node, or the one the describe calls so. */
function describedPrimary(shard: CacheShard): { node: string; how: 'only' | 'described' } | undefined {
  const [first, ...rest] = shard.nodes;
  if (first && rest.length === 0) return { node: first.id, how: 'only' };
  const described = shard.nodes.find((n) => n.role === 'primary');
  return described ? { node: described.id, how: 'described' } : undefined;
}

/**
 * What one rule reads, in the order of `metricsFor` (the gates pair the series with it by position): a CPU rule
 * every node (the one carrying the host CPU, each node's host CPU too); another the primary when it is known from
 * the describe, else every node of the shard and each node's IsMaster, so the primary's series is chosen once the
 * metrics are read (no second read).
 */
export function ruleReads(target: Target, rule: Rule, observation: CacheShardsObservation): NodeRead[] {
  if (!perNode(target, rule)) return [];
  const host = hostCpuSource(target);
  const carries = host?.how === 'carried' && host.rule === rule;
  return observation.shards.flatMap((shard) => {
    const every = (what: NodeRead['what']) => shard.nodes.map((n) => ({ shard: shard.id, node: n.id, what }));
    if (isCpu(rule)) return carries ? [...every('value'), ...every('host')] : every('value');
    const known = describedPrimary(shard);
    if (known) return [{ shard: shard.id, node: known.node, what: 'value' as const }];
    return [...every('value'), ...every('role')];
  });
}

/** The CloudWatch metric of one read: the rule's, the host's CPU as the rule reads its own, or IsMaster over its period. */
export function readMetric(
  rule: Rule,
  read: NodeRead,
): MetricSpec & { readonly dimensions: Record<string, string> } {
  const dimensions = { CacheClusterId: read.node };
  if (read.what === 'value') return { ...rule.metric, dimensions };
  if (read.what === 'host') return { ...rule.metric, name: HOST_CPU_METRIC, dimensions };
  return {
    namespace: 'AWS/ElastiCache',
    name: PRIMARY_METRIC,
    statistic: PRIMARY_STATISTIC,
    periodSeconds: rule.metric.periodSeconds,
    dimensions,
  };
}

/**
 * How a shard's primary was told: `only` (one node), `described` (CurrentRole), `metric` (IsMaster names one
 * node), `assumed` (no fresh IsMaster on any node: the first member is read, as before IsMaster was read), or
 * `unknown` (fresh IsMaster names no node or several: no node is read, the rule is held).
 */
export type ShardPrimary =
  | { readonly how: 'only' | 'described' | 'metric' | 'assumed'; readonly node: string }
  | { readonly how: 'unknown'; readonly primaries: readonly string[] };

/**
 * The value of one series the gates judge: its newest complete datapoint, if fresh, as the decision samples a rule
 * (ruleSample: complete periods only, the rule's staleness).
 */
export function newestFresh(
  target: Target,
  rule: Rule,
  series: readonly MetricReading[] | undefined,
  now: Date,
): number | undefined {
  return ruleSample(target, rule, series, now)?.newest;
}

const isPrimaryValue = (value: number | undefined) => value !== undefined && value >= 1;

/**
 * The shard's primary now, from each node's IsMaster as `rule` reads it (`roles[i]` is `nodes[i]`'s, oldest
 * first): each node's newest fresh datapoint. None fresh: the first member, assumed. Fresh ones naming exactly
 * one node: that node. Naming none (a failover's period, the primary not reporting) or several: unknown, no guess.
 */
export function shardPrimary(
  target: Target,
  rule: Rule,
  nodes: readonly string[],
  roles: readonly (readonly MetricReading[])[],
  now: Date,
): ShardPrimary {
  const newest = nodes.map((_, i) => newestFresh(target, rule, roles[i], now));
  if (newest.every((v) => v === undefined)) return { how: 'assumed', node: nodes[0] ?? '' };
  const primaries = nodes.filter((_, i) => isPrimaryValue(newest[i]));
  const [only] = primaries;
  return primaries.length === 1 && only !== undefined
    ? { how: 'metric', node: only }
    : { how: 'unknown', primaries };
}

/**
 * The primary's series, period by period: each period's value from the one node IsMaster says was primary
 * throughout it, so the minutes before a failover are the old primary's; a period naming none or several is left
 * out. `values[i]` and `roles[i]` are one node's.
 */
export function primaryPerPeriod(
  values: readonly (readonly MetricReading[])[],
  roles: readonly (readonly MetricReading[])[],
): MetricReading[] {
  const byTime = (s: readonly MetricReading[] | undefined) =>
    new Map((s ?? []).map((p) => [p.timestamp.getTime(), p.value]));
  const valueAt = values.map(byTime);
  const roleAt = roles.map(byTime);
  const times = [...new Set(roleAt.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  const series: MetricReading[] = [];
  for (const t of times) {
    const primaries = roleAt.flatMap((m, i) => (isPrimaryValue(m.get(t)) ? [i] : []));
    const [only] = primaries;
    const value = primaries.length === 1 && only !== undefined ? valueAt[only]?.get(t) : undefined;
    if (value !== undefined) series.push({ timestamp: new Date(t), value });
  }
  return series;
}

/** One shard as one rule reads it: the series that count (each node's for CPU, the primary's for the rest). */
export interface ShardReading {
  readonly shard: string;
  /** Empty when the primary is unknown: the rule has no reading of the shard. */
  readonly series: readonly (readonly MetricReading[])[];
  /** How the primary was told (rules read on the primary). */
  readonly primary?: ShardPrimary;
}

/**
 * Each shard as one rule reads it, from the series read for `ruleReads` (in its order); undefined when they do
 * not match it (a rule not read per node, or series missing).
 */
export function shardReadings(
  target: Target,
  rule: Rule,
  observation: CacheShardsObservation,
  series: readonly (readonly MetricReading[])[] | undefined,
  now: Date,
): ShardReading[] | undefined {
  const reads = ruleReads(target, rule, observation);
  if (reads.length === 0 || !series || series.length !== reads.length) return undefined;
  const byShard = new Map<string, Record<NodeRead['what'], MetricReading[][]>>();
  reads.forEach((r, i) => {
    const own = byShard.get(r.shard) ?? { value: [], role: [], host: [] };
    own[r.what].push([...(series[i] ?? [])]);
    byShard.set(r.shard, own);
  });
  return observation.shards.map((shard) => {
    const { value: values, role: roles } = byShard.get(shard.id) ?? { value: [], role: [], host: [] };
    if (isCpu(rule)) return { shard: shard.id, series: values };
    const known = describedPrimary(shard);
    if (known) return { shard: shard.id, series: values, primary: known };
    const nodes = shard.nodes.map((n) => n.id);
    const primary = shardPrimary(target, rule, nodes, roles, now);
    const chosen =
      primary.how === 'unknown'
        ? []
        : primary.how === 'assumed'
          ? values.slice(0, 1)
          : [primaryPerPeriod(values, roles)];
    return { shard: shard.id, series: chosen, primary };
  });
}

/**
 * Each node's newest fresh host CPU (CPUUtilization), from where `hostCpuSource` says it is read; undefined when
 * any node's is missing or stale, or the series do not match the reads.
 */
export function hostCpuPerNode(
  target: Target,
  observation: CacheShardsObservation,
  metrics: Readonly<Record<string, readonly (readonly MetricReading[])[]>>,
  now: Date,
): Map<string, number> | undefined {
  const source = hostCpuSource(target);
  if (!source) return undefined;
  const reads = ruleReads(target, source.rule, observation);
  const series = metrics[source.rule.name];
  if (reads.length === 0 || !series || series.length !== reads.length) return undefined;
  const wanted = source.how === 'own' ? 'value' : 'host';
  const values = new Map<string, number>();
  for (const [i, read] of reads.entries()) {
    if (read.what !== wanted) continue;
    const value = newestFresh(target, source.rule, series[i], now);
    if (value === undefined) return undefined;
    values.set(read.node, value);
  }
  return values.size > 0 ? values : undefined;
}
