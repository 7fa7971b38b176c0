import type { PauseState } from '../decision/pauseState';
import { MAX_SCHEDULED_ACTIONS, type ScheduledMinSize } from '../decision/scheduledFloors';
import type { Decision, ReasonCode } from '../decision/types';
import { GROUP_STAGE_TAG, SCHEDULE_OWNER_TAG } from '../policy/fleetSchema';
import type { AsgTarget, Target } from '../policy/schema';
import { floorSpan, floorsDecision } from './floorsDecision';
import { withheldReason } from './readKillSwitch';
import type { TargetFloorPlan } from './targetFloorPlan';

/** What a predict run did with a target's floors: the mode, the kill switch, and what it wrote. */
export interface FloorsWritten {
  /** forecast-and-scale (else forecast-only: nothing is written). */
  readonly scale: boolean;
  readonly dryRun: boolean;
  /** The kill switch's state when it withheld the floors (undefined: not withheld). */
  readonly withheld: Exclude<PauseState, { state: 'running' }> | undefined;
  /** The scheduled MinSize actions the group holds after the run (groups, not a dry run). */
  readonly scheduledActions?: readonly ScheduledMinSize[];
  /** Where the 125-action budget cut the schedule off, when it did. */
  readonly budgetCut?: { readonly cutAt: Date; readonly budget: number };
  /**
   * Granted by tag (fleet.grantGroupsBy), the group lacks the stage's tag: no scheduled actions written, and those
   * this stage wrote on it before (its tag removed since) deleted; `minSize`: the group's as they left it, and
   * `setBack` the action that returns it to the target's minimum when they raised it.
   */
  readonly untagged?: {
    readonly removed: number;
    readonly minSize?: number;
    readonly setBack?: { readonly minSize: number; readonly start: Date };
  };
  /** The group carries another stage's scheduled actions (its ownership tag): none written by this one. */
  readonly anotherStage?: string;
  /**
   * The scaler holds the group's scale-outs (`scalerHold`): no raise written, this stage's earlier actions replaced
   * by the set-back of a MinSize they raised.
   */
  readonly held?: {
    readonly why: string;
    readonly removed: number;
    readonly minSize?: number;
    readonly setBack?: { readonly minSize: number; readonly start: Date };
  };
}

/**
 * A predict run's decision for one target: the reason (why these floors, or why none) and the message (the
 * forecast's source, what was written, the trust verdict, the tuning).
 */
export function predictionDecision(
  target: Target,
  floorPlan: TargetFloorPlan,
  written: FloorsWritten,
  now: Date,
): Decision {
  const { outcome, floors, fromPlan, judged, tuned } = floorPlan;
  const span = floorSpan(floors, now);
  const source = fromPlan ? floors?.source : floorPlan.source;
  const why = outcome.status === 'forecast' ? '' : `${outcome.why}; `;
  return floorsDecision(
    target,
    span,
    predictionReason(floorPlan, written),
    `${why}${source}; ${floorsEffect(target, floorPlan, written, span)}; trust: ${judged.verdict.message}; tuning: ${tuned.why}`,
  );
}

function predictionReason(
  floorPlan: TargetFloorPlan,
  { scale, withheld, budgetCut }: FloorsWritten,
): ReasonCode {
  if (withheld) return withheld.state === 'unknown' ? 'PauseUnknown' : 'Paused';
  // The plan's floors were written, whatever became of the target's own forecast.
  if (floorPlan.fromPlan && scale && !budgetCut) return 'PlanForecast';
  if (floorPlan.outcome.status === 'declined') return 'ForecastDeclined';
  if (floorPlan.outcome.status === 'untrusted') return 'ForecastUntrusted';
  if (floorPlan.outcome.status === 'not-worth-it') return 'FloorsNotWorthIt';
  if (!scale) return 'ForecastOnly';
  if (budgetCut) return 'ScheduleBudget';
  return floorPlan.seasonal ? 'SeasonalFloor' : 'ForecastFloors';
}

/** What the run changed: nothing (forecast-only, withheld), or the floors and the group's scheduled actions. */
function floorsEffect(
  target: Target,
  { floors, needed, seasonal, until }: TargetFloorPlan,
  { scale, dryRun, withheld, scheduledActions, budgetCut, untagged, anotherStage, held }: FloorsWritten,
  span: { now: number; peak: number },
): string {
  if (!scale) return `forecast-only: published, nothing changed (peak need ${Math.max(0, ...needed.units)})`;
  if (withheld)
    return `${withheldReason(withheld)}: no floors and no scheduled actions written (they would be ${floors ? `${span.now} now, up to ${span.peak}` : 'none'})`;
  if (!floors) return 'no floors: reactive only';
  const cut = budgetCut
    ? ` (room for ${budgetCut.budget} of the group's ${MAX_SCHEDULED_ACTIONS}: the nearest hours, MinSize back at the baseline from ${budgetCut.cutAt.toISOString()}; the ledger's floors cover the rest)`
    : '';
  const actions = scheduledActions ? `; ${scheduledActions.length} scheduled action(s) on MinSize${cut}` : '';
  const noActions =
    dryRun && target.kind === 'asg'
      ? '; dry run: no scheduled actions'
      : untagged && target.kind === 'asg'
        ? untaggedNote(target, untagged)
        : anotherStage !== undefined && target.kind === 'asg'
          ? anotherStageNote(target, anotherStage)
          : held && target.kind === 'asg'
            ? heldNote(target, held)
            : '';
  return `floors ${span.now} now, up to ${span.peak} until ${until.toISOString()}${actions}${noActions}${seasonal ?? ''}`;
}

/**
 * Why a group granted by tag got no scheduled actions (it lacks the stage's tag), and those this stage wrote on it
 * before that were deleted: for a target's record and a plan member's alike.
 */
export function untaggedNote(
  target: AsgTarget,
  untagged: {
    readonly removed: number;
    readonly minSize?: number;
    readonly setBack?: { readonly minSize: number; readonly start: Date };
  },
): string {
  return `; no scheduled actions: group ${target.autoScalingGroupName} is not tagged ${GROUP_STAGE_TAG} with this stage's name, which the role's grant needs (fleet.grantGroupsBy: tag)${removedActions(untagged)}`;
}

/**
 * Why a group the scaler holds got no MinSize raise (it would pull desired up around the scaler's hold), and what
 * became of this stage's earlier actions: for a target's record and a member's alike.
 */
export function heldNote(
  target: AsgTarget,
  held: { readonly why: string } & Parameters<typeof removedActions>[0],
): string {
  return `; no scheduled actions: the scaler holds group ${target.autoScalingGroupName}'s scale-outs (${held.why}), and a MinSize raise would pull its desired capacity up around that${removedActions(held)}`;
}

/**
 * Why a group carrying another stage's scheduled actions got none from this one: two stages on one group would
 * each replace the other's actions (and re-tag the group) every hour; for a target's record and a member's alike.
 */
export function anotherStageNote(target: AsgTarget, stage: string): string {
  return `; no scheduled actions: group ${target.autoScalingGroupName} carries stage ${stage}'s (tagged ${SCHEDULE_OWNER_TAG}=${stage}), and two stages would replace each other's every hour: leave it to one stage's policy, or delete that tag if stage ${stage} is gone`;
}

/**
 * The scheduled actions this stage had written on a group that has since lost its stage tag, deleted, and the one
 * that sets back a MinSize they raised, put.
 */
function removedActions({
  removed,
  minSize,
  setBack,
}: {
  readonly removed: number;
  readonly minSize?: number;
  readonly setBack?: { readonly minSize: number; readonly start: Date };
}): string {
  if (removed === 0) return '';
  const after = setBack
    ? `its MinSize ${minSize} goes back to ${setBack.minSize} at ${setBack.start.toISOString().slice(11, 16)}Z`
    : `its MinSize stays at ${minSize}, which they did not raise`;
  return `; deleted the ${removed} scheduled MinSize action(s) this stage wrote on it before (the stage no longer manages it): ${after}`;
}
