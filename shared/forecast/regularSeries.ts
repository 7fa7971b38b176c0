import { ForecastInputError, type LoadHistory } from './types';

/** Steps the forecaster works at: every whole number of minutes that divides an hour (1, 5, 60 and the rest). */
export const supportedSteps = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60] as const;

const MINUTE = 60_000;

/**
 * The data's step: the median interval between datapoints, snapped to the nearest supported step when within
 * 10% of it (CloudWatch and trace timestamps jitter by seconds). Gaps are rare intervals, so the median ignores
 * them. `undefined` when there are fewer than two points or no supported step is near.
 */
export function inferStepMinutes(times: readonly number[]): number | undefined {
  if (times.length < 2) return undefined;
  const minutes = medianIntervalMinutes(times);
  const nearest = supportedSteps.reduce((a, b) => (Math.abs(b - minutes) < Math.abs(a - minutes) ? b : a));
  return Math.abs(nearest - minutes) <= 0.1 * nearest ? nearest : undefined;
}

/** The median interval between consecutive timestamps, in minutes (NaN under two timestamps). */
export function medianIntervalMinutes(times: readonly number[]): number {
  if (times.length < 2) return Number.NaN;
  const intervals = new Float64Array(times.length - 1);
  for (let i = 1; i < times.length; i += 1)
    intervals[i - 1] = (times[i] as number) - (times[i - 1] as number);
  intervals.sort();
  const mid = intervals.length >> 1;
  const median =
    intervals.length % 2 === 1
      ? (intervals[mid] as number)
      : ((intervals[mid - 1] as number) + (intervals[mid] as number)) / 2;
  return median / MINUTE;
}

/**
 * Throws ForecastInputError for histories no caller should pass: lengths that differ, or times that are not
 * finite and strictly increasing. (Missing or non-finite values are data, not errors: they are gaps.)
 */
export function checkHistory(history: LoadHistory): void {
  const { times, values } = history;
  if (times.length !== values.length)
    throw new ForecastInputError(
      `forecast history: ${times.length} timestamps but ${values.length} values (one value per timestamp)`,
    );
  for (let i = 0; i < times.length; i += 1) {
    const t = times[i] as number;
    if (!Number.isFinite(t)) throw new ForecastInputError(`forecast history: timestamp ${i} is not a number`);
    if (i > 0 && t <= (times[i - 1] as number))
      throw new ForecastInputError(
        `forecast history: timestamps must increase strictly; ${i} (${t}) is not after ${i - 1} (${times[i - 1]})`,
      );
  }
}

/** A history on a regular grid ending at its newest datapoint; a step without a datapoint is NaN. */
export interface RegularSeries {
  /** Epoch ms of values[0]. */
  readonly start: number;
  readonly stepMinutes: number;
  readonly values: Float64Array;
  /** Steps that hold a datapoint. */
  readonly observed: number;
}

/**
 * Puts the history on a grid of `stepMinutes` anchored at its newest datapoint, keeping at most `maxDays`.
 * Each datapoint goes to its nearest grid step (several in one step are averaged); non-finite values are gaps.
 */
export function toRegularSeries(history: LoadHistory, stepMinutes: number, maxDays = 14): RegularSeries {
  checkHistory(history);
  const { times, values } = history;
  const stepMs = stepMinutes * MINUTE;
  const last = times[times.length - 1];
  if (last === undefined) return { start: 0, stepMinutes, values: new Float64Array(0), observed: 0 };
  const maxSlots = Math.round((maxDays * 1440) / stepMinutes);
  const span = Math.round((last - (times[0] as number)) / stepMs) + 1;
  const n = Math.min(span, maxSlots);
  const sums = new Float64Array(n);
  const counts = new Uint16Array(n);
  for (let i = times.length - 1; i >= 0; i -= 1) {
    const slot = n - 1 - Math.round((last - (times[i] as number)) / stepMs);
    if (slot < 0) break;
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    sums[slot] = (sums[slot] as number) + v;
    counts[slot] = (counts[slot] as number) + 1;
  }
  const grid = new Float64Array(n);
  let observed = 0;
  for (let i = 0; i < n; i += 1) {
    const c = counts[i] as number;
    grid[i] = c > 0 ? (sums[i] as number) / c : Number.NaN;
    if (c > 0) observed += 1;
  }
  return { start: last - (n - 1) * stepMs, stepMinutes, values: grid, observed };
}
