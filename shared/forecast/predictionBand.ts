import type { GridSeries } from './gridSeries';
import { clockOrigins, KEPT_HORIZON_MINUTES } from './inSampleBacktest';
import { periodsFor } from './seasonalModels';
import { medianOf, quantileOf } from './stats';
import { weightedConformalLower, weightedConformalUpper } from './weightedQuantile';

/** The record the margin is a quantile of: the last week of origins (every 6 hours). */
const RECORD_ORIGINS = 28;
/** The last day's origins: with `recentDayFloor`, their plain quantile is the least margin. */
const RECENT_ORIGINS = 4;
/** Lead buckets of 6 hours: errors grow with lead within a day, not only from one day to the next. */
const BUCKET_MINUTES = 360;

/**
 * How the band is calibrated on the forecaster's record (the defaults are chosen leave-one-out over the shared
 * traces by `npm run bench:forecast`; see bench/forecast/leaveOneOut.ts and docs/predictive.md).
 */
export interface BandCalibration {
  /** An origin's errors weigh half as much every this many minutes of age (Infinity: all alike). */
  readonly halfLifeMinutes: number;
  /** The margin is at least the plain conformal quantile of the last day's origins at the same lead. */
  readonly recentDayFloor: boolean;
  /**
   * The share of the nominal miss rate the conformal quantile is taken at: 1 takes q itself; 0.7 takes
   * 1 − 0.7 × (1 − q) (for q = 0.9: 0.93), for loads whose next days err more than their last ones did.
   */
  readonly missScale: number;
}

export const DEFAULT_BAND_CALIBRATION: BandCalibration = {
  halfLifeMinutes: 360,
  recentDayFloor: false,
  missScale: 1,
};

/** Relative errors pooled over origins, each with its origin's weight. */
interface Pooled {
  readonly errors: Float64Array;
  readonly weights: Float64Array;
}

/** One past origin: what the forecaster said from it, its error scale, and its residuals once its lead bucket has passed. */
interface OriginRecord {
  readonly point: Float64Array | undefined;
  readonly scale: number;
  readonly residuals: Map<number, Float64Array>;
}

/**
 * The upper band: the forecast plus a margin from the forecaster's own record. From each past origin (every 6
 * hours) the forecast it would have made then, with what it knew then, is scored against what came: relative
 * errors (actual − point) ÷ the point (at least half the day's median load), per lead bucket of 6 hours (each
 * margin at least the shorter lead's). The margin of a step is the quantile of the last origins' errors at its lead, at the
 * conformal level ⌈(N + 1) q⌉ ÷ N of N errors, so the band covers q of what comes as long as the next days
 * err as the last ones did. Each origin's forecast and errors are made once and kept.
 */
export class PredictionBand {
  private readonly records = new Map<number, OriginRecord>();
  /** Relative margins by lead bucket, newest origin of the record and quantile. */
  private readonly byRecord = new Map<string, number | undefined>();

  constructor(
    private readonly series: GridSeries,
    private readonly publishedAt: (o: number) => Float64Array | undefined,
    private readonly calibration: BandCalibration = DEFAULT_BAND_CALIBRATION,
  ) {}

  /**
   * Margins in the load's unit for the forecast `point` made at step n: at `quantile` above 0.5 the upper
   * side (≥ 0, added to the point), below 0.5 the lower side (≤ 0: the reports' p10).
   */
  margins(n: number, point: Float64Array, quantile: number): Float64Array {
    const p = periodsFor(this.series.stepMinutes);
    const bucket = Math.round(BUCKET_MINUTES / this.series.stepMinutes);
    const scale = halfDayMedian(this.series, n, p.day);
    const upper = quantile > 0.5;
    const levels: number[] = [];
    const out = new Float64Array(point.length);
    for (let h = 0; h < point.length; h += 1) {
      const b = Math.min(Math.floor(h / bucket), Math.round(KEPT_HORIZON_MINUTES / BUCKET_MINUTES) - 1);
      // A day further ahead errs at least as much: its margin is never inside the day before's.
      if (levels[b] === undefined) {
        const margin = this.relativeMargin(n, b, bucket, quantile, p.day);
        const wider = upper ? Math.max : Math.min;
        levels[b] =
          b === 0
            ? (margin ?? this.lastDaySpread(n, quantile, p.day))
            : wider(levels[b - 1] as number, margin ?? 0);
      }
      out[h] = (levels[b] as number) * Math.max(Math.abs(point[h] as number), scale);
    }
    return out;
  }

  forgetBefore(oldest: number): void {
    for (const o of this.records.keys()) if (o < oldest) this.records.delete(o);
  }

  /** The relative margin of lead bucket b at step n; `none` when there is no record yet. */
  private relativeMargin(
    n: number,
    b: number,
    bucket: number,
    quantile: number,
    day: number,
  ): number | undefined {
    // The record changes only when another origin's bucket has passed (every 6 hours): kept till then.
    const newest = clockOrigins(this.series, n - (b + 1) * bucket, day, 1)[0];
    const key = `${b} ${newest} ${quantile}`;
    const known = this.byRecord.get(key);
    if (known !== undefined || this.byRecord.has(key)) return known;
    const { halfLifeMinutes, recentDayFloor, missScale } = this.calibration;
    // The level the quantile is taken at: the nominal miss rate scaled (1 − q for the upper side, q below).
    const level = quantile > 0.5 ? 1 - missScale * (1 - quantile) : missScale * quantile;
    const at = (pooled: Pooled | undefined) =>
      !pooled
        ? undefined
        : quantile > 0.5
          ? weightedConformalUpper(pooled.errors, pooled.weights, level, 1)
          : weightedConformalLower(pooled.errors, pooled.weights, level, 1);
    const week = at(this.pool(n, b, bucket, day, RECORD_ORIGINS, halfLifeMinutes));
    const recent = recentDayFloor
      ? at(this.pool(n, b, bucket, day, RECENT_ORIGINS, Number.POSITIVE_INFINITY))
      : undefined;
    const margin =
      week === undefined
        ? undefined
        : quantile > 0.5
          ? Math.max(0, week, recent ?? 0)
          : Math.min(0, week, recent ?? 0);
    if (this.byRecord.size > 64) this.byRecord.clear();
    this.byRecord.set(key, margin);
    return margin;
  }

  /**
   * The relative errors at lead bucket b of the newest origins whose bucket had passed by step n, each weighed
   * by its age against the newest of them (half as much every `halfLifeMinutes`; the next error weighs as the
   * newest origin's). The weights depend on the origins alone, so the margin kept for them stays valid.
   */
  private pool(
    n: number,
    b: number,
    bucket: number,
    day: number,
    count: number,
    halfLifeMinutes: number,
  ): Pooled | undefined {
    const parts: { r: Float64Array; w: number }[] = [];
    const origins = clockOrigins(this.series, n - (b + 1) * bucket, day, 2 * count);
    const newest = origins[0] as number;
    // Origins whose forecast could not be made (a model lacking history) are passed over, within limits.
    for (const o of origins) {
      if (parts.length >= count) break;
      const r = this.residuals(o, b, bucket, day);
      if (r) parts.push({ r, w: 0.5 ** (((newest - o) * this.series.stepMinutes) / halfLifeMinutes) });
    }
    const total = parts.reduce((a, p) => a + p.r.length, 0);
    if (total === 0) return undefined;
    const errors = new Float64Array(total);
    const weights = new Float64Array(total);
    let at = 0;
    for (const { r, w } of parts) {
      errors.set(r, at);
      weights.fill(w, at, at + r.length);
      at += r.length;
    }
    return { errors, weights };
  }

  /** Origin o's relative errors over lead bucket b (cached: only asked once the bucket has passed). */
  private residuals(o: number, b: number, bucket: number, day: number): Float64Array | undefined {
    let record = this.records.get(o);
    if (!record) {
      record = {
        point: this.publishedAt(o),
        scale: halfDayMedian(this.series, o, day),
        residuals: new Map(),
      };
      this.records.set(o, record);
    }
    const { point } = record;
    if (!point) return undefined;
    let r = record.residuals.get(b);
    if (!r) {
      const y = this.series.values;
      const out: number[] = [];
      for (let h = b * bucket; h < (b + 1) * bucket && h < point.length; h += 1) {
        const actual = y[o + h] as number;
        if (Number.isNaN(actual)) continue;
        const v = point[h] as number;
        out.push((actual - v) / Math.max(Math.abs(v), record.scale));
      }
      r = Float64Array.from(out);
      record.residuals.set(b, r);
    }
    return r;
  }

  /** No record yet: how far the last day strayed from its median stands in for the forecast's error. */
  private lastDaySpread(n: number, quantile: number, day: number): number {
    const y = this.series.values;
    const scale = halfDayMedian(this.series, n, day);
    const scratch = new Float64Array(day);
    let c = 0;
    for (let t = Math.max(0, n - day); t < n; t += 1)
      if (!Number.isNaN(y[t] as number)) scratch[c++] = y[t] as number;
    const level = medianOf(scratch, c);
    const out: number[] = [];
    for (let t = Math.max(0, n - day); t < n; t += 1) {
      const v = y[t] as number;
      if (!Number.isNaN(v)) out.push((v - level) / Math.max(Math.abs(level), scale));
    }
    if (out.length === 0) return 0;
    return quantile > 0.5 ? Math.max(0, quantileOf(out, quantile)) : Math.min(0, quantileOf(out, quantile));
  }
}

/** Half the absolute median of the day before n (at least 1e-9): the least a relative error is taken of. */
function halfDayMedian(series: GridSeries, n: number, day: number): number {
  const scratch = new Float64Array(day);
  let c = 0;
  for (let i = Math.max(0, n - day); i < n; i += 1) {
    const v = series.values[i] as number;
    if (!Number.isNaN(v)) scratch[c++] = v;
  }
  return Math.max(1e-9, 0.5 * Math.abs(medianOf(scratch, c)));
}
