import type { MetricSpec, RdsReplicasTarget, Rule, Target } from '../policy/schema';
import type { GateOutcome, KindAction, KindModel, Settlement } from './kindModel';
import { nameCandidates } from './rdsReplicasNames';
import { meanPerPeriod } from './ruleReadings';
import type { CapacityState, Decision, MetricReading, PendingIntent } from './types';

/**
 * RDS read replicas as a kind (issue 12): the capacity view, the gates and the settlement of what the
 * adapter observed. Pure: the adapter (`shared/adapters/RdsReplicaCapacity.ts`) turns two describe calls
 * into an `RdsReplicasObservation` and carries out the one `ReplicaAction` the gates chose.
 */

export const MANAGED_TAG = 'scalepilot:managed';
export const TARGET_TAG = 'scalepilot:target';
/** Set (to the ISO time the drain began) on a replica about to be removed. */
export const DRAINING_TAG = 'scalepilot:draining';

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

/** After this many failed replacements of a managed replica, the target stops acting until an operator looks. */
export const MAX_FAILED_REPLACEMENTS = 2;
/** Replicas per source RDS allows: 15 (5 for Oracle and SQL Server); Aurora: 15 readers per cluster. */
export function replicaLimit(engine: string, aurora: boolean): number {
  if (aurora) return 15;
  return /^(oracle|sqlserver)/.test(engine) ? 5 : 15;
}
/** A create that returned but whose replica is not yet visible (describe is eventually consistent). */
const CREATE_VISIBLE_WITHIN_MS = 15 * 60_000;

export interface ReplicaInstance {
  readonly id: string;
  readonly status: string;
  readonly instanceClass?: string;
  readonly availabilityZone?: string;
  readonly createdAt?: Date;
  readonly tags: Readonly<Record<string, string>>;
  readonly deletionProtection: boolean;
  /** The endpoint address, once RDS has given it one. */
  readonly endpoint?: string;
  /** For tagging (drain). */
  readonly arn?: string;
}

export interface RdsSourceView {
  /** The source instance, or for Aurora the cluster. */
  readonly id: string;
  readonly status: string;
  readonly engine: string;
  readonly instanceClass?: string;
  readonly subnetGroup?: string;
  readonly parameterGroup?: string;
  readonly availabilityZone?: string;
  /** Pending modifications (a class change, a parameter group waiting for reboot): being modified. */
  readonly modifying: boolean;
  readonly endpoint?: string;
  /** The source's own tags (Aurora: the cluster's), copied to every replica; Scalepilot's and AWS's left out. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** What the adapter saw of one target: the source, its replicas (Aurora: readers, never the writer). */
export interface RdsReplicasObservation {
  readonly aurora: boolean;
  readonly source: RdsSourceView;
  /** Aurora: the writer instance (never a candidate for anything). */
  readonly writer?: string;
  readonly replicas: readonly ReplicaInstance[];
  /** Other instances seen with Scalepilot-like names (not replicas of this source): their names are taken. */
  readonly otherIds?: readonly string[];
  /** Reader endpoints reader discovery publishes now; undefined when the policy has none. */
  readonly discovery?: readonly string[];
}

/** Where a replica goes, in the order tried on InsufficientDBInstanceCapacity. */
export interface Placement {
  readonly instanceClass?: string;
  readonly availabilityZone?: string;
}

/** The one operation the gates chose; JSON-serialisable (written ahead into the ledger). */
export type ReplicaAction =
  | {
      readonly type: 'create';
      readonly desired: number;
      /** Names tried in order (the next on DBInstanceAlreadyExists for an instance that is not ours). */
      readonly candidates: readonly string[];
      readonly placements: readonly Placement[];
      readonly discovery?: readonly string[];
    }
  | {
      readonly type: 'replace';
      readonly desired: number;
      readonly failed: string;
      readonly candidates: readonly string[];
      readonly placements: readonly Placement[];
      readonly discovery?: readonly string[];
    }
  | {
      readonly type: 'delete';
      readonly desired: number;
      readonly replica: string;
      readonly discovery?: readonly string[];
    }
  | { readonly type: 'deleteFailed'; readonly desired: number; readonly replica: string }
  | {
      readonly type: 'drain';
      readonly desired: number;
      readonly replica: string;
      readonly at: string;
      readonly discovery?: readonly string[];
    }
  | {
      readonly type: 'cancelDrain';
      readonly desired: number;
      readonly replica: string;
      readonly discovery?: readonly string[];
    }
  | { readonly type: 'syncDiscovery'; readonly desired: number; readonly discovery: readonly string[] };

export const isUnhealthy = (r: ReplicaInstance) => UNHEALTHY_STATES.has(r.status);
const isGoing = (r: ReplicaInstance) => r.status === 'deleting';
/** Replicas that are or will be capacity: not failed, not being deleted. */
export const liveReplicas = (o: RdsReplicasObservation) =>
  o.replicas.filter((r) => !isUnhealthy(r) && !isGoing(r));
export const isDraining = (r: ReplicaInstance) => r.tags[DRAINING_TAG] !== undefined;

/** Created by Scalepilot for this target: only these are ever deleted. */
export function isManaged(target: Pick<Target, 'name'>, r: ReplicaInstance): boolean {
  return r.tags[MANAGED_TAG] === 'true' && r.tags[TARGET_TAG] === target.name;
}

function rdsTarget(target: Target): RdsReplicasTarget {
  if (target.kind !== 'rds-replicas') throw new TypeError(`target "${target.name}" is not rds-replicas`);
  return target;
}

/** The replicas whose own metrics are read: available and not draining (Aurora reads the cluster's READER role). */
export function readers(observation: RdsReplicasObservation): ReplicaInstance[] {
  return observation.replicas
    .filter((r) => r.status === 'available' && !isDraining(r))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function capacity(
  target: Target,
  observation: RdsReplicasObservation,
  metrics?: Readonly<Record<string, readonly (readonly MetricReading[])[]>>,
  now?: Date,
): CapacityState {
  const t = rdsTarget(target);
  const live = liveReplicas(observation);
  // A replica being created, or draining, serves no reads, and nor does one lagging past the limit (its
  // reads are stale). Lag is known once the metrics are read; before that only the status counts.
  const lag = metrics ? readerLag(t, observation, metrics, now) : new Map<string, number | undefined>();
  const lagging = (id: string) => (lag.get(id) ?? 0) > t.replicaLagLimitSeconds;
  return {
    current: live.length,
    serving: live.filter((r) => r.status === 'available' && !isDraining(r) && !lagging(r.id)).length,
    liveMin: 0,
    liveMax: replicaLimit(observation.source.engine, t.aurora),
  };
}

// ---- metrics: the readers', not the source's ----

type ScopedMetric = MetricSpec & { readonly dimensions: Record<string, string> };

/** The per-replica lag metric and its unit: RDS `ReplicaLag` in seconds, Aurora `AuroraReplicaLag` in ms. */
function lagMetric(aurora: boolean, replica: string): ScopedMetric {
  return {
    namespace: 'AWS/RDS',
    name: aurora ? 'AuroraReplicaLag' : 'ReplicaLag',
    statistic: 'Maximum',
    periodSeconds: 60,
    dimensions: { DBInstanceIdentifier: replica },
  };
}

/**
 * A rule's metrics: the rule's metric per reader (Aurora: once, for the cluster's `Role=READER`), or the
 * source's when no replica serves (the reads land there); a rule with its own dimensions reads just those.
 * The first rule also reads each reader's lag, after its own series, for the lag gate and the averages.
 */
export function metricsFor(target: Target, rule: Rule, observation: RdsReplicasObservation): ScopedMetric[] {
  const t = rdsTarget(target);
  const live = readers(observation);
  const own: ScopedMetric[] = rule.metric.dimensions
    ? [{ ...rule.metric, dimensions: rule.metric.dimensions }]
    : t.aurora
      ? [{ ...rule.metric, dimensions: { DBClusterIdentifier: observation.source.id, Role: 'READER' } }]
      : live.length > 0
        ? live.map((r) => ({ ...rule.metric, dimensions: { DBInstanceIdentifier: r.id } }))
        : [{ ...rule.metric, dimensions: { DBInstanceIdentifier: observation.source.id } }];
  const lag = t.rules[0]?.name === rule.name ? live.map((r) => lagMetric(t.aurora, r.id)) : [];
  return [...own, ...lag];
}

/** How many of a rule's series are its own metric (the rest, on the first rule, are the readers' lag). */
function ownCount(target: RdsReplicasTarget, rule: Rule, total: number): number {
  if (rule.metric.dimensions || target.aurora) return Math.min(1, total);
  if (target.rules[0]?.name !== rule.name) return total;
  return total === 1 ? 1 : total / 2;
}

/** The newest lag in seconds of a lag series, when a datapoint of the last five minutes exists. */
function newestLagSeconds(series: readonly MetricReading[], aurora: boolean, now?: Date): number | undefined {
  const newest = series.reduce<MetricReading | undefined>(
    (a, b) => (a === undefined || b.timestamp > a.timestamp ? b : a),
    undefined,
  );
  if (!newest || !Number.isFinite(newest.value)) return undefined;
  if (now && now.getTime() - newest.timestamp.getTime() > 6 * 60_000) return undefined;
  return aurora ? newest.value / 1000 : newest.value;
}

/** Each reader's lag in seconds (undefined: no recent datapoint), from the first rule's series. */
export function readerLag(
  target: Target,
  observation: RdsReplicasObservation,
  metrics: Readonly<Record<string, readonly (readonly MetricReading[])[]>>,
  now?: Date,
): Map<string, number | undefined> {
  const t = rdsTarget(target);
  const first = t.rules[0];
  const live = readers(observation);
  const series = (first && metrics[first.name]) || [];
  const offset = series.length - live.length;
  return new Map(live.map((r, i) => [r.id, newestLagSeconds(series[offset + i] ?? [], t.aurora, now)]));
}

/**
 * A rule's series as one: the mean per period of the readers that do not lag (a lagging replica serves
 * stale reads and counts for nothing; when all lag, all count, as that is the load there is).
 */
export function combine(
  target: Target,
  rule: Rule,
  series: readonly (readonly MetricReading[])[],
): MetricReading[] {
  const t = rdsTarget(target);
  const count = ownCount(t, rule, series.length);
  const own = series.slice(0, count);
  const lags = series.slice(count);
  let kept = own;
  if (lags.length === own.length && lags.length > 0) {
    const fresh = own.filter((_, i) => {
      const lag = newestLagSeconds(lags[i] ?? [], t.aurora);
      return lag === undefined || lag <= t.replicaLagLimitSeconds;
    });
    if (fresh.length > 0) kept = fresh;
  }
  return meanPerPeriod(kept);
}

// ---- the gates ----

/** The threshold above which a rule asks for more: its lowest scale-out step, or target × (1 + tolerance). */
export function scaleOutThreshold(rule: Rule): number {
  if (rule.type === 'step') return Math.min(...rule.scaleOut.map((s) => s.above));
  return rule.target * (1 + rule.tolerance);
}

/**
 * The load each remaining reader would carry if one of `n` went: `value × n ÷ (n − 1)`. Undefined for one
 * reader or none (its reads return to the source, whose metrics are not the readers').
 */
export function projectedLoad(value: number, n: number): number | undefined {
  return n > 1 ? (value * n) / (n - 1) : undefined;
}

/** The rules whose projected load after one removal would cross their scale-out threshold. */
export function wouldReAlarm(target: Target, decision: Decision, n: number): string[] {
  const crossed: string[] = [];
  for (const rule of target.rules) {
    const value = decision.metrics[rule.name];
    if (value === null || value === undefined) continue;
    const projected = projectedLoad(value, n);
    const threshold = scaleOutThreshold(rule);
    if (projected !== undefined && projected > threshold)
      crossed.push(`${rule.name} ${round(value)} → ${round(projected)} on ${n - 1} (threshold ${threshold})`);
  }
  return crossed;
}

const round = (x: number) => Math.round(x * 10) / 10;

/** Where the next replica goes, in order: the policy's class (or the source's), then fallbacks, then AZs. */
export function placements(target: Target, observation: RdsReplicasObservation): Placement[] {
  const t = rdsTarget(target);
  const base = t.replicaInstanceClass ?? observation.source.instanceClass;
  const list: Placement[] = [base ? { instanceClass: base } : {}];
  for (const c of t.fallbackInstanceClasses) if (c !== base) list.push({ instanceClass: c });
  for (const az of t.fallbackAvailabilityZones)
    list.push({ ...(base ? { instanceClass: base } : {}), availabilityZone: az });
  return list;
}

/** The endpoints reader discovery should publish: available readers that neither drain nor lag. */
export function discoveryEndpoints(
  observation: RdsReplicasObservation,
  lag: ReadonlyMap<string, number | undefined>,
  lagLimit: number,
  except?: string,
): string[] {
  return readers(observation)
    .filter((r) => r.id !== except && (lag.get(r.id) ?? 0) <= lagLimit && r.endpoint)
    .map((r) => r.endpoint as string)
    .sort();
}

const sameList = (a: readonly string[] | undefined, b: readonly string[]) =>
  a !== undefined && a.length === b.length && [...a].sort().every((x, i) => x === b[i]);

/** Newest first (creation time, then name number), the order managed replicas are removed in. */
function newestFirst(a: ReplicaInstance, b: ReplicaInstance): number {
  return (
    (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0) ||
    b.id.localeCompare(a.id, 'en', { numeric: true })
  );
}

export interface GateInput {
  readonly target: Target;
  readonly decision: Decision;
  readonly observation: RdsReplicasObservation;
  readonly metrics: Readonly<Record<string, readonly (readonly MetricReading[])[]>>;
  readonly now: Date;
}

/**
 * The gates, in order: source state; replacements exhausted; a failed managed replica replaced (or, once
 * replaced, removed); a drain under way (cancelled by a scale-out condition, or finished by the delete once
 * `drainSeconds` passed with load still low); a removal (lag, re-alarm projection, ownership, deletion
 * protection, then drain or delete); an addition (one replica at a time); reader discovery kept in sync.
 */
export function gate({ target, decision, observation, metrics, now }: GateInput): GateOutcome {
  const t = rdsTarget(target);
  const { source } = observation;
  const lag = readerLag(t, observation, metrics, now);
  const readerEndpoints = discoveryEndpoints(observation, lag, t.replicaLagLimitSeconds);
  // With no reader to offer, discovery points at the source, so reads keep working.
  const published = (list: readonly string[]) =>
    list.length > 0 ? [...list].sort() : source.endpoint ? [source.endpoint] : [];
  const wanted = published(readerEndpoints);
  const discovery = t.readerDiscovery ? { discovery: wanted } : {};
  const taken = new Set([
    source.id,
    ...(observation.writer ? [observation.writer] : []),
    ...observation.replicas.map((r) => r.id),
    ...(observation.otherIds ?? []),
  ]);
  const current = decision.current;

  if (source.status !== 'available' || source.modifying)
    return {
      skip: 'SourceNotAvailable',
      message: `source ${source.id} is ${source.modifying ? 'being modified' : source.status}: no replica is added or removed until it is available`,
    };

  const failedManaged = observation.replicas
    .filter((r) => isUnhealthy(r) && isManaged(t, r))
    .sort(newestFirst);
  const newestHealthy = liveReplicas(observation)
    .filter((r) => isManaged(t, r))
    .sort(newestFirst)[0];
  // A failed replica older than a healthy managed one has been replaced: it only needs removing.
  const replaced = failedManaged.find(
    (f) => newestHealthy && (newestHealthy.createdAt?.getTime() ?? 0) > (f.createdAt?.getTime() ?? 0),
  );
  if (!replaced && failedManaged.length > MAX_FAILED_REPLACEMENTS)
    return {
      skip: 'ReplacementsExhausted',
      notify: true,
      message: `${failedManaged.length} managed replicas failed in a row (${failedManaged.map((r) => `${r.id} ${r.status}`).join(', ')}): the original and ${MAX_FAILED_REPLACEMENTS} replacements; Scalepilot acts on ${source.id} again once they are repaired or deleted`,
    };
  if (replaced)
    return {
      act: { type: 'deleteFailed', desired: current, replica: replaced.id },
      reason: 'RemovingFailedReplica',
      message: `replica ${replaced.id} is ${replaced.status} and was replaced: deleting it`,
    };
  const failed = failedManaged[0];
  if (failed) {
    const candidates = nameCandidates(source.id, taken);
    const desired = Math.min(current + 1, t.capacity.max);
    return {
      act: {
        type: 'replace',
        desired,
        failed: failed.id,
        candidates,
        placements: afterFailure(placements(t, observation), failed),
        ...discovery,
      } satisfies ReplicaAction,
      reason: 'ReplacingFailedReplica',
      message: `replica ${failed.id} is ${failed.status} (no capacity): creating ${candidates[0]} to replace it (failure ${failedManaged.length} of at most ${MAX_FAILED_REPLACEMENTS + 1})`,
    };
  }

  const laggingNow = [...lag].filter(([, s]) => s === undefined || s > t.replicaLagLimitSeconds);
  const lagMessage = () =>
    laggingNow
      .map(([id, s]) => (s === undefined ? `${id} lag unknown` : `${id} lags ${round(s)} s`))
      .join(', ');
  const scaleOutCondition = decision.direction === 'out' || decision.recommendation > current;
  const low = decision.direction === 'in' || decision.recommendation < current;
  const draining = liveReplicas(observation)
    .filter((r) => isManaged(t, r) && isDraining(r))
    .sort(newestFirst)[0];

  if (draining) {
    const since = new Date(draining.tags[DRAINING_TAG] ?? '');
    const sinceOk = !Number.isNaN(since.getTime());
    const elapsed = sinceOk ? (now.getTime() - since.getTime()) / 1000 : Number.POSITIVE_INFINITY;
    const backInService = {
      ...discovery,
      ...(t.readerDiscovery ? { discovery: published(withEndpoint(readerEndpoints, draining)) } : {}),
    };
    // At the minimum (a replica deleted by hand or failed meanwhile), finishing the drain would go below it.
    const atMin = current <= t.capacity.min;
    if (scaleOutCondition || atMin || (elapsed >= t.drainSeconds && !low))
      return {
        act: {
          type: 'cancelDrain',
          desired: current,
          replica: draining.id,
          ...backInService,
        } satisfies ReplicaAction,
        reason: 'DrainCancelled',
        message: `${scaleOutCondition ? 'scale-out condition' : atMin ? `${current} replica(s) is the minimum` : 'load no longer low'}: ${draining.id} back in service`,
      };
    if (elapsed < t.drainSeconds)
      return {
        skip: 'Draining',
        message: `${draining.id} draining since ${since.toISOString()}; deleted after ${t.drainSeconds} s if load stays low`,
      };
    return removal(draining, `drained for ${Math.round(elapsed)} s with load low`);
  }

  function removal(replica: ReplicaInstance, why: string): GateOutcome {
    if (laggingNow.length > 0)
      return {
        skip: 'ReplicaLagging',
        message: `no removal while a replica lags over ${t.replicaLagLimitSeconds} s: ${lagMessage()}`,
      };
    const n = readers(observation).length + (isDraining(replica) && replica.status === 'available' ? 1 : 0);
    const crossed = wouldReAlarm(t, decision, n);
    if (crossed.length > 0)
      return {
        skip: 'WouldReAlarm',
        message: `removing one of ${n} readers would put the rest over the scale-out threshold: ${crossed.join('; ')}`,
      };
    if (replica.deletionProtection)
      return {
        skip: 'DeletionProtected',
        message: `${replica.id} has deletion protection: left in place (turn it off to let Scalepilot remove it)`,
      };
    if (!isDraining(replica) && t.drainSeconds > 0)
      return {
        act: {
          type: 'drain',
          desired: current,
          replica: replica.id,
          at: now.toISOString(),
          ...(t.readerDiscovery
            ? { discovery: published(readerEndpoints.filter((e) => e !== replica.endpoint)) }
            : {}),
        } satisfies ReplicaAction,
        reason: 'Draining',
        message: `${replica.id} tagged ${DRAINING_TAG} and out of reader discovery; deleted after ${t.drainSeconds} s if load stays low`,
      };
    const action: ReplicaAction = {
      type: 'delete',
      desired: current - 1,
      replica: replica.id,
      ...(t.readerDiscovery
        ? { discovery: published(readerEndpoints.filter((e) => e !== replica.endpoint)) }
        : {}),
    };
    return decision.desired === current - 1
      ? { pass: true, act: action }
      : { act: action, reason: 'ScaleIn', message: `deleting ${replica.id} (${why}); one replica at a time` };
  }

  if (decision.desired < current) {
    const removable = liveReplicas(observation)
      .filter((r) => isManaged(t, r))
      .sort(newestFirst)[0];
    if (!removable)
      return {
        skip: 'NotOwned',
        message: `every replica of ${source.id} was made by hand (not tagged ${MANAGED_TAG}=true, ${TARGET_TAG}=${t.name}): none is removed`,
      };
    return removal(removable, 'load low');
  }

  if (decision.desired > current) {
    const candidates = nameCandidates(source.id, taken);
    if (candidates.length === 0)
      return { skip: 'AtMaxCapacity', message: `every replica name of ${source.id} is taken` };
    const action: ReplicaAction = {
      type: 'create',
      desired: current + 1,
      candidates,
      placements: placements(t, observation),
      ...discovery,
    };
    return decision.desired === current + 1
      ? { pass: true, act: action }
      : {
          act: action,
          // A floor's reason stays its own: the operator sees the forecast asked for the replica.
          reason: decision.reason === 'PredictiveFloor' ? 'PredictiveFloor' : 'ScaleOut',
          message: `creating ${candidates[0]}; one replica at a time`,
        };
  }

  if (t.readerDiscovery && !sameList(observation.discovery, wanted))
    return {
      act: { type: 'syncDiscovery', desired: current, discovery: wanted } satisfies ReplicaAction,
      reason: 'ReaderDiscoverySynced',
      message: `reader discovery set to ${wanted.length > 0 ? wanted.join(', ') : 'no reader'}`,
    };
  return { pass: true };
}

/**
 * A replica that failed for want of capacity (RDS-EVENT-0031) is not retried in its own placement: the
 * replacement starts with the next class or Availability Zone (all of them again if none is left).
 */
function afterFailure(list: readonly Placement[], failed: ReplicaInstance): Placement[] {
  const rest = list.filter(
    (p) =>
      p.instanceClass !== failed.instanceClass ||
      (p.availabilityZone !== undefined && p.availabilityZone !== failed.availabilityZone),
  );
  return rest.length > 0 ? rest : [...list];
}

function withEndpoint(list: readonly string[], replica: ReplicaInstance): string[] {
  return replica.endpoint && replica.status === 'available' && !list.includes(replica.endpoint)
    ? [...list, replica.endpoint].sort()
    : [...list];
}

// ---- settlement: one operation at a time per source ----

/**
 * What became of an operation written ahead: a create is in flight until its replica is `available`
 * (failed if it lands in a failed state), a delete until the replica is gone.
 */
export function settle(
  _target: Target,
  intent: PendingIntent,
  observation: RdsReplicasObservation,
  now: Date,
): Settlement {
  const action = intent.action as ReplicaAction | undefined;
  const byId = new Map(observation.replicas.map((r) => [r.id, r]));
  if (!action) return { status: 'done' };
  if (action.type === 'create' || action.type === 'replace') {
    const made = action.candidates.map((c) => byId.get(c)).find((r) => r !== undefined);
    const old = action.type === 'replace' ? byId.get(action.failed) : undefined;
    if (!made) {
      if (!intent.recorded) return { status: 'not-applied' };
      return now.getTime() - intent.at.getTime() < CREATE_VISIBLE_WITHIN_MS
        ? { status: 'in-flight', message: `${action.candidates[0]} not visible yet` }
        : { status: 'failed', message: `none of ${action.candidates.join(', ')} appeared` };
    }
    if (isUnhealthy(made)) return { status: 'failed', message: `replica ${made.id} is ${made.status}` };
    if (made.status !== 'available')
      return { status: 'in-flight', message: `replica ${made.id} is ${made.status}` };
    if (old && old.status === 'deleting')
      return { status: 'in-flight', message: `replica ${old.id} is deleting` };
    return { status: 'done' };
  }
  if (action.type === 'delete' || action.type === 'deleteFailed') {
    const replica = byId.get(action.replica);
    if (!replica) return { status: 'done' };
    if (replica.status !== 'deleting' && !intent.recorded) return { status: 'not-applied' };
    return { status: 'in-flight', message: `replica ${replica.id} is ${replica.status}` };
  }
  return { status: 'done' };
}

/** The RDS read-replica kind: AWS carries a create or delete out over 10-20 minutes. */
export const rdsReplicasModel: KindModel<RdsReplicasObservation> = {
  capacity: (target, observation, now, metrics) => capacity(target, observation, metrics, now),
  gate: ({ target, decision, observation, metrics, now }) =>
    gate({ target, decision, observation, metrics, now }),
  metricsFor,
  combine,
  settle,
  settlesAtOnce: false,
};

export type { KindAction };

/** One replica as `scalepilot plan` shows it: what each gate makes of it now. */
export interface ReplicaGateState {
  readonly id: string;
  readonly status: string;
  readonly owner: 'scalepilot' | 'by hand' | 'another target';
  /** Counts as serving capacity: available, not draining, not lagging. */
  readonly serving: boolean;
  readonly drainingSince?: string;
  /** Seconds; null when no recent datapoint (blocks removals). */
  readonly lagSeconds: number | null;
  readonly deletionProtection: boolean;
  /** Could be the next one removed: Scalepilot's, healthy, unprotected. */
  readonly removable: boolean;
}

export function replicaGateStates(
  target: Target,
  observation: RdsReplicasObservation,
  metrics: Readonly<Record<string, readonly (readonly MetricReading[])[]>>,
  now: Date,
): ReplicaGateState[] {
  const t = rdsTarget(target);
  const lag = readerLag(t, observation, metrics, now);
  return [...observation.replicas].sort(newestFirst).map((r) => {
    const lagSeconds = lag.get(r.id);
    const ours = isManaged(t, r);
    const healthy = !isUnhealthy(r) && !isGoing(r);
    return {
      id: r.id,
      status: r.status,
      owner: ours ? 'scalepilot' : r.tags[MANAGED_TAG] === 'true' ? 'another target' : 'by hand',
      // As the capacity view counts it: an unknown lag blocks removals, but only a known one past the limit
      // stops a replica serving.
      serving: r.status === 'available' && !isDraining(r) && (lagSeconds ?? 0) <= t.replicaLagLimitSeconds,
      ...(isDraining(r) ? { drainingSince: r.tags[DRAINING_TAG] } : {}),
      lagSeconds: lagSeconds ?? null,
      deletionProtection: r.deletionProtection,
      removable: ours && healthy && !r.deletionProtection,
    };
  });
}
