import { CACHE_CPU_METRIC, CACHE_MEMORY_METRIC, type CacheShardsTarget, type Target } from '../policy/schema';
import { hostCpuPerNode, perNode } from './cacheShardReads';
import { describeFailedRemovals, FAILED_REMOVAL_MEMORY_HOURS, failedRemovalsNow } from './cacheShardRemovals';
import {
  breachesOut,
  type CacheShardsObservation,
  cacheShardsRefusals,
  DEFAULT_NODES_PER_CLUSTER,
  engineNodeLimit,
  MAX_NODES_PER_CLUSTER,
  MEMORY_HEADROOM_FACTOR,
  memoryHeadroom,
  NODES_PER_CLUSTER_QUOTA_CODE,
  perShardValues,
  projectedLoad,
  REALARM_MARGIN,
  RESHARD_CPU_LIMIT,
  type ReplicasAction,
  type ReshardAction,
  reshardCpuLimit,
  scaleOutThreshold,
  shardsToRemove,
} from './cacheShards';
import type { GateOutcome } from './kindModel';
import { shardPrimaryFindings } from './shardPrimaryGate';
import type { Decision, MetricReading, ReasonCode, ScalingHistory } from './types';

// The cache-shards gates (issues 13 and 21): what the generic decision asked for, answered with replicas on
// every shard (read load alone) or a reshard, each within its cooldown, headroom, re-alarm margin and the
// account's node quota. cacheShardsModel.gate calls gateCacheShards.

/** The engine as AWS's pages name it. */
const engineName = (engine: string) => (engine === 'valkey' ? 'Valkey' : 'Redis OSS');

/**
 * Refuses a change whose nodes would pass the account's quota or the engine's own node limit (250 before Redis OSS
 * 5.0.6, 500 after: engineNodeLimit): ElastiCache would refuse it after the intent was written; told once, as a
 * target at a limit. The lower of the two binds and names the reason: past the engine's, a quota increase cannot
 * help. `nodes`: how many the group would have, counted as the change makes them.
 */
function nodeQuotaOutcome(
  observation: CacheShardsObservation,
  nodes: { readonly count: number; readonly how: string },
  what: string,
): GateOutcome | undefined {
  const quota = observation.nodeQuota ?? { value: DEFAULT_NODES_PER_CLUSTER, source: 'documented default' };
  const engine = engineNodeLimit(observation.engine, observation.engineVersion);
  const runs = `${engineName(observation.engine)} ${observation.engineVersion ?? '(unknown version)'}`;
  const would = `${what} would make ${nodes.count} nodes (${nodes.how})`;
  if (engine <= quota.value && nodes.count > engine)
    return {
      skip: 'EngineNodeLimitReached',
      notify: true,
      message: `${would}, over the ${engine} nodes a cluster of ${runs} can have whatever the quota (${quota.value}, ${quota.source}; ${MAX_NODES_PER_CLUSTER} from Redis OSS 5.0.6 and Valkey 7.2); upgrade the engine or lower capacity.max`,
    };
  if (nodes.count <= quota.value) return undefined;
  const capped = nodes.count > engine ? `, and ${runs} allows at most ${engine} whatever the quota` : '';
  return {
    skip: 'NodeQuotaReached',
    notify: true,
    message: `${would}, over the account's ${quota.value} nodes per cluster (${quota.source})${capped}; ask for a quota increase (Service Quotas ${NODES_PER_CLUSTER_QUOTA_CODE}) or lower capacity.max`,
  };
}

/** A replica count for every shard: each shard then has `replicas` + 1 nodes. */
function nodesWithReplicas(observation: CacheShardsObservation, replicas: number) {
  const shards = observation.shards.length;
  return { count: shards * (replicas + 1), how: `${shards} shards × ${replicas + 1}` };
}

/**
 * A reshard out to `to` shards: the shards there keep their nodes (uneven ones too: a replica added or lost
 * by hand), and each new shard gets the fewest any shard has, as ElastiCache gives it.
 */
function nodesAfterReshardOut(observation: CacheShardsObservation, to: number) {
  const now = observation.shards.reduce((n, s) => n + s.nodes.length, 0);
  const added = to - observation.shards.length;
  const each = observation.replicasPerShard + 1;
  return { count: now + added * each, how: `${now} now + ${added} new shards × ${each}` };
}
const pct = (v: number) => `${Math.round(v * 10) / 10}%`;

/** The rules of a target whose breaches change replicas, not shards. */
function readRules(target: CacheShardsTarget): Set<string> {
  return new Set(target.replicaScaling?.rules ?? []);
}

function cooldownLeft(since: Date | undefined, seconds: number, now: Date): number {
  if (!since) return 0;
  return Math.max(0, seconds - (now.getTime() - since.getTime()) / 1000);
}

interface GateInput {
  readonly target: Target;
  readonly decision: Decision;
  readonly observation: CacheShardsObservation;
  readonly history: ScalingHistory;
  readonly metrics: Readonly<Record<string, readonly (readonly MetricReading[])[]>>;
  /** The shards AWS kept when a scale-in asked to remove them, with when (the target's ledger record). */
  readonly failedRemovals?: Readonly<Record<string, Date>>;
  readonly now: Date;
}

/** A change of the replicas per shard, if read scaling asks for one now; else why not (or nothing). */
function replicaOutcome(input: GateInput, direction: 'out' | 'in'): GateOutcome | undefined {
  const { target, observation, now } = input;
  if (target.kind !== 'cache-shards' || !target.replicaScaling) return undefined;
  const { min, max } = target.replicaScaling;
  const replicas = observation.replicasPerShard;
  const next = direction === 'out' ? replicas + 1 : replicas - 1;
  if (next > max || next < min) return undefined;
  const held =
    replicaCooldown(input, replicas, next, direction) ??
    replicasWouldReAlarm(input, replicas, next, direction);
  if (held) return held;
  const quota = nodeQuotaOutcome(
    observation,
    nodesWithReplicas(observation, next),
    `replicas ${replicas} → ${next}`,
  );
  if (quota) return quota;
  const act: ReplicasAction = {
    type: 'replicas',
    desired: observation.shards.length,
    // Minutes of work on every shard: the pending operation until the group says it ended.
    pending: true,
    replicasPerShard: next,
    fromReplicas: replicas,
    at: now.toISOString(),
  };
  return {
    act,
    reason: direction === 'out' ? 'ReplicasScaledOut' : 'ReplicasScaledIn',
    message:
      direction === 'out'
        ? `read load: replicas per shard ${replicas} → ${next} instead of a reshard`
        : `replicas per shard ${replicas} → ${next} before any shard is removed`,
  };
}

/** A replica change waits for the last reshard's cooldown, and its own direction's. */
function replicaCooldown(
  { target, observation, history, now }: GateInput,
  replicas: number,
  next: number,
  direction: 'out' | 'in',
): GateOutcome | undefined {
  // Never replicas inside a reshard's cooldown: a reshard moves the load the replicas answer.
  const afterReshard = Math.max(
    cooldownLeft(history.lastScaleOutAt, target.cooldowns.scaleOutSeconds, now),
    cooldownLeft(history.lastScaleInAt, target.cooldowns.scaleInSeconds, now),
  );
  if (afterReshard > 0)
    return {
      skip: 'ShardsAndReplicasExclusive',
      message: `replicas ${replicas} → ${next} waits ${Math.ceil(afterReshard)} s: the last reshard's cooldown is running`,
    };
  const seconds = direction === 'out' ? target.cooldowns.scaleOutSeconds : target.cooldowns.scaleInSeconds;
  const own = cooldownLeft(observation.replicasChangedAt, seconds, now);
  if (own > 0)
    return {
      skip: direction === 'out' ? 'ScaleOutCooldown' : 'ScaleInCooldown',
      message: `replicas ${replicas} → ${next} waits ${Math.ceil(own)} s: the last replica change's cooldown is running`,
    };
  return undefined;
}

/** Fewer replicas per shard: the read load of the rest rises; held when it would re-alarm. */
function replicasWouldReAlarm(
  { target, decision }: GateInput,
  replicas: number,
  next: number,
  direction: 'out' | 'in',
): GateOutcome | undefined {
  if (direction === 'out' || target.kind !== 'cache-shards') return undefined;
  // The nodes of each shard go from replicas + 1 to replicas.
  for (const rule of target.rules.filter((r) => readRules(target).has(r.name))) {
    const value = decision.metrics[rule.name];
    if (value === null || value === undefined) continue;
    const projected = (value * (replicas + 1)) / replicas;
    const limit = scaleOutThreshold(rule) * (1 - REALARM_MARGIN);
    if (projected >= limit)
      return {
        skip: 'WouldReAlarm',
        message: `replicas ${replicas} → ${next} would bring ${rule.name} to ${pct(projected)}, not below ${pct(limit)} (the scale-out threshold less ${REALARM_MARGIN * 100}%)`,
      };
  }
  return undefined;
}

/** The gates of a reshard the generic decision asked for. */
function reshardOutcome(input: GateInput): GateOutcome {
  const { target, decision, observation, now } = input;
  if (target.kind !== 'cache-shards') return { pass: true };
  const from = decision.current;
  const to = decision.desired;
  // Never a reshard inside a replica change's cooldown (each changes the other's load).
  const afterReplicas = cooldownLeft(
    observation.replicasChangedAt,
    Math.max(target.cooldowns.scaleOutSeconds, target.cooldowns.scaleInSeconds),
    now,
  );
  if (afterReplicas > 0)
    return {
      skip: 'ShardsAndReplicasExclusive',
      message: `reshard ${from} → ${to} waits ${Math.ceil(afterReplicas)} s: the replicas changed at ${observation.replicasChangedAt?.toISOString()}`,
    };
  const cpu = reshardCpuOutcome(input, target);
  if (cpu) return cpu;
  if (to > from) {
    const quota = nodeQuotaOutcome(
      observation,
      nodesAfterReshardOut(observation, to),
      `reshard ${from} → ${to}`,
    );
    if (quota) return quota;
    return { pass: true, act: { type: 'reshard', desired: to } satisfies ReshardAction };
  }
  return shardRemoval(input, target);
}

type CacheTarget = Extract<GateInput['target'], { kind: 'cache-shards' }>;

/**
 * No resharding while a node's CPU is high, or unknown: slot migration needs CPU the nodes do not have. Both of
 * each node's readings count, against one limit for its node type (reshardCpuLimit: 80%, 50% on one vCPU):
 * - the host's CPUUtilization: AWS's online-resharding guidance ("keep CPU utilization under 80 percent on
 *   multicore instances and less than 50 percent on single core instances", naming CPUUtilization:
 *   https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/best-practices-online-resharding.html) is the host's,
 *   where the migration, the I/O threads, backups and the OS run beside the engine; on 2 vCPUs or fewer it is the
 *   metric AWS says to watch ("Which Metrics Should I Monitor?", CacheMetrics.WhichShouldIMonitor.html);
 * - the engine thread's EngineCPUUtilization, which AWS says to watch on larger nodes: the engine is single-threaded,
 *   so a saturated engine reads 25% of a 4-vCPU host, and half or a little more of a 2-vCPU one: under the host's limit.
 * A scale-out held so is told (once, and again when it changes): the cache rules have no alarms of their own, and a
 * group that needs shards would otherwise fill its memory toward evictions unseen.
 */
function reshardCpuOutcome(input: GateInput, target: CacheTarget): GateOutcome | undefined {
  const { decision, observation, metrics, now } = input;
  const [from, to] = [decision.current, decision.desired];
  const cpuRules = target.rules.filter((r) => r.metric.name === CACHE_CPU_METRIC && perNode(target, r));
  const engine = cpuRules.map((r) => perShardValues(target, r, observation, metrics[r.name], now));
  const host = hostCpuPerNode(target, observation, metrics, now);
  const notify = to > from;
  const missing = [
    ...(engine.length === 0 || engine.some((v) => v === undefined) ? ['engine CPU'] : []),
    ...(host === undefined ? ['host CPU (CPUUtilization)'] : []),
  ];
  if (missing.length > 0)
    return {
      skip: 'ReshardBlockedByCpu',
      message: `reshard ${from} → ${to} held: the ${missing.join(' and the ')} of every node is needed to reshard safely and is missing`,
      notify,
    };
  const hottest = (values: Iterable<number>) => Math.max(...values);
  const readings = [
    { what: 'engine CPU', value: hottest(engine.flatMap((v) => [...(v ?? new Map()).values()])) },
    { what: 'host CPU', value: hottest(host?.values() ?? []) },
  ];
  const limit = reshardCpuLimit(observation.nodeType);
  const over = readings.filter((r) => r.value >= limit).sort((a, b) => b.value - a.value)[0];
  if (!over) return undefined;
  const singleCore = limit === RESHARD_CPU_LIMIT ? '' : ` (a ${observation.nodeType} node has one vCPU)`;
  return {
    skip: 'ReshardBlockedByCpu',
    message: `reshard ${from} → ${to} held: ${over.what} ${pct(over.value)} ≥ ${limit}% on the hottest node${singleCore}`,
    notify,
  };
}

/** Scale-in: the shards holding the least memory go, if the rest can take their data and stay quiet. */
function shardRemoval(input: GateInput, target: CacheTarget): GateOutcome {
  const { decision, observation, metrics, now } = input;
  const [from, to] = [decision.current, decision.desired];
  const rules = target.rules;
  const memoryRule = rules.find((r) => r.metric.name === CACHE_MEMORY_METRIC && perNode(target, r));
  const memory = memoryRule
    ? perShardValues(target, memoryRule, observation, metrics[memoryRule.name], now)
    : undefined;
  if (!memoryRule || !memory || memory.size !== observation.shards.length)
    return {
      skip: 'InsufficientMemoryHeadroom',
      message: `reshard ${from} → ${to} held: the memory of every shard is needed to choose and check the shards to remove`,
    };
  const choice = removableShards(input, memory, from - to);
  if ('skip' in choice) return choice;
  const { removed, note } = choice;
  const headroom = memoryHeadroom(memory, removed);
  if (!headroom.ok)
    return {
      skip: 'InsufficientMemoryHeadroom',
      message:
        headroom.free < headroom.needed || !headroom.fullest
          ? `removing shard(s) ${removed.join(', ')} needs ${pct(headroom.needed)} free on the others (1.5 × their ${pct(headroom.needed / MEMORY_HEADROOM_FACTOR)}), they have ${pct(headroom.free)}`
          : `removing shard(s) ${removed.join(', ')} needs ${pct(headroom.fullest.needed)} free on each shard that stays (their slots are spread over them), and ${headroom.fullest.shard} has ${pct(headroom.fullest.free)}`,
    };
  // Every rule, read scaling's too: the slots of the shards removed bring their reads and writes to the others.
  for (const rule of rules.filter((r) => perNode(target, r))) {
    const values = perShardValues(target, rule, observation, metrics[rule.name], now);
    if (!values) continue;
    const projected = projectedLoad(values, removed);
    const limit = scaleOutThreshold(rule) * (1 - REALARM_MARGIN);
    if (projected >= limit)
      return {
        skip: 'WouldReAlarm',
        message: `removing shard(s) ${removed.join(', ')} would bring ${rule.name} to ${pct(projected)} on the busiest shard that stays, not below ${pct(limit)} (the scale-out threshold less ${REALARM_MARGIN * 100}%)`,
      };
  }
  const act: ReshardAction = { type: 'reshard', desired: to, nodeGroupsToRemove: removed };
  return {
    act,
    reason: decision.reason,
    message: `removing shard(s) ${removed.map((s) => `${s} (${pct(memory.get(s) ?? 0)} memory)`).join(', ')}; the others keep ${pct(headroom.free)} free for ${pct(headroom.needed / MEMORY_HEADROOM_FACTOR)}${note}`,
  };
}

/**
 * The shards a scale-in removes: the least memory among those AWS has not kept on a scale-in within
 * FAILED_REMOVAL_MEMORY_HOURS (a shard holding an item over 256 MB serialised is never deleted: asking again
 * fails again); refused, told, when too few are left.
 */
function removableShards(
  { decision, observation, failedRemovals, now }: GateInput,
  memory: ReadonlyMap<string, number>,
  count: number,
): { removed: string[]; note: string } | Extract<GateOutcome, { skip: unknown }> {
  const kept = failedRemovalsNow(failedRemovals, observation, now);
  const candidates = new Map([...memory].filter(([id]) => !kept.has(id)));
  if (candidates.size < count)
    return {
      skip: 'NoRemovableShard',
      notify: true,
      message: `reshard ${decision.current} → ${decision.desired} held: AWS kept shard(s) ${describeFailedRemovals(kept)} when a scale-in asked to remove them (a key over 256 MB serialised keeps its shard), and ${candidates.size === 0 ? 'no other shard' : `only ${candidates.size} other shard${candidates.size > 1 ? 's' : ''}`} could go; they are tried again ${FAILED_REMOVAL_MEMORY_HOURS} h after AWS kept them: split or delete the large keys, or set capacity.min to ${decision.current}`,
    };
  const note =
    kept.size > 0 ? `; left out: ${describeFailedRemovals(kept)}, which AWS kept on an earlier scale-in` : '';
  return { removed: shardsToRemove(candidates, count), note };
}

/**
 * The generic decision's reasons for no change that come from the rules' readings (a rule missing, none breached,
 * a breach not sustained): with a rule held for want of its shard's primary, that hold is the reason.
 */
const READING_HOLDS: ReadonlySet<ReasonCode> = new Set([
  'MetricsMissing',
  'ScaleInBlockedByMissingMetrics',
  'NoThresholdBreached',
  'WithinTolerance',
  'BreachNotSustained',
]);

/**
 * The cache-shards gates for one decision (see cacheShardsModel), recording the group's replicas per shard as seen
 * and as the outcome leaves them, and its engine: the cost of scaling counts the nodes they make (a replica change
 * adds no shard) at the engine's price (Valkey's nodes are sold cheaper than Redis OSS's).
 */
export function gateCacheShards(input: GateInput): GateOutcome {
  const outcome = gateGroup(input);
  if (input.target.kind !== 'cache-shards') return outcome;
  const current = input.observation.replicasPerShard;
  const act = 'act' in outcome ? outcome.act : undefined;
  const desired = act?.type === 'replicas' ? (act as ReplicasAction).replicasPerShard : current;
  return {
    ...outcome,
    record: { replicasPerShard: { current, desired }, engine: { name: input.observation.engine } },
  };
}

/** The gates of one decision on the group as observed. */
function gateGroup(input: GateInput): GateOutcome {
  const { target, decision, observation, metrics, now } = input;
  if (target.kind !== 'cache-shards') return { pass: true };
  const refusals = cacheShardsRefusals(observation);
  // Told once, as an RDS source without replicas is: the group is never scaled until someone changes it.
  if (refusals.length > 0)
    return { skip: 'CacheShardsUnsupported', message: refusals.join('; '), notify: true };
  // Busy (modifying) or held by the generic decision for a reason of its own: nothing to add.
  if (observation.status !== 'available') return { pass: true };
  // A rule read on the primaries is held (no reading) where IsMaster names none or several: never a guess. A
  // scale-out another rule asks for goes ahead; a first member read for want of IsMaster is said on the decision.
  const primaries = shardPrimaryFindings(target, observation, metrics, now);
  if (primaries.held && decision.direction === 'none' && READING_HOLDS.has(decision.reason))
    return { skip: 'ShardPrimaryUnknown', message: primaries.note?.message ?? primaries.held };
  const outcome = gateChange(input, target);
  return primaries.note ? { ...outcome, note: primaries.note } : outcome;
}

/** The gates of the change (or none) the generic decision asked for, on an available group. */
function gateChange(input: GateInput, target: CacheTarget): GateOutcome {
  const { decision } = input;
  const read = readRules(target);
  const outRules = target.rules.filter((r) => breachesOut(r, decision.metrics[r.name]));
  const onlyReads = outRules.length > 0 && outRules.every((r) => read.has(r.name));
  if (decision.direction === 'out' || (decision.reason === 'AtMaxCapacity' && outRules.length > 0)) {
    // Read load alone is answered with replicas while they may grow; data and write load need shards.
    if (onlyReads) {
      const replicas = replicaOutcome(input, 'out');
      if (replicas) return replicas;
    }
    if (decision.direction !== 'out') return { pass: true };
    return reshardOutcome(input);
  }
  if (decision.direction === 'in') {
    // A range just narrowed is a shard count to reach: only a reshard does it.
    const replicas = decision.reason === 'OutOfRange' ? undefined : replicaOutcome(input, 'in');
    if (replicas) return replicas;
    return reshardOutcome(input);
  }
  return { pass: true };
}
