import { type GridSeries, StepCache } from './gridSeries';
import { StridedMedians } from './StridedMedians';
import { medianOf } from './stats';

/**
 * The forecaster's candidate models. Each is a seasonal base (a median of past periods at the same phase)
 * scaled to the recent load: `base(t) × r` (or `base(t) + d`), where r (d) compares the last two hours of
 * actual load with what the base expected for them.
 * Every model reads only the values of the 14 days before its origin `o`, by absolute step, so the same code
 * backtests itself on the history, and what it made from an origin stays valid as the series grows.
 */

/** Seasonal periods, in grid steps. */
export interface Periods {
  readonly hour: number;
  readonly day: number;
  readonly week: number;
}

export const periodsFor = (stepMinutes: number): Periods => ({
  hour: 60 / stepMinutes,
  day: 1440 / stepMinutes,
  week: 10_080 / stepMinutes,
});

/** How far back a model reads from its origin: two weekly periods. */
export const READ_DAYS = 14;

/** A base forecast for step t from the values before o; NaN when the history has nothing for it. */
type Base = (t: number, o: number) => number;

export interface SeasonalModel {
  readonly name: string;
  /** Steps of history the model needs before its origin. */
  readonly needs: number;
  /** The forecast for steps o .. o + horizon − 1, from the values before o; into `out` when given (`horizon` long). */
  forecast(o: number, horizon: number, out?: Float64Array): Float64Array;
  /**
   * Steps of growth the forecast of step o + h misses: how much further back its base reads than the
   * expectations its level was scaled on (the day model's second day reads a day further back; the flat level
   * model misses all the growth after the recent window it was scaled on; near the history's start the week
   * model's median of two weeks ahead is centred half a week further back than the one week its recent window
   * could read). The damped trend adds that growth: `ahead` steps of it damped (growth still to come), `past`
   * steps in full (growth that has happened). `past` is the same for every step from origin o, and `ahead` is h
   * rounded down to whole `period`s (1: h itself).
   */
  unscaledLag(o: number): { readonly period: number; readonly past: number };
}

/**
 * How the base is brought to the recent load: multiplied by a ratio, shifted by a difference, or multiplied by
 * a ratio that fades back to the base over the horizon (`fade`: the ratio's log halves every
 * `fadeHalfLifeMinutes`, as an ETS level's deviation from its season is damped): a load pulled away from its
 * pattern for a few hours (a storm, an outage, a burst) returns to it.
 */
export type Adjustment = 'ratio' | 'shift' | 'fade';

/**
 * The fading ratio's half-life (12 hours): chosen leave-one-out on the shared traces' 48 h MASE among none, 3,
 * 6, 12 and 24 hours (bench/forecast-results.md).
 */
export const DEFAULT_FADE_HALF_LIFE_MINUTES = 720;

/**
 * The recent load the base is scaled to: the last two hours. Shorter follows a burst (and then forecasts it for
 * two days); longer follows a level shift late. The scaling holds over the whole horizon: on the shared traces,
 * fading it into the last day's level forecast worse wherever the level moves (CPU, taxis).
 */
const LEVEL_WINDOW_MINUTES = 120;

/** The first step a model with origin o may read. */
const floorOf = (o: number, p: Periods) => Math.max(0, o - READ_DAYS * p.day);

/** Median of the finite values of `y[from, to)`, using `scratch` (at least to − from long). */
function medianIn(y: Float64Array, from: number, to: number, scratch: Float64Array): number {
  let c = 0;
  for (let i = Math.max(0, from); i < to; i += 1) {
    const v = y[i] as number;
    if (!Number.isNaN(v)) scratch[c++] = v;
  }
  return medianOf(scratch, c);
}

/** The median of the last day: the flat base of the level model and the fallback of every other. */
function levelBase(series: GridSeries, p: Periods): (o: number) => Base {
  const scratch = new Float64Array(p.day);
  return (o) => {
    const level = medianIn(series.values, o - p.day, o, scratch);
    return () => level;
  };
}

function periodBase(series: GridSeries, p: Periods, period: number, count: number): (o: number) => Base {
  // Median of up to `count` past values at t's phase of `period`, newest first, all before the origin and from its
  // floor on; gaps (NaN) are skipped and an older period taken instead, so a gap never leaves a phase without one.
  const read = (i: number) => series.values[i] as number;
  const firstBack = (t: number, origin: number) =>
    t - Math.max(1, Math.ceil((t - origin + 1) / period)) * period;
  // What the base says of a step from the values before it (base(t, t)) does not depend on the origin, and the
  // in-sample origins' windows overlap: each is kept (its values are before the newest step, which may change).
  const ownSteps = new StridedMedians(period, count, read);
  const own = (t: number) => ownSteps.at(t, firstBack(t, t), floorOf(t, p), true);
  // The steps ahead of an origin, each step's last median kept.
  const ahead = new StridedMedians(period, count, read);
  const aheadOf = (t: number, origin: number) => {
    const first = firstBack(t, origin);
    // Kept when every value read is before the newest step (which may still change).
    return ahead.at(t, first, floorOf(origin, p), first < series.length - 1);
  };
  return () => (t, origin) => (t !== origin || t >= series.length ? aheadOf(t, origin) : own(t));
}

/**
 * Periods a period base's median reads back for the steps ahead (at least `from` − floor of them, up to
 * `count`): near the history's start, fewer than for the steps before it, or more.
 */
function periodsBack(period: number, count: number, from: number, floor: number): number {
  return Math.min(count, Math.max(1, Math.floor((from - floor) / period)));
}

/**
 * A smooth daily profile (the median over past days of each clock hour's mean) times the shape of the hour
 * (per phase within the hour, the median ratio of a value to its hour's mean over the last week). Loads that
 * burst at fixed minutes past the hour keep their bursts, from many more samples than a per-step daily median.
 */
function hourShapeBase(series: GridSeries, p: Periods, days: number): (o: number) => Base {
  const hs = p.hour;
  // Blocks are clock hours: the anchor's phase within its hour puts step 0 in block 0 at that phase.
  const phase0 = Math.round((series.start % 3_600_000) / (series.stepMinutes * 60_000)) % hs;
  const blockOf = (i: number) => Math.floor((i + phase0) / hs);
  const blockStart = (b: number) => b * hs - phase0;
  const means = new StepCache();
  /** The mean of block b (NaN under half observed, or before `floor`); only asked for blocks ended by then. */
  const meanOf = (b: number, floor: number): number => {
    const from = blockStart(b);
    if (from < floor) return Number.NaN;
    let m = means.get(b);
    if (Number.isNaN(m)) {
      const y = series.values;
      let sum = 0;
      let c = 0;
      for (let i = Math.max(0, from); i < from + hs; i += 1) {
        const v = y[i] as number;
        if (!Number.isNaN(v)) {
          sum += v;
          c += 1;
        }
      }
      m = c * 2 >= hs ? sum / c : Number.NaN;
      // A block still open at the newest step is not kept: its mean will change.
      if (from + hs < series.length) means.set(b, m);
    }
    return m;
  };
  // The median of the hour's means on past days (a block's mean is kept once its hour has ended, as `meanOf`).
  const dayMedians = new StridedMedians(24, days, (b) => meanOf(b, Number.NEGATIVE_INFINITY));
  const ratios = new Float64Array(p.week / hs);
  return (o) => {
    const floor = floorOf(o, p);
    const y = series.values;
    const shape = new Float64Array(hs).fill(1);
    const lastComplete = blockOf(o) - 1; // blocks end at or before o
    for (let phase = 0; phase < hs; phase += 1) {
      let c = 0;
      for (let b = lastComplete; blockStart(b) >= floor && c < ratios.length; b -= 1) {
        if (blockStart(b) + hs > o) continue; // the block o falls in has not ended
        const m = meanOf(b, floor);
        const v = y[blockStart(b) + phase] as number;
        if (m > 0 && !Number.isNaN(v)) ratios[c++] = v / m;
      }
      if (c >= 24) shape[phase] = medianOf(ratios, c);
    }
    // The first block of the floor's hour or after it.
    const floorBlock = Math.ceil((floor + phase0) / hs);
    return (t, origin) => {
      const b = blockOf(t);
      // The same clock hour on past days, from the newest that had ended by the origin.
      let first = b - 24;
      while (blockStart(first) + hs > origin) first -= 24;
      const final = blockStart(first) + hs < series.length;
      const phase = (((t + phase0) % hs) + hs) % hs;
      return dayMedians.at(b, first, floorBlock, final) * (shape[phase] as number);
    };
  };
}

/** A base's forecast from one origin, and the last steps' actual and expected values, shared by its adjustments. */
interface BaseRun {
  readonly base: Float64Array;
  /** The last day's actual and expected values, newest first; the first `recent` are the last two hours. */
  readonly actual: Float64Array;
  readonly expected: Float64Array;
  readonly count: number;
  readonly recent: number;
  readonly fallback: number;
  /** The ratio's level, made by the first of the ratio and the fading ratio to ask (both scale by it). */
  ratio: number | undefined;
}

/** Runs a base from an origin once for both of its adjustments (the newest run is kept). */
function baseRuns(
  series: GridSeries,
  p: Periods,
  prepare: (o: number) => Base,
): (o: number, horizon: number) => BaseRun {
  const window = Math.max(3, Math.round(LEVEL_WINDOW_MINUTES / series.stepMinutes));
  const scratch = new Float64Array(p.day);
  // The newest run is read by its two adjustments, then replaced: its arrays are reused from run to run.
  const actual = new Float64Array(p.day);
  const expected = new Float64Array(p.day);
  let bases = new Float64Array(0);
  let last: { o: number; horizon: number; length: number; run: BaseRun } | undefined;
  return (o, horizon) => {
    if (last && last.o === o && last.horizon === horizon && last.length === series.length) return last.run;
    const y = series.values;
    const at = prepare(o);
    // What the base expected for each of the last day's steps (from the values before that step) against
    // what came.
    actual.fill(0);
    expected.fill(0);
    let count = 0;
    let recent = 0;
    for (let t = o - 1; t >= Math.max(0, o - p.day); t -= 1) {
      const a = y[t] as number;
      const e = Number.isNaN(a) ? Number.NaN : at(t, t);
      if (Number.isNaN(e)) continue;
      actual[count] = a;
      expected[count] = e;
      count += 1;
      if (t >= o - window) recent = count;
    }
    // At least as long as the horizon (runs of 1, 2 and 2 days come in turn); the steps past it are not read.
    if (bases.length < horizon) bases = new Float64Array(horizon);
    const base = bases;
    let gaps = false;
    for (let h = 0; h < horizon; h += 1) {
      base[h] = at(o + h, o);
      if (Number.isNaN(base[h] as number)) gaps = true;
    }
    const fallback = gaps ? medianIn(y, o - p.day, o, scratch) : Number.NaN;
    const run = { base, actual, expected, count, recent, fallback, ratio: undefined };
    last = { o, horizon, length: series.length, run };
    return run;
  };
}

/** A base scaled to the recent load: a ratio (or difference) of medians, so a spike or a gap moves it little. */
function adjusted(
  name: string,
  needs: number,
  lag: SeasonalModel['unscaledLag'],
  run: (o: number, horizon: number) => BaseRun,
  how: Adjustment,
  fadePerStep: number,
): SeasonalModel {
  return {
    name: `${name}×${how}`,
    needs,
    unscaledLag: lag,
    forecast(o, horizon, into) {
      const made = run(o, horizon);
      const { base, actual, expected, count, recent, fallback } = made;
      if (how !== 'shift') made.ratio ??= ratio(actual, expected, count, recent);
      const level = how === 'shift' ? shift(actual, expected, count, recent) : (made.ratio as number);
      const out = into ?? new Float64Array(horizon);
      let weight = 1; // the share of the ratio's log still held at step h (fading only)
      for (let h = 0; h < horizon; h += 1) {
        const b = base[h] as number;
        const scaled = how === 'shift' ? b + level : how === 'ratio' ? b * level : b * level ** weight;
        out[h] = Number.isNaN(b) ? fallback : scaled;
        weight *= fadePerStep;
      }
      return out;
    },
  };
}

/**
 * The last two hours' ratio of medians (actual over expected), held within a third and three times the last
 * day's: a quiet or a bursting two hours of a spiky load must not scale two days; a larger shift is followed as
 * the day fills with it.
 */
function ratio(actual: Float64Array, expected: Float64Array, count: number, recent: number): number {
  const of = (c: number) => {
    if (c === 0) return 1;
    const a = medianOfFirst(actual, c);
    const e = medianOfFirst(expected, c);
    return e > 0 && a >= 0 ? a / e : 1;
  };
  const day = of(count);
  return Math.min(3 * day, Math.max(day / 3, recent > 0 ? of(recent) : day));
}

/** The last two hours' median difference, held within the day's expected median of the last day's. */
function shift(actual: Float64Array, expected: Float64Array, count: number, recent: number): number {
  if (count === 0) return 0;
  const of = (c: number) => {
    const differences = scratchOf(c);
    for (let i = 0; i < c; i += 1) differences[i] = (actual[i] as number) - (expected[i] as number);
    return medianOf(differences, c);
  };
  const day = of(count);
  const spread = Math.abs(medianOfFirst(expected, count));
  return Math.min(day + spread, Math.max(day - spread, recent > 0 ? of(recent) : day));
}

/** One scratch buffer for the medians above (medianOf reorders what it is given; the inputs stay as they are). */
let scratch = new Float64Array(0);
function scratchOf(length: number): Float64Array {
  if (scratch.length < length) scratch = new Float64Array(Math.max(length, 2 * scratch.length));
  return scratch;
}

/** The median of the first c values, from a copy. */
function medianOfFirst(values: Float64Array, c: number): number {
  const copy = scratchOf(c);
  for (let i = 0; i < c; i += 1) copy[i] = values[i] as number;
  return medianOf(copy, c);
}

/**
 * Every candidate model for a series; the forecaster weighs them by their in-sample error. The adjustments of a
 * base are listed next to each other and share its run, so call them in this order from one origin. With a
 * `fadeHalfLifeMinutes` of 0, no fading model.
 */
export function seasonalModels(
  series: GridSeries,
  fadeHalfLifeMinutes = DEFAULT_FADE_HALF_LIFE_MINUTES,
): SeasonalModel[] {
  const p = periodsFor(series.stepMinutes);
  const fadePerStep = fadeHalfLifeMinutes > 0 ? 0.5 ** (series.stepMinutes / fadeHalfLifeMinutes) : 1;
  const seasonal: readonly Adjustment[] =
    fadeHalfLifeMinutes > 0 ? ['ratio', 'shift', 'fade'] : ['ratio', 'shift'];
  const window = Math.max(3, Math.round(LEVEL_WINDOW_MINUTES / series.stepMinutes));
  // A base that reads whole periods back skips one more period for each period ahead it forecasts; its median
  // is centred further back when it reads more periods for the steps ahead than for the recent window.
  const periods = (period: number, count: number) => (o: number) => {
    const ahead = periodsBack(period, count, o, floorOf(o, p));
    const recent = periodsBack(period, count, o - window, floorOf(o - window, p));
    return { period, past: ((ahead - recent) / 2) * period };
  };
  const bases: {
    name: string;
    needs: number;
    lag: SeasonalModel['unscaledLag'];
    prepare: (o: number) => Base;
  }[] = [
    {
      name: 'level',
      needs: p.day,
      lag: () => ({ period: 1, past: window / 2 }),
      prepare: levelBase(series, p),
    },
    { name: 'day', needs: p.day, lag: periods(p.day, 7), prepare: periodBase(series, p, p.day, 7) },
    { name: 'week', needs: p.week, lag: periods(p.week, 2), prepare: periodBase(series, p, p.week, 2) },
  ];
  if (p.hour > 1)
    bases.push({
      name: 'day-hour',
      needs: p.day,
      lag: periods(p.day, 7),
      prepare: hourShapeBase(series, p, 7),
    });
  return bases.flatMap((b) => {
    const run = baseRuns(series, p, b.prepare);
    // The level's base is flat, so its ratio and its shift are the same model (and a fade back to the last
    // day's median forecast worse wherever the level moves: CPU, taxis).
    return (b.name === 'level' ? (['ratio'] as const) : seasonal).map((how) =>
      adjusted(b.name, b.needs, b.lag, run, how, fadePerStep),
    );
  });
}
