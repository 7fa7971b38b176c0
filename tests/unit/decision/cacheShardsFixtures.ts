import type { CacheShardsObservation } from '../../../shared/decision/cacheShards';
import { cacheMetricsFor, cacheShardsModel } from '../../../shared/decision/cacheShards';
import { decideCapacity } from '../../../shared/decision/decideCapacity';
import type { MetricReading, ScalingHistory } from '../../../shared/decision/types';
import { emptyHistory } from '../../../shared/decision/types';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { CacheShardsTarget } from '../../../shared/policy/schema';

// Fixtures of the cache-shards model tests (unit and property): a target, a group, one evaluation.

export const NOW = new Date('2026-11-30T12:00:30Z');
export const ago = (s: number) => new Date(NOW.getTime() - s * 1000);

/**
 * The seeds' cache rules: engine CPU above `cpuAbove` (70%) or memory above 80% adds a shard; below 30% and 40%
 * they remove `remove` (1).
 */
export function cacheRules({ cpuAbove = 70, remove = 1 } = {}) {
  return [
    {
      name: 'engine-cpu',
      type: 'step',
      metric: { namespace: 'AWS/ElastiCache', name: 'EngineCPUUtilization' },
      scaleOut: [{ above: cpuAbove, add: 1 }],
      scaleIn: [{ below: 30, remove }],
    },
    {
      name: 'memory',
      type: 'step',
      metric: { namespace: 'AWS/ElastiCache', name: 'DatabaseMemoryUsagePercentage' },
      scaleOut: [{ above: 80, add: 1 }],
      scaleIn: [{ below: 40, remove }],
    },
  ];
}

export function cacheTarget(extra: Record<string, unknown> = {}): CacheShardsTarget {
  return validatePolicy({
    version: 1,
    targets: [
      {
        name: 'sessions',
        kind: 'cache-shards',
        replicationGroupId: 'rg',
        capacity: { min: 2, max: 6 },
        rules: cacheRules(),
        ...extra,
      },
    ],
  }).targets[0] as CacheShardsTarget;
}

/**
 * A group of `shards` shards with `replicas` replicas each: node ids as ElastiCache names them, no CurrentRole
 * (cluster mode enabled: the primary is told by IsMaster, which `evaluate` answers).
 */
export function group(
  shards: number,
  replicas = 1,
  extra: Partial<CacheShardsObservation> = {},
): CacheShardsObservation {
  return {
    groupId: 'rg',
    status: 'available',
    clusterEnabled: true,
    engine: 'valkey',
    engineVersion: '8.0',
    nodeType: 'cache.r7g.large',
    scalableTargets: [],
    replicasPerShard: replicas,
    events: [],
    shards: Array.from({ length: shards }, (_, i) => {
      const id = String(i + 1).padStart(4, '0');
      return {
        id,
        status: 'available',
        nodes: Array.from({ length: replicas + 1 }, (_, n) => ({
          id: `rg-${id}-${String(n + 1).padStart(3, '0')}`,
        })),
      };
    }),
    ...extra,
  };
}

/** Three fresh one-minute datapoints of `value` (none when undefined: a missing metric). */
const flat = (value: number | undefined): MetricReading[] =>
  value === undefined ? [] : [3, 2, 1].map((k) => ({ value, timestamp: ago(30 + k * 60) }));

export interface Load {
  /** Each non-CPU rule's value on a node (memory, by default the same on every node of a shard). */
  memory: (shard: string, node: string, rule: string) => number | undefined;
  cpu: (node: string) => number | undefined;
  /** Each node's host CPUUtilization (default: its engine CPU, `cpu`). */
  hostCpu?: (node: string) => number | undefined;
  /** Each node's IsMaster (undefined: no datapoint); default: 1 on each shard's first member, as created. */
  isPrimary?: (node: string) => number | undefined;
}

/** IsMaster as ElastiCache publishes it on a group that never failed over: 1 on each first member. */
export const firstMemberPrimary = (node: string) => (node.endsWith('-001') ? 1 : 0);

/**
 * One evaluation as evaluateTargets runs it: the series each rule reads (one per node, from `load`),
 * combined by the model, the generic decision, then the gates.
 */
export function evaluate(
  target: CacheShardsTarget,
  observation: CacheShardsObservation,
  load: Load,
  history: ScalingHistory = emptyHistory,
) {
  const metrics: Record<string, MetricReading[][]> = {};
  const combined: Record<string, MetricReading[]> = {};
  for (const rule of target.rules) {
    metrics[rule.name] = cacheMetricsFor(target, rule, observation).map(({ name, dimensions }) => {
      const node = dimensions.CacheClusterId ?? '';
      const shard = node.split('-').at(-2) ?? '';
      if (name === 'IsMaster') return flat((load.isPrimary ?? firstMemberPrimary)(node));
      if (name === 'CPUUtilization') return flat((load.hostCpu ?? load.cpu)(node));
      return flat(
        rule.metric.name === 'EngineCPUUtilization' ? load.cpu(node) : load.memory(shard, node, rule.name),
      );
    });
    combined[rule.name] =
      cacheShardsModel.combine?.(target, rule, metrics[rule.name] ?? [], observation, NOW) ?? [];
  }
  const decision = decideCapacity({
    target,
    policyMaxUnitsPerDecision: 4,
    state: cacheShardsModel.capacity(target, observation, NOW),
    readings: combined,
    history,
    now: NOW,
  });
  const outcome = cacheShardsModel.gate({ target, decision, observation, history, metrics, now: NOW });
  return { decision, outcome };
}
