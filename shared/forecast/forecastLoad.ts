import { createForecaster, declined } from './createForecaster';
import {
  checkHistory,
  inferStepMinutes,
  medianIntervalMinutes,
  supportedSteps,
  toRegularSeries,
} from './regularSeries';
import type { ForecastOptions, ForecastResult, LoadHistory } from './types';

/**
 * The history a batch forecast reads at most: all that the forecast from it depends on. The blend reads the
 * 14 days before each of its in-sample origins (the oldest a week back), and the band scores what the
 * forecaster said from each origin of the last 9 days, each blended from the week of origins before it.
 * Fed the same values, `createForecaster` gives the same forecast; from fewer days (a policy's shorter
 * `lookbackDays`; the default is 32), the oldest origins see less and the forecast differs a little (docs/predictive.md).
 */
export const MAX_HISTORY_DAYS = 32;

/**
 * Forecasts a load from its history: for each step of the next `horizonMinutes` (48 h) at the data's own
 * step, a point forecast and an upper quantile. Declines, with a reason, under 24 hours of history, when
 * more than half of the last 14 days is missing, or at a step that does not divide an hour.
 *
 * The point forecast blends seasonal models (hour, day and week: medians of past periods at the same phase,
 * scaled to the last two hours' load; see seasonalModels.ts) with a damped trend (dampedTrend.ts), weighted by
 * how well each forecast the history's own last week from origins inside it, recent origins weighing most.
 * The upper quantile adds the quantile of those in-sample errors, relative to the forecast (predictionBand.ts).
 * The batch entry point of `createForecaster` (the predict function and the CLI); pure: time comes from the
 * history.
 */
export function forecastLoad(history: LoadHistory, options: ForecastOptions = {}): ForecastResult {
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
  const grid = toRegularSeries(history, step, MAX_HISTORY_DAYS);
  const forecaster = createForecaster({
    stepMinutes: step,
    ...(options.quantile === undefined ? {} : { quantile: options.quantile }),
    ...(options.dampedTrend === undefined ? {} : { dampedTrend: options.dampedTrend }),
    ...(options.band === undefined ? {} : { band: options.band }),
    ...(options.bandCalibration === undefined ? {} : { bandCalibration: options.bandCalibration }),
    ...(options.fadeHalfLifeMinutes === undefined
      ? {}
      : { fadeHalfLifeMinutes: options.fadeHalfLifeMinutes }),
  });
  const stepMs = step * 60_000;
  forecaster.observe({
    times: Array.from(grid.values, (_, i) => grid.start + i * stepMs),
    values: Array.from(grid.values),
  });
  return forecaster.forecast(Math.max(1, Math.round(horizonMinutes / step)));
}
