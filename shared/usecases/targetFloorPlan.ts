import {
  type ActualLoad,
  type CalibrationPoint,
  floorHeadroom,
  measuredHeadroom,
} from '../decision/floorSizing';
import { floorsSource } from '../decision/floorsSource';
import {
  eventOnlyCapacity,
  eventsFor,
  floorSchedule,
  floorsUntil,
  leadSeconds,
  type NeededCapacity,
  neededCapacity,
} from '../decision/forecastFloors';
import { type ForecastTrack, judgeTrack } from '../decision/forecastTrust';
import { withPlanFloors } from '../decision/plans/planForecastFloors';
import type { FloorSchedule } from '../decision/types';
import type { LoadHistory } from '../forecast/types';
import type { PredictivePolicy, Rule, Target } from '../policy/schema';
import type { KnobChoice } from '../tune/chooseFloorKnobs';
import { trackedKnobs } from '../tune/tunedKnobs';
import { calibrated } from './calibrated';
import { type ForecastOutcome, forecastAll, seasonalLift } from './forecastAll';

const MINUTE = 60_000;

/** What a predict run reads for one target before it plans: its load, its track, the group's own bounds. */
export interface TargetFloorInput {
  readonly target: Target;
  readonly predictive: PredictivePolicy;
  readonly histories: Record<string, LoadHistory>;
  readonly recent: Readonly<Record<string, ActualLoad>>;
  /** The forecast track the previous run left (undefined: the first run). */
  readonly track: ForecastTrack | undefined;
  /** The most units the floors may ask for: the target's `capacity.max`, within the group's MaxSize. */
  readonly max: number;
  readonly now: Date;
  /** The floors of the plan the target is a member of, if any (predictPlans). */
  readonly planFloors?: FloorSchedule;
}

/** One target's plan: the verdict on its last forecasts, this run's forecast, the units needed, the floors. */
export interface TargetFloorPlan {
  readonly judged: ReturnType<typeof judgeTrack>;
  /** The last score's MASE (the previous run's forecast against what happened). */
  readonly mase?: number;
  readonly calibration: Record<string, readonly CalibrationPoint[]>;
  readonly tuned: KnobChoice;
  readonly outcome: ForecastOutcome;
  readonly needed: NeededCapacity;
  /** The seasonal floor's clause for the message, when it raised the need (else undefined). */
  readonly seasonal: string | undefined;
  /** Where the target's own floors come from, for the message. */
  readonly source: string;
  /** The floors to write: the target's own, or its plan's where higher. */
  readonly floors: FloorSchedule | undefined;
  readonly fromPlan: boolean;
  /** The lead (seconds) the floors are shifted by, and how far ahead they reach. */
  readonly lead: number;
  readonly until: Date;
}

/**
 * Trust, forecast, need and floors for one target, from what was read: pure. The previous forecasts are judged
 * against the load since, the headroom measured on the recent load, the floor knobs tuned on the target's own
 * runs, each rule forecast (unless untrusted or declined), the units needed with the known events, and the floors
 * shifted earlier by the lead; the plan's floors, where higher, win.
 */
export function targetFloorPlan(input: TargetFloorInput): TargetFloorPlan {
  const { target, predictive, histories, track, now } = input;
  const lead = leadSeconds(target, predictive);
  const events = eventsFor(predictive, target);
  const until = floorsUntil(now, predictive);

  const judged = judgeTrack(track, histories, now, predictive.trustMaseRatio);
  const score = judged.scored?.score;
  const calibration = calibrated(track, input.recent, now);
  // Walk-forward tuning (issue 22): this target's floor knobs, chosen on its own past runs.
  const tuned = trackedKnobs(predictive, target, track, histories, now);
  const measured = (rule: Rule) =>
    measuredHeadroom(
      calibration[rule.name] ?? [],
      rule.metric.periodSeconds / 60,
      tuned.knobs.headroomQuantile,
    );
  const headroom = (rule: Rule) =>
    floorHeadroom(measured(rule), predictive.capacityBufferPercent, predictive.maxBufferPercent);

  const forecast = forecastAll(target, histories, lead, now, until, judged.verdict, headroom, predictive);
  const outcome: ForecastOutcome =
    forecast.status === 'forecast' && !tuned.knobs.floors
      ? { ...forecast, status: 'not-worth-it', why: `floors not worth it: ${tuned.why}` }
      : forecast;
  const needed =
    outcome.status === 'forecast'
      ? neededCapacity(outcome.forecasts, events, until, predictive.maxBufferOfMeanPercent)
      : eventOnlyCapacity(events, new Date(Math.floor(now.getTime() / (5 * MINUTE)) * 5 * MINUTE), 5, until);
  const seasonal = seasonalLift(outcome, needed, events, until, predictive.maxBufferOfMeanPercent);
  const forecasting = outcome.status === 'forecast';
  const source = floorsSource({
    forecast: forecasting ? { message: outcome.forecasts[0]?.forecast.message ?? '' } : undefined,
    rules: forecasting
      ? outcome.forecasts.map((f) => ({
          name: f.rule.name,
          headroom: f.headroom,
          measured: measured(f.rule) !== undefined,
        }))
      : [],
    events,
    start: needed.start,
    until,
    needed,
  });
  const own = floorSchedule(needed, lead, input.max, now, source, tuned.knobs.holdMinutes);
  const { floors, fromPlan } = withPlanFloors(own, input.planFloors);
  return {
    judged,
    ...(score ? { mase: score.forecastError / score.steps } : {}),
    calibration,
    tuned,
    outcome,
    needed,
    seasonal,
    source,
    floors,
    fromPlan,
    lead,
    until,
  };
}
