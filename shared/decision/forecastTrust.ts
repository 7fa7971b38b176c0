import type { LoadHistory } from '../forecast/types';
import type { ForecastRun } from '../tune/forecastRuns';
import type { CalibrationPoint } from './floorSizing';

/**
 * Trust in a target's forecast, measured continuously: every run scores the forecast the previous run made
 * against the load that has since happened, next to what daily seasonal-naive (the same time yesterday)
 * would have said, both scaled by the history's own seasonal-naive error (MASE). While the forecast has done
 * worse than seasonal-naive over the last week, its floors are off.
 */

/** One rule's forecast as kept for scoring: the point forecast from `start`, and the scale of its errors. */
export interface TrackedForecast {
  readonly rule: string;
  /** Epoch ms of `point[0]`. */
  readonly start: number;
  readonly stepMinutes: number;
  readonly point: readonly number[];
  /** The in-sample mean absolute error of daily seasonal-naive on the history it was made from (MASE's scale). */
  readonly scale: number;
}

/** One run's score of the previous forecasts: scaled absolute errors summed over the steps scored. */
export interface ForecastScore {
  /** Epoch ms of the run that scored. */
  readonly at: number;
  readonly steps: number;
  readonly forecastError: number;
  readonly naiveError: number;
}

/** What the ledger keeps per target for trust (JSON: times are epoch ms). */
export interface ForecastTrack {
  readonly madeAt: number;
  readonly forecasts: readonly TrackedForecast[];
  /** Steps up to this time (epoch ms, inclusive) have been scored. */
  readonly scoredUntil: number;
  /** The last week's scores, oldest first. */
  readonly scores: readonly ForecastScore[];
  /** The verdict of the run that wrote it (a change of verdict is recorded and told). */
  readonly trusted: boolean;
  /** Per rule, actual ÷ forecast minute by minute, over the last 6 hours of forecasts in force: the floors' headroom. */
  readonly calibration?: Readonly<Record<string, readonly CalibrationPoint[]>>;
  /** Per rule, the recent runs' point forecasts as they were in force: what walk-forward tuning scores (issue 22). */
  readonly runs?: Readonly<Record<string, readonly ForecastRun[]>>;
}

const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** Under this many scored steps in the week (6 hours at 5 minutes), the forecast keeps the benefit of the doubt. */
export const MIN_SCORED_STEPS = 72;
/** At most this many steps of a forecast are kept for scoring (a day at 5 minutes). */
export const KEPT_STEPS = 288;

/**
 * The mean absolute error of daily seasonal-naive over a history: MASE's scale. At least a millionth of the mean
 * load (a perfectly periodic load would make every error infinite), and 1 when it cannot be told or is 0.
 */
export function seasonalNaiveScale(history: LoadHistory): number {
  const byTime = new Map(history.times.map((t, i) => [t, history.values[i] as number]));
  let sum = 0;
  let n = 0;
  let level = 0;
  history.times.forEach((t, i) => {
    level += Math.abs(history.values[i] as number);
    const before = byTime.get(t - DAY);
    if (before === undefined) return;
    sum += Math.abs((history.values[i] as number) - before);
    n += 1;
  });
  const least = (1e-6 * level) / Math.max(1, history.times.length);
  return n > 0 && sum > 0 ? Math.max(sum / n, least) : 1;
}

/**
 * Scores the tracked forecasts on the steps after `scoredUntil` that now have an actual value and a value a day
 * earlier (for seasonal-naive), up to `now`. Undefined when no step could be scored.
 */
export function scoreTrack(
  track: ForecastTrack,
  histories: Readonly<Record<string, LoadHistory>>,
  now: Date,
): { score?: ForecastScore; scoredUntil: number } {
  let steps = 0;
  let forecastError = 0;
  let naiveError = 0;
  let scoredUntil = track.scoredUntil;
  for (const f of track.forecasts) {
    const history = histories[f.rule];
    if (!history) continue;
    const byTime = new Map(history.times.map((t, i) => [t, history.values[i] as number]));
    f.point.forEach((predicted, i) => {
      const time = f.start + i * f.stepMinutes * 60_000;
      if (time <= track.scoredUntil || time > now.getTime()) return;
      const actual = byTime.get(time);
      const naive = byTime.get(time - DAY);
      if (actual === undefined || naive === undefined) return;
      steps += 1;
      forecastError += Math.abs(predicted - actual) / f.scale;
      naiveError += Math.abs(naive - actual) / f.scale;
      scoredUntil = Math.max(scoredUntil, time);
    });
  }
  return steps > 0
    ? { score: { at: now.getTime(), steps, forecastError, naiveError }, scoredUntil }
    : { scoredUntil };
}

/** The last week's scores and the verdict on them. */
export function trustVerdict(
  scores: readonly ForecastScore[],
  now: Date,
): { trusted: boolean; scores: ForecastScore[]; mase?: number; naiveMase?: number; message: string } {
  const week = scores.filter((s) => s.at > now.getTime() - WEEK);
  const steps = week.reduce((a, s) => a + s.steps, 0);
  if (steps === 0) return { trusted: true, scores: week, message: 'not scored yet' };
  const mase = week.reduce((a, s) => a + s.forecastError, 0) / steps;
  const naiveMase = week.reduce((a, s) => a + s.naiveError, 0) / steps;
  const figures = `MASE ${mase.toFixed(2)} against seasonal-naive ${naiveMase.toFixed(2)} over the last week (${steps} steps)`;
  if (steps < MIN_SCORED_STEPS)
    return { trusted: true, scores: week, mase, naiveMase, message: `${figures}: too few to judge` };
  const trusted = mase <= naiveMase;
  return { trusted, scores: week, mase, naiveMase, message: figures };
}
