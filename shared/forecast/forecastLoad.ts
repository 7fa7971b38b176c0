import {
  checkHistory,
  inferStepMinutes,
  medianIntervalMinutes,
  type RegularSeries,
  supportedSteps,
  toRegularSeries,
} from './regularSeries';
import { periodsFor, type SeasonalModel, seasonalModels } from './seasonalModels';
import { medianRange, quantileOf } from './stats';
import type {
  ForecastComponent,
  ForecastDeclined,
  ForecastOptions,
  ForecastResult,
  LoadForecast,
  LoadHistory,
} from './types';

const MIN_HISTORY_MINUTES = 1440;
/**
 * The in-sample backtest: a week of origins every 6 hours back from the newest step, each scored 24 hours
 * ahead, an origin's weight halving per day of age; the last day's 4 origins are also scored on their own.
 */
const BACKTEST_EVERY_MINUTES = 360;
const BACKTEST_ORIGINS = 28;
const HALF_LIFE_MINUTES = 1440;
const BACKTEST_HORIZON_MINUTES = 1440;
const RECENT_ORIGINS = 4;
/**
 * The blend keeps the models within 10% of the best recency-weighted error, among those within 50% of the best
 * error over the last day alone; weights are 1 / error².
 */
const KEEP_WITHIN = 1.1;
const RECENT_WITHIN = 1.5;
/**
 * The upper quantile comes from the blend's full-day errors from origins 24 to 48 hours back (5), or 24 to 96
 * (13), whichever gives the wider band: a regime the last day did not show still widens it.
 */
const QUANTILE_ORIGINS = 5;
const LONG_QUANTILE_ORIGINS = 13;

/**
 * Forecasts a load from its history: for each step of the next `horizonMinutes` (48 h) at the data's own
 * step, a point forecast and an upper quantile. Declines, with a reason, under 24 hours of history, when
 * more than half of it is missing, or at a step that does not divide an hour.
 *
 * The point forecast blends seasonal models (hour, day and week: medians of past periods at the same phase,
 * scaled to the last two hours' load; see seasonalModels.ts), weighted by how well each forecast the history's
 * own last week from origins inside it, recent origins weighing most (the current regime decides).
 * The upper quantile adds the empirical quantile of those in-sample errors, relative to the forecast, so it
 * widens with the load's own volatility. Pure: time comes from the history.
 */
export function forecastLoad(history: LoadHistory, options: ForecastOptions = {}): ForecastResult {
  const quantile = options.quantile ?? 0.9;
  const horizonMinutes = options.horizonMinutes ?? 2880;
  const times = history.times;
  const spanMinutes = (times.length === 0 ? 0 : (times.at(-1) as number) - (times[0] as number)) / 60_000;
  checkHistory(history);
  const step = options.stepMinutes ?? inferStepMinutes(times);
  if (step === undefined || !(supportedSteps as readonly number[]).includes(step))
    return declined(
      'UnsupportedStep',
      times.length < 2
        ? `${times.length} datapoint(s): no step to forecast at`
        : `the data's step (${+(step ?? medianIntervalMinutes(times)).toFixed(2)} min) is not one of ${supportedSteps.join(', ')} minutes`,
      spanMinutes,
    );
  const series = toRegularSeries(history, step);
  const n = series.values.length;
  const historyMinutes = n * step;
  if (historyMinutes < MIN_HISTORY_MINUTES)
    return declined(
      'InsufficientHistory',
      `${formatMinutes(historyMinutes)} of history, under the 24 h a daily cycle needs: reactive only`,
      historyMinutes,
      step,
    );
  const missingFraction = 1 - series.observed / n;
  if (missingFraction > 0.5)
    return declined(
      'TooManyGaps',
      `${Math.round(missingFraction * 100)}% of the last ${formatMinutes(historyMinutes)} is missing`,
      historyMinutes,
      step,
    );
  return blend(series, Math.max(1, Math.round(horizonMinutes / step)), quantile, missingFraction);
}

function blend(
  series: RegularSeries,
  horizon: number,
  quantile: number,
  missingFraction: number,
): LoadForecast {
  const y = series.values;
  const step = series.stepMinutes;
  const n = y.length;
  const p = periodsFor(step);
  const models = seasonalModels(y, step).filter((m) => m.needs <= n);
  const scored = inSampleBacktest(y, step, models);
  const lowest = (of: (s: Scored) => number) =>
    Math.min(...scored.map((s) => (Number.isNaN(of(s)) ? Number.POSITIVE_INFINITY : of(s))));
  const best = lowest((s) => s.mae);
  const bestRecent = lowest((s) => s.recentMae);
  // Kept: the models near the best over the week of origins that are also near the best over the last day,
  // so a pattern that has just ended (a burst regime, yesterday's level) no longer votes.
  const recentOk = scored.filter((s) => s.recentMae <= bestRecent * RECENT_WITHIN);
  const bestOk = Math.min(...recentOk.map((s) => s.mae));
  const kept = Number.isFinite(best)
    ? recentOk.filter((s) => s.mae <= bestOk * KEEP_WITHIN)
    : // Without enough history to backtest, the day-hour model (the daily one at an hourly step) alone.
      scored.filter((s) => /^(day-hour|day)×ratio$/.test(s.model.name)).slice(0, 1);
  const weights = kept.map((s) => (Number.isFinite(best) ? 1 / Math.max(s.mae, 1e-12) ** 2 : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const nonNegative = y.every((v) => Number.isNaN(v) || v >= 0);
  const combine = (forecasts: Float64Array[], length: number): Float64Array => {
    const out = new Float64Array(length);
    forecasts.forEach((f, k) => {
      const w = (weights[k] as number) / total;
      for (let h = 0; h < length; h += 1) out[h] = (out[h] as number) + w * (f[h] as number);
    });
    if (nonNegative) for (let h = 0; h < length; h += 1) out[h] = Math.max(0, out[h] as number);
    return out;
  };
  const point = combine(
    kept.map((s) => s.model.forecast(n, horizon)),
    horizon,
  );
  // The upper quantile: the forecast plus the quantile of the blend's full-day errors from origins 24 to 48
  // hours back, or to 96 when that is wider (full days, since near-horizon errors alone understate a day
  // ahead), relative to the forecast (so a busy hour gets a wider margin than a quiet one); never below the point.
  // Relative to at least half the last day's median: a forecast near zero at one step must not blow the margin up.
  const scale = Math.max(1e-9, 0.5 * Math.abs(medianRange(y, n - p.day, n)));
  const relative: number[] = [];
  let recentCount = 0;
  const needs = Math.max(...kept.map((s) => s.model.needs));
  for (let j = 0; j < LONG_QUANTILE_ORIGINS; j += 1) {
    if (j === QUANTILE_ORIGINS) recentCount = relative.length;
    const origin = n - p.day - Math.round((j * BACKTEST_EVERY_MINUTES) / step);
    if (origin < needs) break;
    const f = combine(
      kept.map((s) => s.forecasts.get(origin) ?? s.model.forecast(origin, p.day)),
      p.day,
    );
    f.forEach((v, h) => {
      const actual = y[origin + h] as number;
      if (!Number.isNaN(actual)) relative.push((actual - v) / Math.max(Math.abs(v), scale));
    });
  }
  if (relative.length === 0) {
    // No backtest: how far the last day strayed from its median stands in for the forecast's error.
    const level = medianRange(y, n - p.day, n);
    for (let t = n - p.day; t < n; t += 1) {
      const v = y[t] as number;
      if (!Number.isNaN(v)) relative.push((v - level) / Math.max(Math.abs(level), scale));
    }
  }
  if (recentCount === 0) recentCount = relative.length;
  const margin = Math.max(
    0,
    quantileOf(relative.slice(0, recentCount), quantile),
    quantileOf(relative, quantile),
  );
  const upper = Array.from(point, (v) => v + margin * Math.max(Math.abs(v), scale));
  // The band's lower side (issue 25, for the reports): the same errors' 1 − quantile, never above the point.
  const below = Math.min(
    0,
    quantileOf(relative.slice(0, recentCount), 1 - quantile),
    quantileOf(relative, 1 - quantile),
  );
  const lower = Array.from(point, (v) => {
    const low = v + below * Math.max(Math.abs(v), scale);
    return nonNegative ? Math.max(0, low) : low;
  });
  const components: ForecastComponent[] = kept.map((s, k) => ({
    name: s.model.name,
    weight: (weights[k] as number) / total,
    inSampleMae: s.mae,
  }));
  return {
    status: 'forecast',
    stepMinutes: step,
    start: series.start + n * step * 60_000,
    point: Array.from(point),
    upper,
    lower,
    quantile,
    historyMinutes: n * step,
    missingFraction,
    components,
    message: `${formatMinutes(horizon * step)} at ${step} min from ${formatMinutes(n * step)} of history: ${components
      .map((c) => `${c.name} ${Math.round(c.weight * 100)}%`)
      .join(', ')}`,
  };
}

interface Scored {
  readonly model: SeasonalModel;
  /** Recency-weighted MAE over a week of origins. */
  readonly mae: number;
  /** Plain MAE over the last day's origins. */
  readonly recentMae: number;
  readonly origins: readonly number[];
  readonly forecasts: Map<number, Float64Array>;
}

/**
 * Each model's error forecasting the history's own last week: origins every 6 hours back from the newest step,
 * each scored on its next 24 hours, the newest origins weighing most (half the weight a day older) so the
 * current regime decides, while a week of origins still shows weekday-to-weekend turns.
 */
function inSampleBacktest(y: Float64Array, step: number, models: SeasonalModel[]): Scored[] {
  const every = Math.round(BACKTEST_EVERY_MINUTES / step);
  const horizon = Math.round(BACKTEST_HORIZON_MINUTES / step);
  const n = y.length;
  const origins: number[] = [];
  for (let j = 1; j <= BACKTEST_ORIGINS && n - j * every >= periodsFor(step).day; j += 1)
    origins.push(n - j * every);
  // Origin by origin, models in their listed order: a base's two adjustments share one run of it.
  const sums = models.map(() => ({ error: 0, weight: 0, recent: 0, recentCount: 0 }));
  const forecasts = models.map(() => new Map<number, Float64Array>());
  origins.forEach((origin, j) => {
    const w = 0.5 ** (((j + 1) * BACKTEST_EVERY_MINUTES) / HALF_LIFE_MINUTES);
    models.forEach((model, k) => {
      if (origin < model.needs) return;
      const f = model.forecast(origin, Math.min(horizon, n - origin));
      forecasts[k]?.set(origin, f);
      let sum = 0;
      let count = 0;
      f.forEach((v, h) => {
        const actual = y[origin + h] as number;
        if (!Number.isNaN(actual)) {
          sum += Math.abs(actual - v);
          count += 1;
        }
      });
      const acc = sums[k];
      if (count === 0 || !acc) return;
      acc.error += (w * sum) / count;
      acc.weight += w;
      if (j < RECENT_ORIGINS) {
        acc.recent += sum / count;
        acc.recentCount += 1;
      }
    });
  });
  const scored: Scored[] = models.map((model, k) => {
    const acc = sums[k] as (typeof sums)[number];
    const made = forecasts[k] as Map<number, Float64Array>;
    // A model is compared only when it could forecast from the newest origin: the one that matters most.
    const usable =
      origins.length > 0 && made.has(origins[0] as number) && acc.weight > 0 && acc.recentCount > 0;
    return {
      model,
      mae: usable ? acc.error / acc.weight : Number.NaN,
      recentMae: usable ? acc.recent / acc.recentCount : Number.NaN,
      origins,
      forecasts: made,
    };
  });
  // With no origin to test on (under about 30 hours of history), every model stays untested.
  return origins.length > 0 ? scored.filter((s) => !Number.isNaN(s.mae)) : scored;
}

function declined(
  reason: ForecastDeclined['reason'],
  message: string,
  historyMinutes: number,
  stepMinutes?: number,
): ForecastDeclined {
  return {
    status: 'declined',
    reason,
    message,
    historyMinutes,
    ...(stepMinutes === undefined ? {} : { stepMinutes }),
  };
}

const formatMinutes = (m: number): string =>
  m >= 2880 && m % 1440 === 0 ? `${m / 1440} days` : m >= 120 ? `${+(m / 60).toFixed(1)} h` : `${m} min`;
