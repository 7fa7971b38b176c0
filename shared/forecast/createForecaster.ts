import { TREND_DAMPING_PER_DAY, trendMultipliersOf, weeklyGrowthRate } from './dampedTrend';
import { GridSeries } from './gridSeries';
import { InSampleBacktest, KEPT_HORIZON_MINUTES, type OriginRun, type Scored } from './inSampleBacktest';
import { type BandCalibration, PredictionBand } from './predictionBand';
import { checkHistory, supportedSteps } from './regularSeries';
import { type Periods, periodsFor, READ_DAYS, type SeasonalModel, seasonalModels } from './seasonalModels';
import {
  type ForecastComponent,
  type ForecastDeclined,
  ForecastInputError,
  type ForecastResult,
  type LoadForecast,
  type LoadHistory,
} from './types';

export interface ForecasterOptions {
  /** The grid's step in minutes: one of `supportedSteps`. */
  readonly stepMinutes: number;
  /** The upper quantile's level, in (0.5, 1) (default 0.9). */
  readonly quantile?: number;
  /** The damped trend (default on); off, the forecast holds the recent level (the bench's ablation). */
  readonly dampedTrend?: boolean;
  /**
   * The upper quantile (default on). Off, `upper` is empty and its record is never kept: for a caller that
   * plans on the point forecast alone (the backtest's predict runs, as the function's floors do); the point
   * forecast is the same.
   */
  readonly band?: boolean;
  /** How the band is calibrated on the forecaster's record (default: DEFAULT_BAND_CALIBRATION). */
  readonly bandCalibration?: BandCalibration;
  /** The fading models' half-life (default DEFAULT_FADE_HALF_LIFE_MINUTES; 0: none), see seasonalModels.ts. */
  readonly fadeHalfLifeMinutes?: number;
}

/**
 * A forecaster that follows a load as it arrives: `observe` appends datapoints (in time order), `forecast`
 * gives the next steps from everything observed so far. What it computed for the past (each in-sample origin's
 * forecasts, each step's seasonal expectation) is kept, so an hourly forecast over a year costs a small,
 * constant amount per hour instead of a refit of 14 days. `forecastLoad` is the same forecaster fed a history
 * at once: both give the same forecast from the same values (see `docs/predictive.md`).
 */
export interface Forecaster {
  readonly stepMinutes: number;
  /** Epoch ms of the newest step observed (undefined before the first datapoint). */
  readonly newest: number | undefined;
  /**
   * Appends datapoints. Each goes to the nearest step of the grid anchored at the first datapoint ever
   * observed; several in one step are averaged; a non-finite value is a gap. Throws ForecastInputError for a
   * datapoint before the newest step (times must increase).
   */
  observe(history: LoadHistory): void;
  /** The next `horizonSteps` steps after the newest one, or why not (under 24 h of history, over half missing). */
  forecast(horizonSteps: number): ForecastResult;
}

const MIN_HISTORY_MINUTES = 1440;
/** The history a forecast's figures (missing share, history used) are over: what each model reads. */
const WINDOW_DAYS = READ_DAYS;
/**
 * The blend keeps the models within 10% of the best recency-weighted error, among those within 50% of the best
 * error over the last day alone; weights are 1 / error².
 */
const KEEP_WITHIN = 1.1;
/** What is kept of the past (origins' forecasts, the band's record) reaches this far back. */
const FORGET_AFTER_DAYS = 14;
const RECENT_WITHIN = 1.5;
const BEST_RECENT_WITHIN = 3;
/** A fading model must err at least 1% less in-sample than its held ratio to be kept. */
const FADE_EARNS_WITHIN = 0.99;

export function createForecaster(options: ForecasterOptions): Forecaster {
  const step = options.stepMinutes;
  if (!(supportedSteps as readonly number[]).includes(step))
    throw new ForecastInputError(
      `forecaster: a step of ${step} min is not one of ${supportedSteps.join(', ')} minutes`,
    );
  let engine: Engine | undefined;
  let newestSum = 0;
  let newestCount = 0;
  const stepMs = step * 60_000;
  return {
    stepMinutes: step,
    get newest() {
      return engine ? engine.series.timeOf(engine.series.length - 1) : undefined;
    },
    observe(history) {
      checkHistory(history);
      history.times.forEach((time, i) => {
        const value = history.values[i] as number;
        const finite = Number.isFinite(value);
        if (!engine) engine = new Engine(new GridSeries(time, step), options);
        const series = engine.series;
        const slot = Math.round((time - series.start) / stepMs);
        if (slot < series.length - 1)
          throw new ForecastInputError(
            `forecaster: datapoint at ${new Date(time).toISOString()} is before the newest step observed (${new Date(series.timeOf(series.length - 1)).toISOString()})`,
          );
        if (slot === series.length - 1) {
          if (!finite) return;
          newestSum += value;
          newestCount += 1;
          series.setNewest(newestSum / newestCount);
          return;
        }
        while (series.length < slot) series.push(Number.NaN);
        series.push(finite ? value : Number.NaN);
        newestSum = finite ? value : 0;
        newestCount = finite ? 1 : 0;
      });
    },
    forecast(horizonSteps) {
      if (!engine) return declined('InsufficientHistory', 'no datapoint yet: reactive only', 0, step);
      return engine.forecast(Math.max(1, Math.round(horizonSteps)));
    },
  };
}

/** A blend made at an origin: the models kept and their weights, the trend, the point forecast. */
interface Blend {
  readonly kept: readonly Scored[];
  readonly weights: readonly number[];
  /** The damped trend's growth (log per step; 0: none measured, or it did not earn its place). */
  readonly growthRate: number;
  readonly point: Float64Array;
}

/** A grid series and everything derived from it. */
export class Engine {
  private readonly models: readonly SeasonalModel[];
  private readonly backtest: InSampleBacktest;
  private readonly band: PredictionBand;
  private readonly quantile: number;
  private readonly trend: boolean;
  private readonly withBand: boolean;
  private readonly p: Periods;
  private readonly buffers: Float64Array[] = [new Float64Array(0), new Float64Array(0)];
  private readonly forecastBuffers: Float64Array[] = [];

  constructor(
    readonly series: GridSeries,
    options: Omit<ForecasterOptions, 'stepMinutes'>,
  ) {
    this.quantile = options.quantile ?? 0.9;
    this.trend = options.dampedTrend ?? true;
    this.withBand = options.band ?? true;
    this.p = periodsFor(series.stepMinutes);
    this.models = seasonalModels(series, options.fadeHalfLifeMinutes);
    this.backtest = new InSampleBacktest(series, this.models, this.p, this.trend);
    // What the forecaster said from each past origin (as it would have then): the band's record.
    const kept = Math.round(KEPT_HORIZON_MINUTES / series.stepMinutes);
    this.band = new PredictionBand(
      series,
      (o) => {
        const run = this.backtest.run(o);
        const made = this.blend(
          o,
          (s) => run.forecasts[s.index] ?? new Float64Array(kept).fill(Number.NaN),
          kept,
        );
        return made.point.some(Number.isNaN) ? undefined : made.point;
      },
      options.bandCalibration,
    );
  }

  forecast(horizon: number): ForecastResult {
    const { series, p } = this;
    const step = series.stepMinutes;
    const n = series.length;
    const window = Math.min(n, WINDOW_DAYS * p.day);
    const historyMinutes = window * step;
    if (historyMinutes < MIN_HISTORY_MINUTES)
      return declined(
        'InsufficientHistory',
        `${formatMinutes(historyMinutes)} of history, under the 24 h a daily cycle needs: reactive only`,
        historyMinutes,
        step,
      );
    const missingFraction = 1 - series.observedIn(n - window, n) / window;
    if (missingFraction > 0.5)
      return declined(
        'TooManyGaps',
        `${Math.round(missingFraction * 100)}% of the last ${formatMinutes(historyMinutes)} is missing`,
        historyMinutes,
        step,
      );

    // Read within this call only (the band's record keeps its own): into buffers reused from forecast to forecast.
    const made = this.blend(
      n,
      (s) => s.model.forecast(n, horizon, this.buffer(s.index, horizon)),
      horizon,
      this.buffer(this.models.length, horizon),
    );
    const margins = this.withBand ? this.band.margins(n, made.point, this.quantile) : undefined;
    this.backtest.forgetBefore(n - FORGET_AFTER_DAYS * p.day);
    this.band.forgetBefore(n - FORGET_AFTER_DAYS * p.day);
    const point = made.point;
    const upper = margins ? Array.from(point, (v, h) => v + (margins[h] as number)) : [];
    // The band's lower side (for the reports' p10–p90): the same record's 1 − quantile, never above the point.
    const below = margins ? this.band.margins(n, made.point, 1 - this.quantile) : undefined;
    const nonNegative = series.nonNegativeIn(n - window, n);
    const lower = below
      ? Array.from(point, (v, h) => {
          const low = v + (below[h] as number);
          return nonNegative ? Math.max(0, low) : low;
        })
      : [];
    const components: ForecastComponent[] = made.kept.map((s, k) => ({
      name: s.model.name,
      weight: made.weights[k] as number,
      inSampleMae: s.mae,
    }));
    const growthPerDay = Math.expm1(made.growthRate * p.day);
    const figures = { stepMinutes: step, historyMinutes, components, growthPerDay };
    return {
      status: 'forecast',
      stepMinutes: step,
      start: series.timeOf(n),
      point: toArray(point),
      upper,
      lower,
      quantile: this.quantile,
      historyMinutes,
      missingFraction,
      components,
      growthPerDay,
      message: forecastMessage(figures, horizon),
    };
  }

  /**
   * The blend at origin o, from the values before it: the models' weights by their in-sample errors, the
   * damped trend where it earned its place, and the kept models' forecasts (`forecastOf`) combined.
   */
  private blend(
    o: number,
    forecastOf: (s: Scored) => Float64Array,
    length: number,
    into?: Float64Array,
  ): Blend {
    const { kept, weights } = this.blendWeights(o);
    const nonNegative = this.series.nonNegativeIn(o - WINDOW_DAYS * this.p.day, o);
    // These weights' blend from an earlier origin, with or without the trend measured there.
    // The kept models' forecasts and trends at an origin: arrays reused from origin to origin.
    const forecasts: Float64Array[] = [];
    const trends: (Float64Array | undefined)[] = [];
    const blendAt = (run: OriginRun, trended: boolean) => {
      forecasts.length = 0;
      trends.length = 0;
      for (let k = 0; k < kept.length; k += 1) {
        const index = (kept[k] as Scored).index;
        const f = run.forecasts[index];
        if (f === undefined) return undefined;
        forecasts.push(f);
        if (trended) trends.push(run.trend[index]);
      }
      // Read at once and dropped (the trend's test compares the two over each origin): into a buffer reused.
      const length = (forecasts[0] as Float64Array).length;
      return combine(forecasts, weights, trends, nonNegative, this.scratch(trended, length));
    };
    const rate = this.trend ? weeklyGrowthRate(this.series, this.p, o) : 0;
    const growthRate = rate !== 0 && this.backtest.trendEarned(o, blendAt) ? rate : 0;
    const point = combine(
      kept.map(forecastOf),
      weights,
      trendMultipliersOf(
        growthRate,
        kept.map((s) => s.model),
        o,
        length,
        this.p,
      ),
      nonNegative,
      into,
    );
    return { kept, weights, growthRate, point };
  }

  /** Buffer i (a model's forecast by its index; after the models, the blend's), `length` long, reused. */
  private buffer(i: number, length: number): Float64Array {
    let buffer = this.forecastBuffers[i];
    if (buffer?.length !== length) {
      buffer = new Float64Array(length);
      this.forecastBuffers[i] = buffer;
    }
    return buffer;
  }

  /** Two buffers of `length` (one with the trend, one without), reused from blend to blend. */
  private scratch(trended: boolean, length: number): Float64Array {
    const k = trended ? 1 : 0;
    let buffer = this.buffers[k] as Float64Array;
    if (buffer.length !== length) {
      buffer = new Float64Array(length);
      this.buffers[k] = buffer;
    }
    return buffer;
  }

  /**
   * Kept: the models near the best over the week of origins that are also near the best over the last day,
   * so a pattern that has just ended (a burst regime, yesterday's level) no longer votes. Without enough
   * history to backtest, the daily model alone (the day-hour one where the step is under an hour).
   */
  private blendWeights(n: number): { kept: Scored[]; weights: number[] } {
    const all = this.backtest.score(n);
    const scored = all.filter((s) => fadeEarned(s, all));
    const lowest = (of: (s: Scored) => number) =>
      Math.min(...scored.map((s) => (Number.isNaN(of(s)) ? Number.POSITIVE_INFINITY : of(s))));
    const best = lowest((s) => s.mae);
    if (!Number.isFinite(best)) {
      const fallback = scored.filter((s) => /^(day-hour|day)×ratio$/.test(s.model.name)).slice(0, 1);
      return { kept: fallback, weights: fallback.map(() => 1) };
    }
    const bestRecent = lowest((s) => s.recentMae);
    // The week's best stays in unless the last day made it far worse: a weekly model forecasting the weekend
    // from a Friday was not the best over the weekdays of the last day, and is still the one for the weekend.
    const recentOk = scored.filter(
      (s) =>
        s.recentMae <= bestRecent * RECENT_WITHIN ||
        (s.mae === best && s.recentMae <= bestRecent * BEST_RECENT_WITHIN),
    );
    const bestOk = Math.min(...recentOk.map((s) => s.mae));
    const kept = recentOk.filter((s) => s.mae <= bestOk * KEEP_WITHIN);
    const raw = kept.map((s) => 1 / Math.max(s.mae, 1e-12) ** 2);
    const total = raw.reduce((a, b) => a + b, 0);
    return { kept, weights: raw.map((w) => w / total) };
  }
}

/** A typed array's values in a plain array (Array.from walks an iterator: hourly, it showed in the backtest). */
function toArray(values: Float64Array): number[] {
  const out: number[] = new Array(values.length);
  for (let i = 0; i < values.length; i += 1) out[i] = values[i] as number;
  return out;
}

/**
 * A fading model votes only where the history showed the load returning to its pattern: its in-sample error
 * below its base's held ratio's. Where the two err alike (no excursion in the record), a shift is taken to
 * last (a level that moved 3 hours ago is followed, not faded back).
 */
function fadeEarned(s: Scored, scored: readonly Scored[]): boolean {
  const name = heldRatioOf(s.model.name);
  if (name === undefined) return true;
  const held = scored.find((x) => x.model.name === name);
  return !held || Number.isNaN(held.mae) || s.mae < FADE_EARNS_WITHIN * held.mae;
}

/** A fading model's held-ratio twin's name (undefined: not a fading model); named once per model name. */
const heldRatio = new Map<string, string | undefined>();
function heldRatioOf(name: string): string | undefined {
  if (!heldRatio.has(name))
    heldRatio.set(name, name.endsWith('×fade') ? name.replace(/×fade$/, '×ratio') : undefined);
  return heldRatio.get(name);
}

/**
 * The weighted sum of forecasts (each times its trend, when given), floored at 0 for a load never negative;
 * written into `out` when given (as long as the forecasts), else into a new array.
 */
function combine(
  forecasts: readonly Float64Array[],
  weights: readonly number[],
  trends: readonly (Float64Array | undefined)[],
  nonNegative: boolean,
  out: Float64Array = new Float64Array((forecasts[0] as Float64Array).length),
): Float64Array {
  const length = (forecasts[0] as Float64Array).length;
  out.fill(0);
  for (let k = 0; k < forecasts.length; k += 1) {
    const f = forecasts[k] as Float64Array;
    const w = weights[k] as number;
    const trend = trends[k];
    if (trend)
      for (let h = 0; h < length; h += 1)
        out[h] = (out[h] as number) + w * (f[h] as number) * (trend[h] as number);
    else for (let h = 0; h < length; h += 1) out[h] = (out[h] as number) + w * (f[h] as number);
  }
  if (nonNegative) for (let h = 0; h < length; h += 1) out[h] = Math.max(0, out[h] as number);
  return out;
}

/** A forecast's message: its horizon and step, the history it read, the models' weights and the trend. */
function forecastMessage(
  f: Pick<LoadForecast, 'stepMinutes' | 'historyMinutes' | 'components' | 'growthPerDay'>,
  horizonSteps: number,
): string {
  const growth = f.growthPerDay ?? 0;
  const trendNote =
    growth === 0
      ? ''
      : `; trend ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(2)}%/day, damped ×${TREND_DAMPING_PER_DAY}/day`;
  return `${formatMinutes(horizonSteps * f.stepMinutes)} at ${f.stepMinutes} min from ${formatMinutes(f.historyMinutes)} of history: ${f.components
    .map((c) => `${c.name} ${Math.round(c.weight * 100)}%`)
    .join(', ')}${trendNote}`;
}

/**
 * The forecast as it would have been asked for its first `steps` steps only: a forecast's steps do not depend on
 * how far it reaches, so this is what `forecast(steps)` returns from the same state (the backtest asks once for
 * the longest horizon its kinds need and gives each kind its own).
 */
export function forecastPrefix(forecast: LoadForecast, steps: number): LoadForecast {
  if (steps >= forecast.point.length) return forecast;
  return {
    ...forecast,
    point: forecast.point.slice(0, steps),
    upper: forecast.upper.slice(0, steps),
    ...(forecast.lower ? { lower: forecast.lower.slice(0, steps) } : {}),
    message: forecastMessage(forecast, steps),
  };
}

export function declined(
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

const minutesText = new Map<number, string>();
export const formatMinutes = (m: number): string => {
  // Every forecast's message names two durations, most of them the same ones: each is written once.
  let text = minutesText.get(m);
  if (text === undefined) {
    text =
      m >= 2880 && m % 1440 === 0 ? `${m / 1440} days` : m >= 120 ? `${+(m / 60).toFixed(1)} h` : `${m} min`;
    if (minutesText.size < 4096) minutesText.set(m, text);
  }
  return text;
};
