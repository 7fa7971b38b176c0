import type { Target } from '../policy/schema';
import type { Settlement } from './kindModel';
import { SERVING_STATES } from './rdsReplicaStates';
import {
  isGoing,
  type RdsReplicasObservation,
  type ReplicaAction,
  rdsTarget,
  UNHEALTHY_STATES,
} from './rdsReplicasView';
import type { PendingIntent } from './types';

/** A create that returned but whose replica is not yet visible (describe is eventually consistent). */
const CREATE_VISIBLE_WITHIN_MINUTES = 15;
/** How long RDS may take to delete a replica before the delete counts as stuck (told, then acted past). */
export const DELETE_DEADLINE_MINUTES = 30;
/** A delete RDS accepted shows the replica `deleting` within this long, or it did not take. */
const DELETE_SHOWS_WITHIN_MINUTES = 5;

const minutesSince = (at: Date, now: Date) => (now.getTime() - at.getTime()) / 60_000;

/**
 * What became of an operation written ahead: a create is in flight until its replica serves (`available`, or
 * still loading its volumes: SERVING_STATES) (failed if it lands in a failed state, or is still coming up past the target's
 * `replicaCreateDeadlineMinutes`), a delete until the replica is gone (failed past
 * DELETE_DEADLINE_MINUTES). A failed operation is recorded and told once, and the gates then act past it:
 * a managed replica stuck coming up is replaced like a failed one.
 */
export function settle(
  target: Target,
  intent: PendingIntent,
  observation: RdsReplicasObservation,
  now: Date,
): Settlement {
  const t = rdsTarget(target);
  const action = intent.action as ReplicaAction | undefined;
  const byId = new Map(observation.replicas.map((r) => [r.id, r]));
  const elapsed = minutesSince(intent.at, now);
  if (!action) return { status: 'done' };
  if (action.type === 'create' || action.type === 'replace') {
    const made = action.candidates.map((c) => byId.get(c)).find((r) => r !== undefined);
    const old = action.type === 'replace' ? byId.get(action.failed) : undefined;
    if (!made) {
      if (!intent.recorded) return { status: 'not-applied' };
      return elapsed < CREATE_VISIBLE_WITHIN_MINUTES
        ? { status: 'in-flight', message: `${action.candidates[0]} not visible yet` }
        : { status: 'failed', message: `none of ${action.candidates.join(', ')} appeared` };
    }
    if (UNHEALTHY_STATES.has(made.status))
      return { status: 'failed', message: `replica ${made.id} is ${made.status}` };
    if (!SERVING_STATES.has(made.status)) {
      if (elapsed > t.replicaCreateDeadlineMinutes)
        return {
          status: 'failed',
          message: `replica ${made.id} is still ${made.status} ${Math.round(elapsed)} min after it was asked for (deadline ${t.replicaCreateDeadlineMinutes} min)`,
        };
      return { status: 'in-flight', message: `replica ${made.id} is ${made.status}` };
    }
    if (old && isGoing(old) && elapsed <= DELETE_DEADLINE_MINUTES)
      return { status: 'in-flight', message: `replica ${old.id} is deleting` };
    return { status: 'done' };
  }
  if (action.type === 'delete' || action.type === 'deleteFailed') {
    const replica = byId.get(action.replica);
    if (!replica) return { status: 'done' };
    if (!isGoing(replica)) {
      if (!intent.recorded) return { status: 'not-applied' };
      return elapsed > DELETE_SHOWS_WITHIN_MINUTES
        ? {
            status: 'failed',
            message: `AWS accepted the delete of ${replica.id}, but it is still ${replica.status}`,
          }
        : { status: 'in-flight', message: `replica ${replica.id} is ${replica.status}` };
    }
    if (elapsed > DELETE_DEADLINE_MINUTES)
      return {
        status: 'failed',
        message: `replica ${replica.id} is still deleting ${Math.round(elapsed)} min after the delete (deadline ${DELETE_DEADLINE_MINUTES} min)`,
      };
    return { status: 'in-flight', message: `replica ${replica.id} is deleting` };
  }
  return { status: 'done' };
}
