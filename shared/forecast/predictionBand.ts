import type { GridSeries } from './gridSeries';
import { clockOrigins } from './inSampleBacktest';
import { periodsFor } from './seasonalModels';
import { kthSmallest, medianOf, quantileOf } from './stats';

/**
 * The record the margin is the quantile of: the last week of origins, or the last day's when that is wider (a
 * regime the week has not shown yet still widens the band); each lead bucket is a day ahead.
 */
const RECORD_ORIGINS = 28;
const RECENT_ORIGINS = 4;
const BUCKET_MINUTES = 1440;

/** One past origin: what the forecaster said from it, its error scale, and its residuals once its lead bucket has passed. */
interface OriginRecord {
  readonly point: Float64Array | undefined;
  readonly scale: number;
  readonly residuals: Map<number, Float64Array>;
}

/**
 * The upper band: the forecast plus a margin from the forecaster's own record. From each past origin (every 6
 * hours) the forecast it would have made then, with what it knew then, is scored against what came: relative
 * errors (actual − point) ÷ the point (at least half the day's median load), per lead: the first day ahead
 * and the second. The margin of a step is the quantile of the last origins' errors at its lead, at the
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
      const b = Math.min(Math.floor(h / bucket), 1);
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
    const week = this.pool(n, b, bucket, day, RECORD_ORIGINS);
    const recent = this.pool(n, b, bucket, day, RECENT_ORIGINS) ?? week;
    const margin = !(week && recent)
      ? undefined
      : quantile > 0.5
        ? Math.max(0, conformalQuantile(week, quantile), conformalQuantile(recent, quantile))
        : Math.min(0, conformalLowerQuantile(week, quantile), conformalLowerQuantile(recent, quantile));
    if (this.byRecord.size > 64) this.byRecord.clear();
    this.byRecord.set(key, margin);
    return margin;
  }

  /** The relative errors at lead bucket b of the newest origins whose bucket had passed by step n. */
  private pool(n: number, b: number, bucket: number, day: number, count: number): Float64Array | undefined {
    const parts: Float64Array[] = [];
    // Origins whose forecast could not be made (a model lacking history) are passed over, within limits.
    for (const o of clockOrigins(this.series, n - (b + 1) * bucket, day, 2 * count)) {
      if (parts.length >= count) break;
      const r = this.residuals(o, b, bucket, day);
      if (r) parts.push(r);
    }
    const total = parts.reduce((a, r) => a + r.length, 0);
    if (total === 0) return undefined;
    const out = new Float64Array(total);
    let at = 0;
    for (const r of parts) {
      out.set(r, at);
      at += r.length;
    }
    return out;
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

/**
 * The split-conformal quantile of n errors: the ⌈(n + 1) q⌉-th smallest, so that a new error from the same
 * distribution falls under it with probability at least q (the largest error when n is too small for q).
 * Selected, not sorted (it reorders `errors`).
 */
function conformalQuantile(errors: Float64Array, q: number): number {
  const rank = Math.min(errors.length, Math.ceil((errors.length + 1) * q));
  return kthSmallest(errors, errors.length, rank - 1);
}

/** The lower side's conformal quantile: the ⌊(n + 1) q⌋-th smallest (the smallest when n is too small for q). */
function conformalLowerQuantile(errors: Float64Array, q: number): number {
  const rank = Math.max(1, Math.floor((errors.length + 1) * q));
  return kthSmallest(errors, errors.length, rank - 1);
}
