import { trendMultipliersOf, weeklyGrowthRate } from './dampedTrend';
import { type GridSeries, StepCache } from './gridSeries';
import type { Periods, SeasonalModel } from './seasonalModels';

/**
 * Each model's error forecasting the history's own last week: origins every 6 hours (on the clock: 00:00,
 * 06:00, 12:00, 18:00 of the data's time zone, UTC), each scored on its next 24 hours, the newest origins
 * weighing most (half the weight a day older) so the current regime decides, while a week of origins still
 * shows weekday-to-weekend turns. An origin's forecasts read only the values before it, so they are made once
 * and kept as the series grows; only the errors of origins whose day has not ended are summed again.
 */
export const BACKTEST_EVERY_MINUTES = 360;
export const BACKTEST_ORIGINS = 28;
const HALF_LIFE_MINUTES = 1440;
/** Models are compared on a day ahead. */
export const BACKTEST_HORIZON_MINUTES = 1440;
/** Each origin's forecasts are kept this far ahead: the band is measured on the whole 48 h horizon. */
export const KEPT_HORIZON_MINUTES = 2880;
/** The last day's origins, also scored on their own. */
export const RECENT_ORIGINS = 4;

/** What one origin's models forecast, the trend measured there, and the models' errors once complete. */
export interface OriginRun {
  readonly origin: number;
  /**
   * Per model (in the models' order): its forecast from the origin, or undefined when it could not run; over the
   * scored day until the run is made whole (see `InSampleBacktest.run`), then over the kept horizon.
   */
  readonly forecasts: (Float64Array | undefined)[];
  /** The growth the trend measured at the origin (log per step; 0: none or off). */
  readonly growthRate: number;
  /** Per model: the damped trend's multiplier per step from the origin (undefined: no growth measured, or not whole yet). */
  trend: readonly (Float64Array | undefined)[];
  /** Whether the forecasts and the trend reach the kept horizon. */
  whole: boolean;
  /** Per model: absolute error sum and count over the backtest horizon, kept once the horizon has ended. */
  complete?: { readonly sums: Float64Array; readonly counts: Float64Array };
  /** The sums and counts over the steps before `end` (all but the newest, which may still change), as they grow. */
  partial?: { readonly sums: Float64Array; readonly counts: Float64Array; end: number };
}

/** A model's in-sample record. */
export interface Scored {
  readonly model: SeasonalModel;
  readonly index: number;
  /** Recency-weighted MAE over a week of origins. */
  readonly mae: number;
  /** Plain MAE over the last day's origins. */
  readonly recentMae: number;
}

export class InSampleBacktest {
  private readonly runs = new Map<number, OriginRun>();
  private readonly every: number;
  private readonly scored: number;
  private readonly kept: number;
  /** The sums of an origin whose day has not ended, as last asked (see `errors`). */
  private readonly scratchSums: Float64Array;
  private readonly scratchCounts: Float64Array;
  /** What `errors` found last (one holder, not an object per origin: it runs for every origin every forecast). */
  private readonly summed: { sums: Float64Array; counts: Float64Array } = {
    sums: new Float64Array(0),
    counts: new Float64Array(0),
  };
  /** `recency` by an origin's age in steps (0.5 ** x costs as much as a model's step: asked 28 times an hour). */
  private readonly weightByAge = new StepCache();
  /** What `score` sums per model. */
  private readonly acc: {
    readonly error: Float64Array;
    readonly weight: Float64Array;
    readonly recent: Float64Array;
    readonly recentCount: Float64Array;
  };

  constructor(
    private readonly series: GridSeries,
    private readonly models: readonly SeasonalModel[],
    private readonly p: Periods,
    private readonly trend: boolean,
  ) {
    const step = series.stepMinutes;
    this.every = Math.round(BACKTEST_EVERY_MINUTES / step);
    this.scored = Math.round(BACKTEST_HORIZON_MINUTES / step);
    this.kept = Math.round(KEPT_HORIZON_MINUTES / step);
    this.scratchSums = new Float64Array(models.length);
    this.scratchCounts = new Float64Array(models.length);
    const perModel = () => new Float64Array(models.length);
    this.acc = { error: perModel(), weight: perModel(), recent: perModel(), recentCount: perModel() };
  }

  /**
   * The origins for a series of n steps, newest first: on the 6-hour clock, at least 6 hours old (so each has
   * been seen for a while), with a day of history before them, at most `count` of them.
   */
  origins(n: number, count = BACKTEST_ORIGINS): number[] {
    return clockOrigins(this.series, n - this.every, this.p.day, count);
  }

  /** The models' forecasts from origin o over the kept horizon (made once), and the damped trend there. */
  run(o: number): OriginRun {
    return this.whole(this.scoredRun(o));
  }

  /**
   * Origin o's run, its forecasts made over the scored day only at first: the errors read no further, and only
   * the trend's test (at an origin that measured growth) and the band read the rest (a forecast's steps do not
   * depend on how far it reaches, so the whole one made later begins with the same steps).
   */
  private scoredRun(o: number): OriginRun {
    let run = this.runs.get(o);
    if (run) return run;
    const growthRate = this.trend ? weeklyGrowthRate(this.series, this.p, o) : 0;
    const forecasts = this.models.map((model) =>
      o < model.needs ? undefined : model.forecast(o, this.scored),
    );
    // Every field from the start (the errors come later): one object shape for every origin's run.
    run = {
      origin: o,
      forecasts,
      growthRate,
      trend: [],
      whole: false,
      complete: undefined,
      partial: undefined,
    };
    this.runs.set(o, run);
    return run;
  }

  /** A run's forecasts made again over the kept horizon, and its trend. */
  private whole(run: OriginRun): OriginRun {
    if (run.whole) return run;
    const o = run.origin;
    for (let k = 0; k < this.models.length; k += 1)
      if (run.forecasts[k] !== undefined)
        run.forecasts[k] = (this.models[k] as SeasonalModel).forecast(o, this.kept);
    run.trend = trendMultipliersOf(run.growthRate, this.models, o, this.kept, this.p);
    run.whole = true;
    return run;
  }

  /**
   * Per model: absolute error sum and count of origin o's forecast over the day after it, up to step n. Read them
   * before the next ask: an origin whose day has not ended gives arrays reused from ask to ask.
   */
  private errors(run: OriginRun, n: number): void {
    const o = run.origin;
    // Kept once the day has passed; asked from an earlier step (a past origin's blend), only what it saw.
    if (run.complete && o + this.scored < n) {
      this.summed.sums = run.complete.sums;
      this.summed.counts = run.complete.counts;
      return;
    }
    const end = Math.min(o + this.scored, n);
    // The steps before the newest are final: their sums grow from where the last ask left them, in the same
    // order (so the same sums); the newest step is added to a copy.
    const stable = Math.min(end, this.series.length - 1);
    let partial = run.partial;
    if (!partial || partial.end > stable) {
      // A past origin's blend asks for less than is kept: its own sums, the kept ones left as they are.
      const fresh = !partial;
      partial = {
        sums: new Float64Array(this.models.length),
        counts: new Float64Array(this.models.length),
        end: o,
      };
      if (fresh) run.partial = partial;
    }
    this.addErrors(run, partial.sums, partial.counts, partial.end, stable);
    partial.end = Math.max(partial.end, stable);
    // Ended before the newest step (which may still be averaged with another datapoint): final, kept. Else the
    // sums are read at once by the caller: into arrays reused from ask to ask.
    const final = o + this.scored < n;
    const sums = final ? new Float64Array(this.models.length) : this.scratchSums;
    const counts = final ? new Float64Array(this.models.length) : this.scratchCounts;
    sums.set(partial.sums);
    counts.set(partial.counts);
    this.addErrors(run, sums, counts, Math.max(o, stable), end);
    if (final) {
      run.complete = { sums, counts };
      run.partial = undefined;
    }
    this.summed.sums = sums;
    this.summed.counts = counts;
  }

  /** Adds each model's absolute errors over steps `from .. to − 1` of its forecast to `sums` and `counts`. */
  private addErrors(
    run: OriginRun,
    sums: Float64Array,
    counts: Float64Array,
    from: number,
    to: number,
  ): void {
    const y = this.series.values;
    const o = run.origin;
    for (let k = 0; k < run.forecasts.length; k += 1) {
      const f = run.forecasts[k];
      if (!f) continue;
      let sum = sums[k] as number;
      let count = counts[k] as number;
      for (let t = from; t < to; t += 1) {
        const actual = y[t] as number;
        if (Number.isNaN(actual)) continue;
        sum += Math.abs(actual - (f[t - o] as number));
        count += 1;
      }
      sums[k] = sum;
      counts[k] = count;
    }
  }

  /**
   * Every model's recency-weighted and recent MAE over the origins; a model is compared only when it could
   * forecast from the newest origin (the one that matters most). With no origin (under about 30 hours of
   * history), or none whose day held a datapoint, every model is returned untested (NaN).
   */
  score(n: number): Scored[] {
    const origins = this.origins(n);
    // Per model, summed over the origins (typed arrays reused from score to score: it runs every forecast).
    const { error, weight, recent, recentCount } = this.acc;
    error.fill(0);
    weight.fill(0);
    recent.fill(0);
    recentCount.fill(0);
    for (let j = 0; j < origins.length; j += 1) {
      const o = origins[j] as number;
      const w = this.recency(n - o);
      this.errors(this.scoredRun(o), n);
      const { sums, counts } = this.summed;
      for (let k = 0; k < this.models.length; k += 1) {
        const c = counts[k] as number;
        if (c === 0) continue;
        const mae = (sums[k] as number) / c;
        error[k] = (error[k] as number) + w * mae;
        weight[k] = (weight[k] as number) + w;
        if (j < RECENT_ORIGINS) {
          recent[k] = (recent[k] as number) + mae;
          recentCount[k] = (recentCount[k] as number) + 1;
        }
      }
    }
    const newest = origins[0];
    const scored = this.models.map((model, index) => {
      const usable =
        newest !== undefined &&
        this.scoredRun(newest).forecasts[index] !== undefined &&
        (weight[index] as number) > 0 &&
        (recentCount[index] as number) > 0;
      return {
        model,
        index,
        mae: usable ? (error[index] as number) / (weight[index] as number) : Number.NaN,
        recentMae: usable ? (recent[index] as number) / (recentCount[index] as number) : Number.NaN,
      };
    });
    // No model scored on any step (the origins' days are all gaps): as with no origin, every model untested.
    const tested = scored.filter((s) => !Number.isNaN(s.mae));
    return tested.length > 0 ? tested : scored.filter((s) => s.model.needs <= n);
  }

  /**
   * Whether the damped trend earns its place: over the origins where it measured a growth, the blend (`blendAt`)
   * with the trend has no larger a recency-weighted absolute error over the 48 h after each than without.
   * A week-over-week drift that does not carry on (a level that moved and stayed) gets no trend.
   */
  trendEarned(n: number, blendAt: (run: OriginRun, trended: boolean) => Float64Array | undefined): boolean {
    const y = this.series.values;
    let withTrend = 0;
    let without = 0;
    for (const o of this.origins(n)) {
      const run = this.scoredRun(o);
      if (run.growthRate === 0) continue;
      this.whole(run);
      const plain = blendAt(run, false);
      const trended = blendAt(run, true);
      if (!plain || !trended) continue;
      const w = this.recency(n - o);
      for (let t = o; t < Math.min(o + this.kept, n); t += 1) {
        const actual = y[t] as number;
        if (Number.isNaN(actual)) continue;
        without += w * Math.abs(actual - (plain[t - o] as number));
        withTrend += w * Math.abs(actual - (trended[t - o] as number));
      }
    }
    return withTrend <= without;
  }

  /** An origin's weight `age` steps old: half a day older, half the weight. */
  private recency(age: number): number {
    let w = this.weightByAge.get(age);
    if (Number.isNaN(w)) {
      w = 0.5 ** ((age * this.series.stepMinutes) / HALF_LIFE_MINUTES);
      this.weightByAge.set(age, w);
    }
    return w;
  }

  /** Forgets the origins before `oldest`. */
  forgetBefore(oldest: number): void {
    // forEach, not a for-of over the keys: no iterator result per origin (the backtest runs without escape analysis).
    this.runs.forEach((_, o) => {
      if (o < oldest) this.runs.delete(o);
    });
  }
}

/**
 * Origins on the 6-hour clock at or before step `latest`, newest first, none before step `first`, at most
 * `count`: the steps whose time is the first of its 6 hours.
 */
export function clockOrigins(series: GridSeries, latest: number, first: number, count: number): number[] {
  const stepMs = series.stepMinutes * 60_000;
  const everyMs = BACKTEST_EVERY_MINUTES * 60_000;
  const every = Math.round(BACKTEST_EVERY_MINUTES / series.stepMinutes);
  const since = ((series.timeOf(latest) % everyMs) + everyMs) % everyMs;
  const out: number[] = [];
  for (let o = latest - Math.floor(since / stepMs); o >= first && out.length < count; o -= every) out.push(o);
  return out;
}
