import type { Target } from '../policy/schema';
import {
  brokenReplicas,
  DRAINING_TAG,
  inServingState,
  isDraining,
  isGoing,
  isManaged,
  isUnhealthy,
  MANAGED_TAG,
  mayRemove,
  newestFirst,
  type RdsReplicasObservation,
  rdsTarget,
  readerLag,
  STAGE_TAG,
} from './rdsReplicasView';
import { lagLimitSeconds } from './replicaLag';
import type { MetricReading } from './types';

/** One replica as `scalepilot plan` shows it: what each gate makes of it now. */
export interface ReplicaGateState {
  readonly id: string;
  readonly status: string;
  readonly owner: 'scalepilot' | 'by hand' | 'another target' | 'another stage' | 'another Region';
  /** The stage its Scalepilot tag names (STAGE_TAG), when it carries one. */
  readonly stage?: string;
  /** Counts as serving capacity: a serving state (SERVING_STATES), not draining or lagging, replicating. */
  readonly serving: boolean;
  readonly drainingSince?: string;
  /** Seconds; null when no recent datapoint (blocks removals); −1: replication not active. */
  readonly lagSeconds: number | null;
  readonly deletionProtection: boolean;
  /** Could be the next one removed: Scalepilot's, healthy, unprotected, no one replicating from it. */
  readonly removable: boolean;
  /** Why it is no capacity (a failed state, replication stopped, a create past its deadline). */
  readonly broken?: string;
}

export function replicaGateStates(
  target: Target,
  observation: RdsReplicasObservation,
  metrics: Readonly<Record<string, readonly (readonly MetricReading[])[]>>,
  now: Date,
): ReplicaGateState[] {
  const t = rdsTarget(target);
  const lag = readerLag(t, observation, metrics, now);
  const broken = brokenReplicas(t, observation, lag, now);
  const local = [...observation.replicas].sort(newestFirst).map((r): ReplicaGateState => {
    const lagSeconds = lag.get(r.id);
    const ours = isManaged(t, r);
    const healthy = !isUnhealthy(r) && !isGoing(r) && !broken.has(r.id);
    const why = broken.get(r.id);
    const stage = r.tags[MANAGED_TAG] === 'true' ? r.tags[STAGE_TAG] : undefined;
    return {
      id: r.id,
      status: r.status,
      owner: ours
        ? 'scalepilot'
        : r.otherStage !== undefined
          ? 'another stage'
          : r.tags[MANAGED_TAG] === 'true'
            ? 'another target'
            : 'by hand',
      ...(stage !== undefined ? { stage } : {}),
      // As the capacity view counts it: an unknown lag blocks removals, but only a known one past the limit
      // (or replication stopped) stops a replica serving.
      serving:
        inServingState(r) &&
        !isDraining(r) &&
        !why &&
        (lagSeconds ?? 0) <= lagLimitSeconds(t, observation.source.engine),
      ...(isDraining(r) ? { drainingSince: r.tags[DRAINING_TAG] } : {}),
      lagSeconds: lagSeconds ?? null,
      deletionProtection: r.deletionProtection,
      removable: mayRemove(t, r) && healthy && !r.deletionProtection,
      ...(why ? { broken: why } : {}),
    };
  });
  const remote = (observation.crossRegionReplicas ?? []).map(
    (arn): ReplicaGateState => ({
      id: arn,
      status: 'in another Region',
      owner: 'another Region',
      serving: false,
      lagSeconds: null,
      deletionProtection: false,
      removable: false,
    }),
  );
  return [...local, ...remote];
}
