import type { LoadForecast, LoadHistory } from '../forecast/types';

/**
 * The seasonal floor (issue 22): the load the same time of day (or week) had, scaled to today's level, as a
 * floor under the forecast's point. A blended forecast smooths a recurring peak that a plain "yesterday at this
 * time" keeps whole; taking the higher of the two plans for the peak without paying for it every hour.
 *
 * For a step at time t and a period P (a day, a week), the seasonal value is the load at t − kP, k the fewest
 * periods that reach a step already observed, times the level ratio: the mean load of the last
 * `SEASONAL_LEVEL_MINUTES` before the forecast ÷ the mean of the same minutes k periods earlier (so a day that
 * runs 20% busier than yesterday plans for yesterday's peak + 20%), bounded to [½, 2] so one quiet or noisy
 * window cannot halve or multiply the floor more than that.
 */

/** The seasons the floor can follow, in minutes. */
export const SEASONAL_PERIOD_MINUTES = { day: 1440, week: 10_080 } as const;
export type SeasonalPeriod = keyof typeof SEASONAL_PERIOD_MINUTES;

/** The window the level ratio compares: the last 3 hours (long enough to ignore a spike, short enough to follow a day). */
export const SEASONAL_LEVEL_MINUTES = 180;
/** The level ratio's bounds. */
export const LEVEL_RATIO_BOUNDS = [0.5, 2] as const;

const MINUTE = 60_000;

/**
 * The history's value of the step starting at epoch ms `time`, or undefined when it holds no datapoint (the
 * predict function's lookup of its history, the backtest's of the run's).
 */
export type HistoryAt = (time: number) => number | undefined;

/** The lookup of a history read from CloudWatch (its datapoints by timestamp). */
export function historyLookup(history: LoadHistory): HistoryAt {
  const byTime = new Map(history.times.map((t, i) => [t, history.values[i] as number]));
  return (time) => byTime.get(time);
}

/** The mean of the steps with a datapoint in [from, to), or undefined when none has one. */
function meanOver(valueAt: HistoryAt, from: number, to: number, stepMs: number): number | undefined {
  let sum = 0;
  let n = 0;
  for (let t = from; t < to; t += stepMs) {
    const v = valueAt(t);
    if (v === undefined || !Number.isFinite(v)) continue;
    sum += v;
    n += 1;
  }
  return n > 0 ? sum / n : undefined;
}

/**
 * The level ratio k periods back: today's level over that one's, within LEVEL_RATIO_BOUNDS; undefined when
 * either window holds no datapoint or the earlier level is not positive (nothing to scale from).
 */
export function levelRatio(
  valueAt: HistoryAt,
  start: number,
  stepMinutes: number,
  lagMinutes: number,
): number | undefined {
  const stepMs = stepMinutes * MINUTE;
  const window = SEASONAL_LEVEL_MINUTES * MINUTE;
  const now = meanOver(valueAt, start - window, start, stepMs);
  const then = meanOver(valueAt, start - lagMinutes * MINUTE - window, start - lagMinutes * MINUTE, stepMs);
  if (now === undefined || then === undefined || !(then > 0)) return undefined;
  const [low, high] = LEVEL_RATIO_BOUNDS;
  return Math.min(high, Math.max(low, now / then));
}

/**
 * The seasonal value of each of the forecast's steps: the most over `periods` of the level-scaled load one or
 * more periods back (NaN where no period has a datapoint).
 */
export function seasonalValues(
  forecast: Pick<LoadForecast, 'start' | 'stepMinutes' | 'point'>,
  valueAt: HistoryAt,
  periods: readonly SeasonalPeriod[],
): number[] {
  const { start, stepMinutes } = forecast;
  const stepMs = stepMinutes * MINUTE;
  const ratios = new Map<number, number | undefined>();
  const ratioAt = (lag: number) => {
    if (!ratios.has(lag)) ratios.set(lag, levelRatio(valueAt, start, stepMinutes, lag));
    return ratios.get(lag);
  };
  return forecast.point.map((_, i) => {
    const time = start + i * stepMs;
    let most = Number.NaN;
    for (const period of periods) {
      const p = SEASONAL_PERIOD_MINUTES[period];
      // The fewest whole periods back that land on a step before the forecast's first.
      const k = Math.floor((time - start) / (p * MINUTE)) + 1;
      const ratio = ratioAt(k * p);
      const then = valueAt(time - k * p * MINUTE);
      if (ratio === undefined || then === undefined || !Number.isFinite(then)) continue;
      const value = then * ratio;
      if (!(value <= most)) most = value;
    }
    return most;
  });
}

/**
 * The forecast with its point raised to the seasonal floor where that is higher (no periods: the forecast
 * itself). The message says how many steps the seasonal floor raised, so a floor's source names it.
 */
export function withSeasonalFloor(
  forecast: LoadForecast,
  valueAt: HistoryAt,
  periods: readonly SeasonalPeriod[],
): LoadForecast {
  if (periods.length === 0) return forecast;
  const seasonal = seasonalValues(forecast, valueAt, periods);
  let raised = 0;
  const point = forecast.point.map((v, i) => {
    const s = seasonal[i] as number;
    if (s > v) {
      raised += 1;
      return s;
    }
    return v;
  });
  if (raised === 0) return forecast;
  return {
    ...forecast,
    point,
    message: `${forecast.message}; seasonal floor (${periods.join(' and ')} before, level-scaled) above it at ${raised} of ${point.length} steps`,
  };
}
