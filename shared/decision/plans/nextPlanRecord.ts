import type { CapacityState } from '../types';
import { unitsWarming } from '../unitsWarming';
import { blockedBy } from './blockedBy';
import { LEAD_OBSERVATIONS_KEPT } from './estimateLeadMinutes';
import type { PlanMemberRecord } from './types';

/** A scale-out that has not served after this long is no lead time to learn from (the longest lead is 120 min). */
const GROWTH_WATCHED_MINUTES = 180;

/** A member's resource as its walk observed it, for its plan record (planObserved). */
export interface PlanObserved {
  readonly ordered: number;
  readonly serving: number;
  /** Fewer units than it ordered that it can count on, when so (PlanMemberState.reachable). */
  readonly reachable?: number;
  /** The most units its resource takes now (PlanMemberState.max). */
  readonly max?: number;
}

/** A member's capacity view as its plan record takes it: a group whose launches fail reaches what it holds. */
export function planObserved(state: CapacityState): PlanObserved {
  const failing = state.launchesFailing;
  return {
    ordered: state.current,
    serving: state.serving,
    max: state.liveMax,
    ...(failing ? { reachable: Math.max(0, state.current - failing.missing) } : {}),
  };
}

/** What one recorded decision of a member leaves in its plan record. */
export interface PlanRecordInput {
  readonly previous: PlanMemberRecord | undefined;
  /** The member's resource as the decision saw it; undefined when it was not observed (backed off). */
  readonly observed: PlanObserved | undefined;
  readonly decision: {
    readonly current: number;
    readonly desired: number;
    readonly reason: Parameters<typeof blockedBy>[0]['reason'];
  };
  /** When the decision's change was made, if it was (a scale-out's lead time is measured from then). */
  readonly appliedAt: Date | undefined;
  readonly changes: PlanMemberRecord['changes'];
  readonly planLevels: PlanMemberRecord['planLevels'];
  /** A group's instance warm-up: the units it added within it are in service but serve no load yet. */
  readonly warmupSeconds?: number;
  readonly now: Date;
}

/**
 * A member's plan record after one of its decisions (pure): what it has ordered and what serves, why it cannot
 * follow (blockedBy.ts), and its lead times learned: a scale-out is watched from the decision that made it
 * until the member serves that level, and the seconds it took join `leadSeconds` (the last 20, for
 * estimateLeadMinutes.ts); a scale-out given up (the member back below it) or unserved for three hours
 * teaches nothing. A group's units within their warm-up do not serve yet, as its own decision counts them.
 * Undefined when nothing is known of the member (never observed).
 */
export function nextPlanRecord(input: PlanRecordInput): PlanMemberRecord | undefined {
  const { previous, observed, decision, appliedAt, now } = input;
  if (!observed && !previous) return undefined;
  const ordered = observed ? (appliedAt ? decision.desired : observed.ordered) : (previous?.ordered ?? 0);
  const serving = observed ? warmed(observed.serving, ordered, input) : (previous?.serving ?? 0);
  let leadSeconds = previous?.leadSeconds ?? [];
  let growing = previous?.growing;
  if (growing && observed) {
    const waited = (now.getTime() - growing.at.getTime()) / 1000;
    // Past the watch it teaches nothing, even if it serves now: it may have served at any time unwatched.
    if (waited > GROWTH_WATCHED_MINUTES * 60) growing = undefined;
    else if (serving >= growing.to) {
      leadSeconds = [...leadSeconds, waited].slice(-LEAD_OBSERVATIONS_KEPT);
      growing = undefined;
    } else if (ordered < growing.to) growing = undefined;
  }
  if (appliedAt && decision.desired > decision.current && !growing && serving < decision.desired)
    growing = { at: appliedAt, to: decision.desired };
  const blocked = blockedBy(decision);
  const reachable = observed?.reachable;
  const max = observed ? observed.max : previous?.max;
  return {
    ordered,
    serving,
    ...(blocked !== undefined ? { blocked } : {}),
    ...(blocked !== undefined && reachable !== undefined ? { reachable } : {}),
    ...(max !== undefined ? { max } : {}),
    at: now,
    changes: input.changes,
    planLevels: input.planLevels,
    leadSeconds,
    ...(growing ? { growing } : {}),
  };
}

/**
 * What serves of a member: for a group, its instances in service less the units it added within its warm-up
 * (EC2 reports them InService before they take their share of the load; decideCapacity counts them the same).
 */
function warmed(inService: number, ordered: number, input: PlanRecordInput): number {
  const { warmupSeconds, changes, now } = input;
  if (!warmupSeconds) return inService;
  return Math.max(0, Math.min(inService, ordered - unitsWarming(changes, warmupSeconds, now)));
}
