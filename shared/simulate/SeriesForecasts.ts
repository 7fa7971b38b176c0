import { createForecaster, type Forecaster, forecastPrefix } from '../forecast/createForecaster';
import { forecastLoad, MAX_HISTORY_DAYS } from '../forecast/forecastLoad';
import type { ForecastResult, LoadHistory } from '../forecast/types';
import { StepMeans } from './historyBefore';

/** How the predict function reads a series' history: how far back, and at what step (a metric period). */
export interface HistoryReadSettings {
  readonly lookbackMinutes: number;
  readonly stepMinutes: number;
}

const MINUTE = 60_000;
const DAY_MINUTES = 1440;

/**
 * What the predict function reads of one replayed series at each of its runs, and the forecasts it makes from
 * it, for every kind and row that replays the series. A run at minute m reads the steps of `stepMinutes` that
 * end by m, back to the lookback (`windowStart`), each the mean of its minutes; only minutes before m are read.
 *
 * The forecast at each run is the one `forecastLoad` makes from that history, as the function makes it (its
 * point forecast: the floors, the trust and the headroom read nothing else, so no upper band is made). A
 * forecast depends on at most `MAX_HISTORY_DAYS` (32) of history, so with a lookback at least that long one
 * incremental forecaster (`createForecaster`) follows the series run after run and gives the very same
 * forecast, for a small cost per run; with a shorter lookback each run refits on its own window (what the
 * function reads is then less than the incremental forecaster would have seen).
 */
export class SeriesForecasts {
  private readonly means: StepMeans;
  private readonly incremental: boolean;
  private forecaster: Forecaster | undefined;
  /** Steps before this minute have been observed by the incremental forecaster. */
  private observedTo = Number.NaN;
  private lastRun = Number.NEGATIVE_INFINITY;
  /** The MASE scale's terms by step (see `termsBefore`), made when first asked. */
  private termsMade:
    | { absolute: Float64Array; dayChange: Float64Array; to: number; grid: number }
    | undefined;
  /** Each run's forecast, by its minute, as far as it was first asked. */
  private readonly made = new Map<number, ForecastResult>();
  /** Runs refitted on their own window (not followed): every run when the lookback is short (for tests and the bench). */
  refits = 0;

  constructor(
    private readonly settings: HistoryReadSettings,
    /** Epoch ms of minute 0. */
    private readonly start: number,
    private readonly minutes: number,
  ) {
    this.means = new StepMeans(minutes, settings.stepMinutes);
    this.incremental = settings.lookbackMinutes >= MAX_HISTORY_DAYS * DAY_MINUTES;
  }

  private get terms(): { absolute: Float64Array; dayChange: Float64Array; to: number; grid: number } {
    this.termsMade ??= {
      absolute: new Float64Array(Math.floor(this.minutes / this.settings.stepMinutes) + 1),
      dayChange: new Float64Array(Math.floor(this.minutes / this.settings.stepMinutes) + 1),
      to: Number.NEGATIVE_INFINITY,
      grid: Number.NaN,
    };
    return this.termsMade;
  }

  get stepMinutes(): number {
    return this.settings.stepMinutes;
  }

  /** The first minute of the history a run at minute m reads (its steps end at m). */
  windowStart(m: number): number {
    const k = this.settings.stepMinutes;
    return m - Math.floor(Math.min(m, this.settings.lookbackMinutes) / k) * k;
  }

  /** The mean load of the step starting at minute j (read through `load`, for j + step ≤ the run's minute). */
  stepMean(load: (j: number) => number, j: number): number {
    return this.means.at(load, j);
  }

  /**
   * The value of the history a run at minute m read at epoch ms `time`, as the function's lookup of it: a step
   * of the window that holds a datapoint (a non-finite mean is a period without one), else undefined.
   */
  actual(m: number, load: (j: number) => number, time: number): number | undefined {
    const j = (time - this.start) / MINUTE;
    const k = this.settings.stepMinutes;
    if (j < this.windowStart(m) || j + k > m || (m - j) % k !== 0) return undefined;
    const value = this.means.at(load, j);
    return Number.isFinite(value) ? value : undefined;
  }

  /** Epoch ms of the newest step with a datapoint in a run's history (undefined: none). */
  newest(m: number, load: (j: number) => number): number | undefined {
    const k = this.settings.stepMinutes;
    for (let j = m - k; j >= this.windowStart(m); j -= k)
      if (Number.isFinite(this.means.at(load, j))) return this.start + j * MINUTE;
    return undefined;
  }

  /**
   * `seasonalNaiveScale` (forecastTrust.ts) of a run's history, without building it: the mean absolute change
   * from the same time the day before, over the steps with a datapoint, summed in the same order (so the same
   * number to the last bit); at least a millionth of the mean load, and 1 when it cannot be told or is 0.
   */
  seasonalNaiveScale(m: number, load: (j: number) => number): number {
    const k = this.settings.stepMinutes;
    const from = this.windowStart(m);
    this.termsBefore(m, load);
    // Two sums, each over the window in time order as seasonalNaiveScale sums it: |v| of each step with a
    // datapoint, and |v − the day before's| from a day into the window (a NaN term: a step without both). Terms
    // are by step (minute ÷ step), so a window's are side by side.
    const { absolute, dayChange } = this.terms;
    const first = Math.floor(from / k);
    const end = first + (m - from) / k;
    let sum = 0;
    let n = 0;
    let level = 0;
    let present = 0;
    // One pass: each sum still adds its terms in time order.
    const changesFrom = first + Math.ceil(DAY_MINUTES / k);
    for (let i = first; i < end; i += 1) {
      const v = absolute[i] as number;
      if (!Number.isNaN(v)) {
        present += 1;
        level += v;
      }
      const change = i >= changesFrom ? (dayChange[i] as number) : Number.NaN;
      if (!Number.isNaN(change)) {
        sum += change;
        n += 1;
      }
    }
    const least = (1e-6 * level) / Math.max(1, present);
    return n > 0 && sum > 0 ? Math.max(sum / n, least) : 1;
  }

  /**
   * Each step's terms of the MASE scale, computed once per series (a run reads 32 days of steps, all but its
   * newest hour read by the run before): steps before `to` are done, and runs only move forward.
   */
  private termsBefore(m: number, load: (j: number) => number): void {
    const k = this.settings.stepMinutes;
    const terms = this.terms;
    const means = this.means;
    // The steps done are on this run's grid when its minute is too (runs come at clock hours; a step divides an
    // hour); a run off that grid starts again.
    if (m % k !== terms.grid) {
      terms.grid = m % k;
      terms.to = Number.NEGATIVE_INFINITY;
    }
    for (let j = Math.max(this.windowStart(m), terms.to); j + k <= m; j += k) {
      const v = means.at(load, j);
      const i = Math.floor(j / k);
      terms.absolute[i] = Number.isFinite(v) ? Math.abs(v) : Number.NaN;
      const before = j >= DAY_MINUTES ? means.at(load, j - DAY_MINUTES) : Number.NaN;
      terms.dayChange[i] = Number.isFinite(v) && Number.isFinite(before) ? Math.abs(v - before) : Number.NaN;
      terms.to = j + k;
    }
  }

  /**
   * The forecast of the run at minute m over `horizonMinutes`, as `forecastLoad` gives it from the run's
   * history. The first ask at a run makes it `sharedMinutes` long (at least as long), so the kinds that replay
   * the series after it take theirs from it (a forecast's steps do not depend on how far it reaches).
   */
  forecast(
    m: number,
    load: (j: number) => number,
    horizonMinutes: number,
    sharedMinutes = horizonMinutes,
  ): ForecastResult {
    const k = this.settings.stepMinutes;
    const steps = Math.max(1, Math.round(horizonMinutes / k));
    let made = this.made.get(m);
    if (!made || (made.status === 'forecast' && made.point.length < steps)) {
      const length = Math.max(steps, Math.round(sharedMinutes / k));
      made = this.follows(m, load) ? this.follow(m, load, length) : this.refit(m, load, length);
      this.made.set(m, made);
    }
    return made.status === 'forecast' ? forecastPrefix(made, steps) : made;
  }

  /**
   * Whether the incremental forecaster can give the run at minute m: a later run than its last (runs come at each
   * clock hour, and the step divides an hour, so they share a grid of steps).
   */
  private follows(m: number, load: (j: number) => number): boolean {
    if (!this.incremental || m <= this.lastRun) return false;
    const k = this.settings.stepMinutes;
    // A run on another grid of steps than the one followed (a plan's first run comes a day into the trace, the
    // next at a clock hour) starts again, as the first run did: the runs after it follow on its grid.
    if (!Number.isNaN(this.observedTo) && (m - this.observedTo) % k !== 0) {
      this.forecaster = undefined;
      this.observedTo = Number.NaN;
    }
    // The grid is set by the first run that reads a datapoint: from its window's first step with one, where the
    // history `forecastLoad` fits begins (a window with none is refitted).
    if (Number.isNaN(this.observedTo)) {
      const first = this.firstObserved(m, load);
      if (first === undefined) return false;
      this.observedTo = first;
    }
    return true;
  }

  /** The first step with a datapoint of the window a run at minute m reads (undefined: none). */
  private firstObserved(m: number, load: (j: number) => number): number | undefined {
    const k = this.settings.stepMinutes;
    for (let j = this.windowStart(m); j + k <= m; j += k)
      if (Number.isFinite(this.means.at(load, j))) return j;
    return undefined;
  }

  /** The incremental forecaster brought up to minute m (its steps observed in order), then asked. */
  private follow(m: number, load: (j: number) => number, steps: number): ForecastResult {
    const k = this.settings.stepMinutes;
    this.lastRun = m;
    this.forecaster ??= createForecaster({ stepMinutes: k, band: false });
    const times: number[] = [];
    const values: number[] = [];
    // Up to the newest step with a datapoint, where the history `forecastLoad` fits ends: the steps of a gap still
    // open are observed by the run that sees the gap end.
    let observed = 0;
    for (let j = this.observedTo; j + k <= m; j += k) {
      const value = this.means.at(load, j);
      times.push(this.start + j * MINUTE);
      values.push(value);
      if (Number.isFinite(value)) observed = times.length;
    }
    times.length = observed;
    values.length = observed;
    this.observedTo += observed * k;
    if (observed > 0) this.forecaster.observe({ times, values });
    return this.forecaster.forecast(steps);
  }

  /** The run's history read and forecast afresh, as the function does each run. */
  private refit(m: number, load: (j: number) => number, steps: number): ForecastResult {
    const k = this.settings.stepMinutes;
    this.refits += 1;
    return forecastLoad(this.history(m, load), { stepMinutes: k, band: false, horizonMinutes: steps * k });
  }

  /** The history a run at minute m reads: its window's steps with a datapoint, timestamps at their starts. */
  history(m: number, load: (j: number) => number): LoadHistory {
    const k = this.settings.stepMinutes;
    const times: number[] = [];
    const values: number[] = [];
    for (let j = this.windowStart(m); j + k <= m; j += k) {
      const value = this.means.at(load, j);
      if (!Number.isFinite(value)) continue;
      times.push(this.start + j * MINUTE);
      values.push(value);
    }
    return { times, values };
  }
}
