import { GROUP_STAGE_TAG } from '../policy/fleetSchema';
import type { MetricSpec, RdsReplicasTarget, Rule, Target } from '../policy/schema';
import { GOING_STATES, inServingState, stillCreating, UNHEALTHY_STATES } from './rdsReplicaStates';
import { isStale, lagLimitSeconds, newestLagSeconds } from './replicaLag';
import { meanPerPeriod } from './ruleReadings';
import type { CapacityState, Decision, MetricReading } from './types';

/**
 * What the RDS read-replica kind sees of a target (issues 12 and 21): the observation the adapter
 * (`shared/adapters/RdsReplicaCapacity.ts`) builds from its describe calls, each replica's health, the
 * capacity view and the metrics the kind reads. Pure.
 */

export const MANAGED_TAG = 'scalepilot:managed';
export const TARGET_TAG = 'scalepilot:target';
/**
 * The stage whose functions created the replica, set at creation (the key groups carry for a grant by tag):
 * two stages on one source tell their replicas apart by it. Replicas made before it was set have none.
 */
export const STAGE_TAG = GROUP_STAGE_TAG;
/** Set (to the ISO time the drain began) on a replica about to be removed. */
export const DRAINING_TAG = 'scalepilot:draining';
/** Set at creation (the ISO time Scalepilot asked for the replica): how long it has been coming up. */
export const REQUESTED_TAG = 'scalepilot:requested-at';

export { COMING_UP_STATES, inServingState, SERVING_STATES, UNHEALTHY_STATES } from './rdsReplicaStates';

/** Replication states (StatusInfos) of a replica whose reads no longer follow the source. */
export const BROKEN_REPLICATION: ReadonlySet<string> = new Set(['error', 'stopped', 'terminated']);

/** After this many failed replacements of a managed replica, the target stops acting until an operator looks. */
export const MAX_FAILED_REPLACEMENTS = 2;

/** Replicas per source RDS allows: 15 (5 for Oracle and SQL Server); Aurora: 15 readers per cluster. */
export function replicaLimit(engine: string, aurora: boolean): number {
  if (aurora) return 15;
  return /^(oracle|sqlserver)/.test(engine) ? 5 : 15;
}

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
  /** Its `read replication` StatusInfo: `replicating`, or `error`, `stopped`, `terminated` with why. */
  readonly replication?: { readonly status: string; readonly normal: boolean; readonly message?: string };
  /**
   * Read replicas of its own (a cascade someone made, or one in another Region by ARN): RDS promotes each to
   * a standalone instance when it is deleted, so it never is.
   */
  readonly replicas?: readonly string[];
  /**
   * Another stage's Scalepilot made it (its STAGE_TAG names a stage other than the one reading: otherStageOf):
   * never this stage's to count as its own, drain, delete or adopt, whatever its target tag says.
   */
  readonly otherStage?: string;
}

export interface RdsSourceView {
  /** The source instance, or for Aurora the cluster. */
  readonly id: string;
  readonly status: string;
  readonly engine: string;
  /** A source instance's LicenseModel (a replica has its source's): Oracle and SQL Server prices depend on it. */
  readonly licenseModel?: string;
  /** An Aurora cluster's StorageType: an I/O-Optimized cluster's instances cost more than a Standard one's. */
  readonly storageType?: string;
  readonly instanceClass?: string;
  readonly subnetGroup?: string;
  readonly parameterGroup?: string;
  readonly availabilityZone?: string;
  /**
   * Modifications waiting for the maintenance window (PendingModifiedValues): the source stays
   * `available` and takes replicas meanwhile; `plan` shows them.
   */
  readonly modifying: boolean;
  /** What is pending, by field name (DBInstanceClass, …). */
  readonly pendingModifications?: readonly string[];
  /**
   * While the source is not `available`: when its latest event (RDS DescribeEvents) was, the best known
   * start of what it is doing now; undefined when no event says.
   */
  readonly busySince?: Date;
  readonly endpoint?: string;
  /** The source's own tags (Aurora: the cluster's), copied to every replica; Scalepilot's and AWS's left out. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Aurora: the class a new reader takes is Serverless v2 (`db.serverless`), which scales itself in ACUs. */
  readonly serverlessV2?: boolean;
  /** The writer's (Aurora) or the source's PubliclyAccessible, which a new replica copies. */
  readonly publiclyAccessible?: boolean;
  /** The source's VPC security groups, which a new replica is created with (not Aurora: the cluster's own). */
  readonly vpcSecurityGroupIds?: readonly string[];
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
  /**
   * Replicas of the source in other Regions (the ARNs RDS lists with its replicas): another Region's
   * capacity, never counted here or touched, but they use up the source's replica limit.
   */
  readonly crossRegionReplicas?: readonly string[];
  /** Application Auto Scaling's own scalable targets on the cluster (Aurora Auto Scaling). */
  readonly nativeScaling?: readonly string[];
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
      /** When it was asked for (ISO): tagged on the replica, so a create past its deadline is known. */
      readonly requestedAt?: string;
      readonly discovery?: readonly string[];
    }
  | {
      readonly type: 'replace';
      readonly desired: number;
      /** Written ahead and settled like a create even when the count stays (at capacity.max): see deleteFailed. */
      readonly pending: true;
      readonly failed: string;
      readonly candidates: readonly string[];
      readonly placements: readonly Placement[];
      readonly requestedAt?: string;
      readonly discovery?: readonly string[];
    }
  | {
      readonly type: 'delete';
      readonly desired: number;
      readonly replica: string;
      readonly discovery?: readonly string[];
    }
  | {
      readonly type: 'deleteFailed';
      readonly desired: number;
      readonly replica: string;
      /**
       * Changes no capacity (a failed replica is none) but runs for minutes: written ahead and settled like a
       * delete, so nothing else starts on the target until it is gone (found by the soak, issue 21).
       */
      readonly pending: true;
      /** Reader discovery without it, published before the delete. */
      readonly discovery?: readonly string[];
    }
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
export const isGoing = (r: Pick<ReplicaInstance, 'status'>) => GOING_STATES.has(r.status);
export const isDraining = (r: ReplicaInstance) => r.tags[DRAINING_TAG] !== undefined;
/** Someone replicates from it: deleting it would promote those replicas (RDS DeleteDBInstance). */
export const hasOwnReplicas = (r: ReplicaInstance) => (r.replicas?.length ?? 0) > 0;

/** Replication stopped or failed, as the replica's StatusInfos say (no metrics needed). */
export function replicationBroken(r: ReplicaInstance): string | undefined {
  const info = r.replication;
  if (!info || (info.normal && !BROKEN_REPLICATION.has(info.status))) return undefined;
  return `replication ${info.status}${info.message ? ` (${info.message})` : ''}`;
}

/**
 * The stage named by a replica's tags when it is Scalepilot's and another stage's than `stage`; undefined for
 * this stage's, for one without the tag (made before replicas carried it: still the stage's that made it) and
 * where the reading stage is unknown (the CLI without `--stage`: every replica reads as this stage's).
 */
export function otherStageOf(
  tags: Readonly<Record<string, string>>,
  stage: string | undefined,
): string | undefined {
  const tagged = tags[STAGE_TAG];
  if (stage === undefined || tags[MANAGED_TAG] !== 'true' || tagged === undefined) return undefined;
  return tagged === stage ? undefined : tagged;
}

/** Created by Scalepilot for this target (and not by another stage's): only these are ever deleted. */
export function isManaged(target: Pick<Target, 'name'>, r: ReplicaInstance): boolean {
  if (r.otherStage !== undefined) return false;
  return r.tags[MANAGED_TAG] === 'true' && r.tags[TARGET_TAG] === target.name;
}

/** A replica a scale-in may take: this target's, and no one replicates from it (its delete would promote theirs). */
export function mayRemove(target: Pick<Target, 'name'>, r: ReplicaInstance): boolean {
  return isManaged(target, r) && !hasOwnReplicas(r);
}

export function rdsTarget(target: Target): RdsReplicasTarget {
  if (target.kind !== 'rds-replicas') throw new TypeError(`target "${target.name}" is not rds-replicas`);
  return target;
}

/**
 * Why a replica is no capacity and will not become capacity by itself (undefined: it is, or will be):
 * a failed state, replication stopped or failed (StatusInfos, or ReplicaLag −1: "replication is not
 * active"), or a create of Scalepilot's still coming up past its deadline.
 */
export function brokenReason(
  target: RdsReplicasTarget,
  r: ReplicaInstance,
  lag: number | undefined,
  now: Date | undefined,
): string | undefined {
  if (isUnhealthy(r)) return r.status;
  if (isGoing(r)) return undefined;
  const replication = replicationBroken(r);
  if (replication) return replication;
  if (lag === -1 && !target.aurora) return 'replication not active (ReplicaLag −1)';
  const requested = r.tags[REQUESTED_TAG] ? Date.parse(r.tags[REQUESTED_TAG] ?? '') : Number.NaN;
  if (now && isManaged(target, r) && stillCreating(r) && Number.isFinite(requested)) {
    const minutes = (now.getTime() - requested) / 60_000;
    if (minutes > target.replicaCreateDeadlineMinutes)
      return `still ${r.status} ${Math.round(minutes)} min after it was asked for (deadline ${target.replicaCreateDeadlineMinutes} min)`;
  }
  return undefined;
}

/** Every replica that is no capacity, with why (see brokenReason); `lag` from the readers' metrics. */
export function brokenReplicas(
  target: RdsReplicasTarget,
  observation: RdsReplicasObservation,
  lag: ReadonlyMap<string, number | undefined>,
  now: Date | undefined,
): Map<string, string> {
  const broken = new Map<string, string>();
  for (const r of observation.replicas) {
    const why = brokenReason(target, r, lag.get(r.id), now);
    if (why) broken.set(r.id, why);
  }
  return broken;
}

/** Replicas that are or will be capacity: not broken, not being deleted. */
export function liveReplicas(
  observation: RdsReplicasObservation,
  broken: ReadonlyMap<string, string> = new Map(),
): ReplicaInstance[] {
  return observation.replicas.filter((r) => !isUnhealthy(r) && !isGoing(r) && !broken.has(r.id));
}

/**
 * The replicas whose own metrics are read: in a serving state (SERVING_STATES), not draining, replication
 * running (Aurora reads the cluster's READER role unless per-class connections need each reader's own).
 */
export function readers(observation: RdsReplicasObservation): ReplicaInstance[] {
  return observation.replicas
    .filter((r) => inServingState(r) && !isDraining(r) && !replicationBroken(r))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function capacity(
  target: Target,
  observation: RdsReplicasObservation,
  metrics?: Readonly<Record<string, readonly (readonly MetricReading[])[]>>,
  now?: Date,
): CapacityState {
  const t = rdsTarget(target);
  // A replica being created, or draining, serves no reads, and nor does one lagging past the limit (its
  // reads are stale) or one whose replication stopped. Lag is known once the metrics are read.
  const lag = metrics ? readerLag(t, observation, metrics, now) : new Map<string, number | undefined>();
  const broken = brokenReplicas(t, observation, lag, now);
  // Every replica of the source counts, whoever made it (by hand, another target, another stage): each takes
  // its share of the source's reads, and the readers' metrics the rules average include it. Ownership only
  // limits which ones a scale-in may take; a target with another stage's replicas is held anyway
  // (OtherStageReplicas), so counting them changes no action, only what the record and a plan see serving.
  const live = liveReplicas(observation, broken);
  const limit = lagLimitSeconds(t, observation.source.engine);
  const lagging = (id: string) => (lag.get(id) ?? 0) > limit;
  return {
    current: live.length,
    serving: live.filter((r) => inServingState(r) && !isDraining(r) && !lagging(r.id)).length,
    liveMin: 0,
    // A replica in another Region uses up one of the source's replicas all the same.
    liveMax: Math.max(
      0,
      replicaLimit(observation.source.engine, t.aurora) - (observation.crossRegionReplicas?.length ?? 0),
    ),
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
 * A `percentOf` rule (connections as a share of max_connections) reads each replica as a share of its own
 * class's max_connections when the policy names it, so a replica of a fallback class is judged against
 * its own limit. Aurora then reads each reader too, not the cluster's READER series.
 */
function perClass(target: RdsReplicasTarget, rule: Rule): boolean {
  return (
    rule.metric.percentOf !== undefined && Object.keys(target.maxConnectionsByInstanceClass ?? {}).length > 0
  );
}

function readsEachReader(target: RdsReplicasTarget, rule: Rule): boolean {
  return !target.aurora || perClass(target, rule);
}

/** A rule's metric on one instance, as a share of that instance's class's max_connections when known. */
function onInstance(target: RdsReplicasTarget, rule: Rule, id: string, instanceClass?: string): ScopedMetric {
  const own = instanceClass ? target.maxConnectionsByInstanceClass?.[instanceClass] : undefined;
  return {
    ...rule.metric,
    ...(rule.metric.percentOf !== undefined && own !== undefined ? { percentOf: own } : {}),
    dimensions: { DBInstanceIdentifier: id },
  };
}

/**
 * A rule's metrics: the rule's metric per reader (Aurora: once, for the cluster's `Role=READER`), or the
 * source's when no replica serves (the reads land there; Aurora: `Role=WRITER`, as `Role=READER` has no
 * datapoint then, and a cluster at no reader would never add one); a rule with its own dimensions reads just those.
 * The first rule also reads each reader's lag, after its own series, for the lag gate and the averages.
 */
export function metricsFor(target: Target, rule: Rule, observation: RdsReplicasObservation): ScopedMetric[] {
  const t = rdsTarget(target);
  const live = readers(observation);
  const writerOrSource = t.aurora ? (observation.writer ?? observation.source.id) : observation.source.id;
  const own: ScopedMetric[] = rule.metric.dimensions
    ? [{ ...rule.metric, dimensions: rule.metric.dimensions }]
    : !readsEachReader(t, rule)
      ? [
          {
            ...rule.metric,
            dimensions: {
              DBClusterIdentifier: observation.source.id,
              Role: live.length > 0 ? 'READER' : 'WRITER',
            },
          },
        ]
      : live.length > 0
        ? live.map((r) => onInstance(t, rule, r.id, r.instanceClass))
        : [onInstance(t, rule, writerOrSource, observation.source.instanceClass)];
  const lag = t.rules[0]?.name === rule.name ? live.map((r) => lagMetric(t.aurora, r.id)) : [];
  return [...own, ...lag];
}

/** How many of a rule's series are its own metric (the rest, on the first rule, are the readers' lag). */
function ownCount(target: RdsReplicasTarget, rule: Rule, total: number): number {
  if (rule.metric.dimensions || !readsEachReader(target, rule)) return Math.min(1, total);
  if (target.rules[0]?.name !== rule.name) return total;
  return total === 1 ? 1 : total / 2;
}

/** Each reader's lag in seconds (undefined: no recent datapoint; −1: replication not active). */
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
 * A rule's series as one: the mean per period of the readers that do not lag (a lagging replica, or one
 * whose replication stopped, serves stale reads and counts for nothing; when all do, all count, as that is
 * the load there is). Lagging is past the engine's limit (lagLimitSeconds), as for discovery and the gates:
 * a quiet PostgreSQL source's replicas read up to five minutes of lag and still serve.
 */
export function combine(
  target: Target,
  rule: Rule,
  series: readonly (readonly MetricReading[])[],
  observation: RdsReplicasObservation,
): MetricReading[] {
  const t = rdsTarget(target);
  const count = ownCount(t, rule, series.length);
  const own = series.slice(0, count);
  const lags = series.slice(count);
  const limit = lagLimitSeconds(t, observation.source.engine);
  let kept = own;
  if (lags.length === own.length && lags.length > 0) {
    const fresh = own.filter((_, i) => !isStale(newestLagSeconds(lags[i] ?? [], t.aurora), limit));
    if (fresh.length > 0) kept = fresh;
  }
  return meanPerPeriod(kept);
}

// ---- what the gates weigh ----

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

export const round = (x: number) => Math.round(x * 10) / 10;

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

/** The endpoints reader discovery should publish: available readers that neither drain, lag nor fail. */
export function discoveryEndpoints(
  observation: RdsReplicasObservation,
  lag: ReadonlyMap<string, number | undefined>,
  lagLimit: number,
  except?: string,
): string[] {
  return readers(observation)
    .filter((r) => r.id !== except && !isStale(lag.get(r.id), lagLimit) && r.endpoint)
    .map((r) => r.endpoint as string)
    .sort();
}

/** Newest first (creation time, then name number), the order managed replicas are removed in. */
export function newestFirst(a: ReplicaInstance, b: ReplicaInstance): number {
  return (
    (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0) ||
    b.id.localeCompare(a.id, 'en', { numeric: true })
  );
}
