import { medianOf, medianRange } from './stats';

/**
 * The forecaster's candidate models. Each is a seasonal base (a median of past periods at the same phase)
 * scaled to the recent load: `base(t) × r` (or `base(t) + d`), where r (d) compares the last two hours of
 * actual load with what the base expected for them.
 * Every model reads only the values before its origin `o`, so the same code backtests itself on the history.
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

/** A base forecast for step t from the values before o; NaN when the history has nothing for it. */
type Base = (t: number, o: number) => number;

export interface SeasonalModel {
  readonly name: string;
  /** Steps of history the model needs before its origin. */
  readonly needs: number;
  /** The forecast for steps o .. o + horizon − 1. */
  forecast(o: number, horizon: number): Float64Array;
}

/** How the base is brought to the recent load: multiplied by a ratio, or shifted by a difference. */
export type Adjustment = 'ratio' | 'shift';

/**
 * The recent load the base is scaled to: the last two hours. Shorter follows a burst (and then forecasts it for
 * two days); longer follows a level shift late. The scaling holds over the whole horizon: on the shared traces,
 * fading it into the last day's level forecast worse wherever the level moves (CPU, taxis).
 */
const LEVEL_WINDOW_MINUTES = 120;

/**
 * Median of up to `count` past values at t's phase of `period`, newest first, all before o. Gaps (NaN) are
 * skipped and an older period taken instead, so a gap never leaves a phase without a value.
 */
function seasonalMedian(
  y: Float64Array,
  t: number,
  o: number,
  period: number,
  count: number,
  scratch: Float64Array,
): number {
  let k = Math.max(1, Math.ceil((t - o + 1) / period));
  let c = 0;
  for (let i = t - k * period; i >= 0 && c < count; i -= period) {
    const v = y[i] as number;
    if (!Number.isNaN(v)) scratch[c++] = v;
    k += 1;
  }
  return medianOf(scratch, c);
}

/** The median of the last day: the flat base of the level model and the fallback of every other. */
function levelBase(y: Float64Array, p: Periods): (o: number) => Base {
  return (o) => {
    const level = medianRange(y, o - p.day, o);
    return () => level;
  };
}

function periodBase(y: Float64Array, period: number, count: number): (o: number) => Base {
  const scratch = new Float64Array(count);
  // What the base says of a step from the values before it (base(t, t)) does not depend on the origin, and
  // the in-sample origins' windows overlap: each is computed once.
  const ownStep = new Float64Array(y.length);
  const known = new Uint8Array(y.length);
  const base: Base = (t, o) => {
    if (t !== o || t >= y.length) return seasonalMedian(y, t, o, period, count, scratch);
    if (known[t] === 0) {
      ownStep[t] = seasonalMedian(y, t, t, period, count, scratch);
      known[t] = 1;
    }
    return ownStep[t] as number;
  };
  return () => base;
}

/**
 * A smooth daily profile (the median over past days of each hour's mean) times the shape of the hour (per
 * minute-of-hour phase, the median ratio of a value to its hour's mean over the last week). Loads that burst
 * at fixed minutes past the hour keep their bursts, from many more samples than a per-minute daily median.
 */
function hourShapeBase(y: Float64Array, p: Periods, days: number): (o: number) => Base {
  const hs = p.hour;
  const n = y.length;
  const offset = n % hs; // hours end at the newest step, so the forecast starts on an hour
  const blocks = Math.ceil((n - offset) / hs) + 1;
  const means = new Float64Array(blocks);
  for (let b = 0; b < blocks; b += 1) {
    const from = offset + (b - 1) * hs;
    let sum = 0;
    let c = 0;
    for (let i = Math.max(0, from); i < Math.min(n, from + hs); i += 1) {
      const v = y[i] as number;
      if (!Number.isNaN(v)) {
        sum += v;
        c += 1;
      }
    }
    // A block counts when at least half of it was observed.
    means[b] = c * 2 >= hs ? sum / c : Number.NaN;
  }
  const blockOf = (i: number) => Math.floor((i - offset) / hs) + 1;
  const blockEnd = (b: number) => offset + b * hs;
  const scratch = new Float64Array(days);
  return (o) => {
    const shape = new Float64Array(hs).fill(1);
    const lastComplete = blockOf(o) - 1; // the newest hour that ends at or before o
    const ratios = new Float64Array(p.week / hs);
    for (let phase = 0; phase < hs; phase += 1) {
      let c = 0;
      for (let b = lastComplete; b >= 1 && c < ratios.length; b -= 1) {
        const m = means[b] as number;
        const v = y[offset + (b - 1) * hs + phase] as number;
        if (m > 0 && !Number.isNaN(v)) ratios[c++] = v / m;
      }
      if (c >= 24) shape[phase] = medianOf(ratios, c);
    }
    return (t, origin) => {
      const b = blockOf(t);
      let c = 0;
      for (let k = 1; c < days && b - k * 24 >= 1; k += 1) {
        const past = b - k * 24;
        if (blockEnd(past) > origin) continue;
        const m = means[past] as number;
        if (!Number.isNaN(m)) scratch[c++] = m;
      }
      const phase = (((t - offset) % hs) + hs) % hs;
      return medianOf(scratch, c) * (shape[phase] as number);
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
}

/** Runs a base from an origin once for both of its adjustments (the newest run is kept). */
function baseRuns(
  y: Float64Array,
  p: Periods,
  stepMinutes: number,
  prepare: (o: number) => Base,
): (o: number, horizon: number) => BaseRun {
  const window = Math.max(3, Math.round(LEVEL_WINDOW_MINUTES / stepMinutes));
  let last: { o: number; horizon: number; run: BaseRun } | undefined;
  return (o, horizon) => {
    if (last && last.o === o && last.horizon === horizon) return last.run;
    const at = prepare(o);
    // What the base expected for each of the last day's steps (from the values before that step) against
    // what came.
    const actual = new Float64Array(p.day);
    const expected = new Float64Array(p.day);
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
    const base = new Float64Array(horizon);
    for (let h = 0; h < horizon; h += 1) base[h] = at(o + h, o);
    let fallback = Number.NaN;
    if (base.some(Number.isNaN)) fallback = medianRange(y, o - p.day, o);
    const run = { base, actual, expected, count, recent, fallback };
    last = { o, horizon, run };
    return run;
  };
}

/** A base scaled to the recent load: a ratio (or difference) of medians, so a spike or a gap moves it little. */
function adjusted(
  name: string,
  needs: number,
  run: (o: number, horizon: number) => BaseRun,
  how: Adjustment,
): SeasonalModel {
  return {
    name: `${name}×${how}`,
    needs,
    forecast(o, horizon) {
      const { base, actual, expected, count, recent, fallback } = run(o, horizon);
      const level =
        how === 'ratio' ? ratio(actual, expected, count, recent) : shift(actual, expected, count, recent);
      const out = new Float64Array(horizon);
      for (let h = 0; h < horizon; h += 1) {
        const b = base[h] as number;
        out[h] = Number.isNaN(b) ? fallback : how === 'ratio' ? b * level : b + level;
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
    const a = medianOf(actual.slice(0, c), c);
    const e = medianOf(expected.slice(0, c), c);
    return e > 0 && a >= 0 ? a / e : 1;
  };
  const day = of(count);
  return Math.min(3 * day, Math.max(day / 3, recent > 0 ? of(recent) : day));
}

/** The last two hours' median difference, held within the day's expected median of the last day's. */
function shift(actual: Float64Array, expected: Float64Array, count: number, recent: number): number {
  if (count === 0) return 0;
  const of = (c: number) =>
    medianOf(
      actual.slice(0, c).map((a, i) => a - (expected[i] as number)),
      c,
    );
  const day = of(count);
  const spread = Math.abs(medianOf(expected.slice(0, count), count));
  return Math.min(day + spread, Math.max(day - spread, recent > 0 ? of(recent) : day));
}

/**
 * Every candidate model for a series at this step; the forecaster weighs them by their in-sample error. The
 * two adjustments of a base are listed next to each other and share its run, so call them in this order.
 */
export function seasonalModels(y: Float64Array, stepMinutes: number): SeasonalModel[] {
  const p = periodsFor(stepMinutes);
  const bases: { name: string; needs: number; prepare: (o: number) => Base }[] = [
    { name: 'level', needs: p.day, prepare: levelBase(y, p) },
    { name: 'day', needs: p.day, prepare: periodBase(y, p.day, 7) },
    { name: 'week', needs: p.week, prepare: periodBase(y, p.week, 2) },
  ];
  if (p.hour > 1) bases.push({ name: 'day-hour', needs: p.day, prepare: hourShapeBase(y, p, 7) });
  return bases.flatMap((b) => {
    const run = baseRuns(y, p, stepMinutes, b.prepare);
    // The level's base is flat, so its ratio and its shift are the same model.
    return (b.name === 'level' ? (['ratio'] as const) : (['ratio', 'shift'] as const)).map((how) =>
      adjusted(b.name, b.needs, run, how),
    );
  });
}
