import type { Target } from '../policy/schema';
import type { GateOutcome } from './kindModel';
import { otherStageReplicasGate } from './otherStageReplicasGate';
import { nameCandidates } from './rdsReplicasNames';
import {
  brokenReplicas,
  DRAINING_TAG,
  discoveryEndpoints,
  hasOwnReplicas,
  inServingState,
  isDraining,
  isManaged,
  liveReplicas,
  MANAGED_TAG,
  MAX_FAILED_REPLACEMENTS,
  mayRemove,
  newestFirst,
  type Placement,
  placements,
  type RdsReplicasObservation,
  type ReplicaAction,
  type ReplicaInstance,
  rdsTarget,
  readerLag,
  readers,
  round,
  TARGET_TAG,
  wouldReAlarm,
} from './rdsReplicasView';
import { lagLimitSeconds } from './replicaLag';
import type { Decision, MetricReading } from './types';

/** A source not `available` for this long (a maintenance, a console change) is told to the operators once. */
export const SOURCE_BUSY_NOTICE_MINUTES = 30;

export interface GateInput {
  readonly target: Target;
  readonly decision: Decision;
  readonly observation: RdsReplicasObservation;
  readonly metrics: Readonly<Record<string, readonly (readonly MetricReading[])[]>>;
  readonly now: Date;
}

/**
 * Why Scalepilot must not manage this target's replicas at all (validate, plan and every evaluation say
 * it): an Aurora cluster another autoscaler already scales, or one whose new readers would be
 * Serverless v2 (they scale themselves in ACUs, which a count of readers does not measure).
 */
export function rdsReplicasRefusals(target: Target, observation: RdsReplicasObservation): string[] {
  const t = rdsTarget(target);
  const refusals: string[] = [];
  const id = observation.source.id;
  if (observation.nativeScaling && observation.nativeScaling.length > 0)
    refusals.push(
      `Aurora cluster "${id}" has an Application Auto Scaling scalable target on ${observation.nativeScaling.join(', ')} (Aurora Auto Scaling): two autoscalers would fight over its readers; deregister it or remove this target`,
    );
  if (t.aurora && observation.source.serverlessV2 && !t.replicaInstanceClass)
    refusals.push(
      `Aurora cluster "${id}" runs Serverless v2 (db.serverless): its readers scale themselves in ACUs, which Scalepilot does not count; set replicaInstanceClass to a provisioned class or leave the readers to Aurora`,
    );
  return refusals;
}

/**
 * The gates, in order: refusals; another stage's replicas on the source (once a drain of ours under way has
 * settled); source state; replacements
 * exhausted; a failed managed replica replaced (or, once replaced, removed; one with deletion protection is
 * left, told once); a drain under way (cancelled by a scale-out condition, or finished by the delete once
 * `drainSeconds` passed with load still low); a removal (lag, re-alarm projection, ownership, deletion
 * protection, then drain or delete); an addition (one replica at a time); reader discovery kept in sync.
 */
export function gate(input: GateInput): GateOutcome {
  const t = rdsTarget(input.target);
  const refusals = rdsReplicasRefusals(t, input.observation);
  if (refusals.length > 0)
    return { skip: 'RdsReplicasUnsupported', message: refusals.join('; '), notify: true };
  const view = replicaView(input);
  // A drain of ours already under way settles (finished or cancelled) before another stage's replicas hold the
  // target: held, it would stay out of reader discovery, paid for and serving nothing, as long as theirs exist.
  const otherStage = view.draining ? undefined : otherStageReplicasGate(input.observation);
  const outcome =
    otherStage ??
    sourceBusy(view) ??
    failedReplicas(view) ??
    (view.draining ? drainOutcome(view, view.draining) : change(view));
  // A replaced failed replica left in place: told once, when there is nothing else to do.
  const { parked } = view.failures;
  const told = parked.length > 0 && 'pass' in outcome && !outcome.act ? parkedNotice(view, parked) : outcome;
  // Whatever holds the target (a source modifying, a drain waited on), reader discovery is no RDS operation:
  // a replica that fails or lags meanwhile leaves it now; the hold is said, and told, on the next run.
  return 'skip' in told ? (discoverySync(view, `; ${told.message}`) ?? told) : told;
}

/**
 * Replaced failed replicas that stay: one with deletion protection, or one with read replicas of its own
 * (RDS would promote them when it is deleted: someone else's instances, changed).
 */
function parkedNotice(view: ReplicaView, parked: readonly ReplicaInstance[]): GateOutcome {
  const kept = (r: ReplicaInstance) =>
    r.deletionProtection
      ? 'has deletion protection: left in place; turn it off (Scalepilot then deletes it) or delete it by hand'
      : `has read replicas of its own (${r.replicas?.join(', ')}), which deleting it would promote: left in place; once they are gone Scalepilot deletes it`;
  return {
    skip: parked.some((r) => r.deletionProtection) ? 'DeletionProtected' : 'NotOwned',
    notify: true,
    message: parked.map((r) => `${r.id} is ${view.why(r)} and was replaced, but ${kept(r)}`).join('; '),
  };
}

/**
 * Reader discovery kept in sync while an operation is in flight (KindModel.stepWhilePending): the step that
 * needs no intent, taken when discovery lists other than the replicas that serve (one lagging, or come to
 * serve, during a create). Nothing for a target the kind refuses or without reader discovery.
 */
export function discoveryWhilePending(
  input: Omit<GateInput, 'decision'> & { readonly current: number },
): { act: ReplicaAction; message: string } | undefined {
  const t = rdsTarget(input.target);
  if (!t.readerDiscovery || rdsReplicasRefusals(t, input.observation).length > 0) return undefined;
  const lag = readerLag(t, input.observation, input.metrics, input.now);
  const { wanted } = discoveryOf(t, input.observation, lag);
  return syncDiscovery(t, input.observation, wanted, input.current);
}

/** The sync of reader discovery to `wanted`, when the target keeps one and it lists others; else undefined. */
function syncDiscovery(
  t: ReturnType<typeof rdsTarget>,
  observation: RdsReplicasObservation,
  wanted: readonly string[],
  current: number,
): { act: ReplicaAction; message: string } | undefined {
  if (!t.readerDiscovery || sameList(observation.discovery, wanted)) return undefined;
  return {
    act: { type: 'syncDiscovery', desired: current, discovery: wanted },
    message: `reader discovery set to ${wanted.length > 0 ? wanted.join(', ') : 'no reader'}`,
  };
}

/** The serving readers' endpoints, and what discovery publishes for a list (the source's when it is empty). */
function discoveryOf(
  t: ReturnType<typeof rdsTarget>,
  observation: RdsReplicasObservation,
  lag: ReturnType<typeof readerLag>,
) {
  const { source } = observation;
  const readerEndpoints = discoveryEndpoints(observation, lag, lagLimitSeconds(t, source.engine));
  // With no reader to offer, discovery points at the source, so reads keep working.
  const published = (list: readonly string[]) =>
    list.length > 0 ? [...list].sort() : source.endpoint ? [source.endpoint] : [];
  return { readerEndpoints, published, wanted: published(readerEndpoints) };
}

/** What the gates read of the observation: health, lag, who serves, reader discovery, names taken, failures. */
function replicaView({ target, decision, observation, metrics, now }: GateInput) {
  const t = rdsTarget(target);
  const { source } = observation;
  const lag = readerLag(t, observation, metrics, now);
  const broken = brokenReplicas(t, observation, lag, now);
  const { readerEndpoints, published, wanted } = discoveryOf(t, observation, lag);
  const current = decision.current;
  const lagLimit = lagLimitSeconds(t, source.engine);
  return {
    t,
    decision,
    observation,
    now,
    source,
    current,
    lag,
    broken,
    serving: readers(observation).filter((r) => !broken.has(r.id)),
    readerEndpoints,
    published,
    wanted,
    discovery: t.readerDiscovery ? { discovery: wanted } : {},
    taken: new Set([
      source.id,
      ...(observation.writer ? [observation.writer] : []),
      ...observation.replicas.map((r) => r.id),
      ...(observation.otherIds ?? []),
    ]),
    why: (r: ReplicaInstance) => broken.get(r.id) ?? r.status,
    failures: failureView(t, observation, broken),
    lagLimit,
    laggingNow: [...lag].filter(([id, s]) => !broken.has(id) && (s === undefined || s > lagLimit)),
    scaleOutCondition: decision.direction === 'out' || decision.recommendation > current,
    low: decision.direction === 'in' || decision.recommendation < current,
    draining: liveReplicas(observation, broken)
      .filter((r) => isManaged(t, r) && isDraining(r))
      .sort(newestFirst)[0],
  };
}
type ReplicaView = ReturnType<typeof replicaView>;

/**
 * The managed replicas that failed: a failed replica older than a healthy managed one has been replaced and
 * only needs removing, unless it has deletion protection or read replicas of its own (then it stays, parked,
 * and the operators are told).
 */
function failureView(
  t: ReturnType<typeof rdsTarget>,
  observation: RdsReplicasObservation,
  broken: ReadonlyMap<string, string>,
) {
  const failedManaged = observation.replicas
    .filter((r) => broken.has(r.id) && isManaged(t, r))
    .sort(newestFirst);
  const newestHealthy = liveReplicas(observation, broken)
    .filter((r) => isManaged(t, r))
    .sort(newestFirst)[0];
  const isReplaced = (f: ReplicaInstance) =>
    newestHealthy !== undefined && (newestHealthy.createdAt?.getTime() ?? 0) > (f.createdAt?.getTime() ?? 0);
  const kept = (f: ReplicaInstance) => f.deletionProtection || hasOwnReplicas(f);
  const parked = failedManaged.filter((f) => isReplaced(f) && kept(f));
  return {
    parked,
    replaced: failedManaged.find((f) => isReplaced(f) && !kept(f)),
    failing: failedManaged.filter((f) => !parked.includes(f)),
  };
}

/** Nothing is added or removed while the source is not `available`; told once when it lasts. */
function sourceBusy({ source, now }: ReplicaView): GateOutcome | undefined {
  if (source.status === 'available') return undefined;
  const minutes = source.busySince ? (now.getTime() - source.busySince.getTime()) / 60_000 : undefined;
  const long = minutes === undefined || minutes >= SOURCE_BUSY_NOTICE_MINUTES;
  return {
    skip: 'SourceNotAvailable',
    message: `source ${source.id} is ${source.status}${minutes !== undefined ? ` (for ${Math.round(minutes)} min)` : ''}: no replica is added or removed until it is available`,
    // A routine change passes unnoticed; one that holds the target this long is told, once.
    ...(long ? { notify: true } : {}),
  };
}

/** Replacements exhausted; a replaced failed replica deleted; a failed one replaced. */
function failedReplicas(view: ReplicaView): GateOutcome | undefined {
  const { t, source, current, why, now } = view;
  const { replaced, failing } = view.failures;
  if (!replaced && failing.length > MAX_FAILED_REPLACEMENTS)
    return {
      skip: 'ReplacementsExhausted',
      notify: true,
      message: `${failing.length} managed replicas failed in a row (${failing.map((r) => `${r.id} ${why(r)}`).join(', ')}): the original and ${MAX_FAILED_REPLACEMENTS} replacements; Scalepilot acts on ${source.id} again once they are repaired or deleted`,
    };
  if (replaced)
    return {
      // Out of reader discovery first (readers that fail are not published): its clients read stale data.
      act: { type: 'deleteFailed', desired: current, replica: replaced.id, pending: true, ...view.discovery },
      reason: 'RemovingFailedReplica',
      message: `replica ${replaced.id} is ${why(replaced)} and was replaced: deleting it`,
    };
  const failed = failing[0];
  if (!failed) return undefined;
  const candidates = nameCandidates(source.id, view.taken);
  return {
    act: {
      type: 'replace',
      desired: Math.min(current + 1, t.capacity.max),
      // An operation even when the count stays (the failed one is no capacity, current already at
      // capacity.max): in flight until the replacement serves, so the failed one is not deleted before
      // (the soak, seed 2026, deleted it four minutes into the replacement's create).
      pending: true,
      failed: failed.id,
      candidates,
      placements: afterFailure(placements(t, view.observation), failed),
      requestedAt: now.toISOString(),
      ...view.discovery,
    } satisfies ReplicaAction,
    reason: 'ReplacingFailedReplica',
    message: `replica ${failed.id} is ${why(failed)} (no capacity): creating ${candidates[0]} to replace it (failure ${failing.length} of at most ${MAX_FAILED_REPLACEMENTS + 1})`,
  };
}

/**
 * A removal: held while a replica lags, when the rest would re-alarm, when fewer than `min` others serve, or
 * by deletion protection; then drained first (when `drainSeconds` > 0) or deleted, one at a time.
 */
function removal(view: ReplicaView, replica: ReplicaInstance, reason: string): GateOutcome {
  const { t, decision, current, serving, now, laggingNow, lagLimit } = view;
  if (laggingNow.length > 0)
    return {
      skip: 'ReplicaLagging',
      message: `no removal while a replica lags over ${lagLimit} s: ${laggingNow
        .map(([id, s]) => (s === undefined ? `${id} lag unknown` : `${id} lags ${round(s)} s`))
        .join(', ')}`,
    };
  const n = serving.length + (isDraining(replica) && inServingState(replica) ? 1 : 0);
  const crossed = wouldReAlarm(t, decision, n);
  if (crossed.length > 0)
    return {
      skip: 'WouldReAlarm',
      message: `removing one of ${n} readers would put the rest over the scale-out threshold: ${crossed.join('; ')}`,
    };
  // Counted on what serves now, not on `current` (which counts replicas still coming up, and lags
  // unread): a serving replica goes only when `min` others serve (the soak, seed 12345).
  const servingOthers = serving.filter((r) => r.id !== replica.id);
  if (serving.some((r) => r.id === replica.id) && servingOthers.length < t.capacity.min)
    return {
      skip: 'AtMinCapacity',
      message: `${replica.id} stays: ${servingOthers.length} other replica(s) serve reads, under capacity.min ${t.capacity.min} (the rest are coming up, failed or draining)`,
    };
  if (replica.deletionProtection)
    return {
      skip: 'DeletionProtected',
      message: `${replica.id} has deletion protection: left in place (turn it off to let Scalepilot remove it)`,
    };
  const others = view.readerEndpoints.filter((e) => e !== replica.endpoint);
  const discovery = t.readerDiscovery ? { discovery: view.published(others) } : {};
  if (!isDraining(replica) && t.drainSeconds > 0)
    return {
      act: { type: 'drain', desired: current, replica: replica.id, at: now.toISOString(), ...discovery },
      reason: 'Draining',
      message: `${replica.id} tagged ${DRAINING_TAG} and out of reader discovery; deleted after ${t.drainSeconds} s if load stays low`,
    };
  const action: ReplicaAction = { type: 'delete', desired: current - 1, replica: replica.id, ...discovery };
  return decision.desired === current - 1
    ? { pass: true, act: action }
    : {
        act: action,
        reason: 'ScaleIn',
        message: `deleting ${replica.id} (${reason}); one replica at a time`,
      };
}

/**
 * A drain under way: cancelled by a scale-out condition, at the minimum, when someone replicates from the
 * replica, or when load is no longer low once `drainSeconds` passed; waited out; else finished by the removal.
 */
function drainOutcome(view: ReplicaView, draining: ReplicaInstance): GateOutcome {
  const { t, current, serving, now, scaleOutCondition, low } = view;
  const since = new Date(draining.tags[DRAINING_TAG] ?? '');
  const elapsed = Number.isNaN(since.getTime())
    ? Number.POSITIVE_INFINITY
    : (now.getTime() - since.getTime()) / 1000;
  // At the minimum (a replica deleted by hand or failed meanwhile, or the others not serving yet),
  // finishing the drain would go below it.
  const atMin = current <= t.capacity.min || serving.length < t.capacity.min;
  const why = scaleOutCondition
    ? 'scale-out condition'
    : atMin
      ? `${current} replica(s), ${serving.length} other(s) serving, and capacity.min is ${t.capacity.min}`
      : hasOwnReplicas(draining)
        ? `it has read replicas of its own (${draining.replicas?.join(', ')}), which deleting it would promote`
        : elapsed >= t.drainSeconds && !low
          ? 'load no longer low'
          : undefined;
  if (why)
    return {
      act: {
        type: 'cancelDrain',
        desired: current,
        replica: draining.id,
        ...(t.readerDiscovery
          ? { discovery: view.published(withEndpoint(view.readerEndpoints, draining)) }
          : {}),
      } satisfies ReplicaAction,
      reason: 'DrainCancelled',
      message: `${why}: ${draining.id} back in service`,
    };
  const republish = stillPublished(view, draining);
  if (republish) return republish;
  if (elapsed < t.drainSeconds)
    return {
      skip: 'Draining',
      message: `${draining.id} draining since ${since.toISOString()}; deleted after ${t.drainSeconds} s if load stays low`,
    };
  return removal(view, draining, `drained for ${Math.round(elapsed)} s with load low`);
}

/**
 * A draining replica reader discovery still lists (its drain's discovery write failed after the tag, or the
 * places disagree): clients still reach it, so it is taken out again and its drain starts over, never deleted
 * while published.
 */
function stillPublished(view: ReplicaView, draining: ReplicaInstance): GateOutcome | undefined {
  const { t, observation, current, now } = view;
  const published = observation.discovery;
  if (!t.readerDiscovery || !draining.endpoint) return undefined;
  if (published !== undefined && !published.includes(draining.endpoint)) return undefined;
  return {
    act: {
      type: 'drain',
      desired: current,
      replica: draining.id,
      at: now.toISOString(),
      discovery: view.wanted,
    } satisfies ReplicaAction,
    reason: 'Draining',
    message: `${draining.id} is draining but still in reader discovery: taken out again, deleted after ${t.drainSeconds} s from now if load stays low`,
  };
}

/** No drain under way: a removal, an addition (one replica at a time), or reader discovery kept in sync. */
function change(view: ReplicaView): GateOutcome {
  const { t, decision, current, source, observation, broken, now } = view;
  if (decision.desired < current) {
    // One someone replicates from is not removed: RDS would promote its replicas, someone else's instances.
    const removable = liveReplicas(observation, broken)
      .filter((r) => mayRemove(t, r))
      .sort(newestFirst)[0];
    if (!removable)
      return {
        skip: 'NotOwned',
        message: `every replica of ${source.id} was made by hand (not tagged ${MANAGED_TAG}=true, ${TARGET_TAG}=${t.name}) or has read replicas of its own (deleting it would promote them): none is removed`,
      };
    return removal(view, removable, 'load low');
  }
  if (decision.desired > current) {
    const candidates = nameCandidates(source.id, view.taken);
    if (candidates.length === 0)
      return { skip: 'AtMaxCapacity', message: `every replica name of ${source.id} is taken` };
    const action: ReplicaAction = {
      type: 'create',
      desired: current + 1,
      candidates,
      placements: placements(t, observation),
      requestedAt: now.toISOString(),
      ...view.discovery,
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
  return discoverySync(view) ?? { pass: true };
}

/** Reader discovery set to the serving readers when it lists others (`during`: what else is under way). */
function discoverySync(view: ReplicaView, during = ''): GateOutcome | undefined {
  const sync = syncDiscovery(view.t, view.observation, view.wanted, view.current);
  return sync && { act: sync.act, reason: 'ReaderDiscoverySynced', message: `${sync.message}${during}` };
}

const sameList = (a: readonly string[] | undefined, b: readonly string[]) =>
  a !== undefined && a.length === b.length && [...a].sort().every((x, i) => x === b[i]);

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
  return replica.endpoint && inServingState(replica) && !list.includes(replica.endpoint)
    ? [...list, replica.endpoint].sort()
    : [...list];
}
