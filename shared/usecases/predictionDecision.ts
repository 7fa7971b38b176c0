import type { PauseState } from '../decision/pauseState';
import type { Decision, ReasonCode } from '../decision/types';
import type { Target } from '../policy/schema';
import { floorSpan, floorsDecision } from './floorsDecision';
import { withheldReason } from './readKillSwitch';
import type { GroupActions } from './scheduledActionsOnGroup';
import type { TargetFloorPlan } from './targetFloorPlan';

/** What a predict run did with a target's floors: the mode, the kill switch, and what it wrote. */
export interface FloorsWritten {
  /** forecast-and-scale (else forecast-only: nothing is written). */
  readonly scale: boolean;
  /** The kill switch's state when it withheld the floors (undefined: not withheld). */
  readonly withheld: Exclude<PauseState, { state: 'running' }> | undefined;
  /** What the run left on the target's group, and why none when none (scheduledActionsOnGroup): groups only. */
  readonly onGroup?: GroupActions;
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
    `${why}${source}; ${floorsEffect(floorPlan, written, span)}; trust: ${judged.verdict.message}; tuning: ${tuned.why}`,
  );
}

function predictionReason(
  floorPlan: TargetFloorPlan,
  { scale, withheld, onGroup }: FloorsWritten,
): ReasonCode {
  const budgetCut = onGroup?.budgetCut;
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
  { floors, needed, seasonal, until }: TargetFloorPlan,
  { scale, withheld, onGroup }: FloorsWritten,
  span: { now: number; peak: number },
): string {
  if (!scale) return `forecast-only: published, nothing changed (peak need ${Math.max(0, ...needed.units)})`;
  if (withheld)
    return `${withheldReason(withheld)}: no floors and no scheduled actions written (they would be ${floors ? `${span.now} now, up to ${span.peak}` : 'none'})`;
  if (!floors) return 'no floors: reactive only';
  return `floors ${span.now} now, up to ${span.peak} until ${until.toISOString()}${onGroup?.note ?? ''}${seasonal ?? ''}`;
}
