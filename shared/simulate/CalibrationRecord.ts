import {
  type CalibrationPoint,
  HEADROOM_WINDOW_MINUTES,
  headroomOfRatios,
  type PointForecast,
} from '../decision/floorSizing';

/** One rule's points in time order, in typed arrays, appended to as the runs score. */
class PointLog {
  times = new Float64Array(256);
  ratios = new Float64Array(256);
  length = 0;

  push(time: number, ratio: number): void {
    if (this.length === this.times.length) {
      const times = new Float64Array(this.length * 2);
      const ratios = new Float64Array(this.length * 2);
      times.set(this.times);
      ratios.set(this.ratios);
      this.times = times;
      this.ratios = ratios;
    }
    this.times[this.length] = time;
    this.ratios[this.length] = ratio;
    this.length += 1;
  }
}

/** Where one rule's record of one run lies in a log: its points `from .. to − 1`. */
interface Window {
  readonly rule: string;
  readonly log: PointLog;
  readonly from: number;
  readonly to: number;
}

/** A run's calibration as kept: each rule's window, in the record's order. */
export type KeptCalibration = readonly Window[];

/** One rule's record now: the end of its log from `from` (a log's end is always the newest run's). */
interface Current {
  readonly rule: string;
  log: PointLog;
  from: number;
}

/**
 * Actual load read for the headroom: the mean of each period of `periodMinutes` (on the clock, as CloudWatch's)
 * over the minutes `start + j` stamped within it.
 */
export interface RecentLoad {
  /** Epoch ms of minute 0. */
  readonly start: number;
  readonly periodMinutes: number;
  /** The load of minute j (only asked for the minutes before the run). */
  readonly load: (j: number) => number;
}

const MINUTE = 60_000;

/**
 * Each rule's actual ÷ forecast record over the headroom's window, kept run after run as the predict function
 * keeps its calibration (`calibrate` on the record before, trimmed to the window), without making it again each
 * run: a run drops the points that left the window (`advance`) and appends the ones it scores (`score`), into
 * typed arrays that every run's record shares (`keep`: where a run's record lies; `calibrationOf` makes it again,
 * point by point, for walk-forward tuning). Kept as arrays of points, a trace's runs held some 45 MB, and making
 * them again each hour was the headroom's largest cost. A record that does not continue the log (a period
 * scored again) is merged as `calibrate` merges it, into a log of its own; the runs before keep theirs. A test
 * holds it to `calibrate` run after run.
 */
export class CalibrationRecord {
  /** The rules with a record, in the order the function's record holds them (a rule whose points all left goes). */
  private current: Current[] = [];
  private times = new Float64Array(64);
  private ratios = new Float64Array(64);
  /** The ratios a headroom is measured from (the measure reorders them). */
  private scratch = new Float64Array(512);

  /** Drops the points before the window of a run at epoch ms `now`, and the rules left with none. */
  advance(now: number): void {
    const from = now - HEADROOM_WINDOW_MINUTES * MINUTE;
    const kept: Current[] = [];
    for (const c of this.current) {
      // The record is in time order: what leaves the window is a prefix.
      while (c.from < c.log.length && (c.log.times[c.from] as number) < from) c.from += 1;
      if (c.from < c.log.length) kept.push(c);
    }
    this.current = kept;
  }

  /**
   * Scores `forecast` for `rule` on the periods that started from the forecast's start (and within `readFrom`)
   * and have ended by `now`, each the mean of its minutes (a period without a finite mean is skipped), as
   * `calibrate` does after the same read; appends them to the rule's record.
   */
  score(rule: string, forecast: PointForecast, read: RecentLoad, readFrom: number, now: number): void {
    const p = read.periodMinutes;
    const period = p * MINUTE;
    const stepMs = forecast.stepMinutes * MINUTE;
    let count = 0;
    for (
      let t = Math.ceil(Math.max(forecast.start, readFrom) / period) * period;
      t + period <= now;
      t += period
    ) {
      // The minutes stamped within the period, as MetricWindow reads them: a trace whose minutes are not on
      // the clock's (Twitter's, at :53) read a fraction of a minute here, found nothing, and never measured
      // its headroom.
      const from = Math.ceil((t - read.start) / MINUTE);
      const to = Math.ceil((t + period - read.start) / MINUTE);
      let sum = 0;
      for (let i = from; i < to; i += 1) sum += read.load(i);
      const value = sum / (to - from);
      if (!Number.isFinite(value)) continue;
      const predicted = forecast.point[Math.floor((t - forecast.start) / stepMs)];
      if (predicted === undefined || !(predicted > 0)) continue;
      if (count === this.times.length) this.grow();
      this.times[count] = t;
      this.ratios[count] = value / predicted;
      count += 1;
    }
    const from = now - HEADROOM_WINDOW_MINUTES * MINUTE;
    let c = this.current.find((x) => x.rule === rule);
    if (!c) {
      c = { rule, log: new PointLog(), from: 0 };
      this.current.push(c);
    }
    const log = c.log;
    const last = c.from < log.length ? (log.times[log.length - 1] as number) : Number.NEGATIVE_INFINITY;
    if (count === 0 || (this.times[0] as number) > last) {
      // Most runs: the record continues, the points scored after the ones kept.
      for (let i = 0; i < count; i += 1)
        if ((this.times[i] as number) >= from) log.push(this.times[i] as number, this.ratios[i] as number);
      return;
    }
    // A period scored again (as calibrate: the new ratio replaces the kept one), in a log of its own.
    const byTime = new Map<number, number>();
    for (let i = c.from; i < log.length; i += 1) byTime.set(log.times[i] as number, log.ratios[i] as number);
    for (let i = 0; i < count; i += 1) byTime.set(this.times[i] as number, this.ratios[i] as number);
    const merged = [...byTime].filter(([time]) => time >= from).sort((a, b) => a[0] - b[0]);
    c.log = new PointLog();
    c.from = 0;
    for (const [time, ratio] of merged) c.log.push(time, ratio);
  }

  /** `measuredHeadroom` of a rule's record now (undefined: under its least record, or none). */
  headroom(rule: string, periodMinutes: number): number | undefined {
    const c = this.current.find((x) => x.rule === rule);
    const count = c ? c.log.length - c.from : 0;
    if (count > this.scratch.length) this.scratch = new Float64Array(2 * count);
    if (c) this.scratch.set(c.log.ratios.subarray(c.from, c.log.length));
    return headroomOfRatios(this.scratch, count, periodMinutes);
  }

  /** Where each rule's record lies now: the run's calibration, kept (its logs only grow past it). */
  keep(): KeptCalibration {
    return this.current.map((c) => ({ rule: c.rule, log: c.log, from: c.from, to: c.log.length }));
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    const ratios = new Float64Array(this.times.length * 2);
    times.set(this.times);
    ratios.set(this.ratios);
    this.times = times;
    this.ratios = ratios;
  }
}

/** A run's calibration made again from what was kept: the same rules, times and ratios. */
export function calibrationOf(kept: KeptCalibration): Record<string, readonly CalibrationPoint[]> {
  const calibration: Record<string, readonly CalibrationPoint[]> = {};
  for (const { rule, log, from, to } of kept) {
    const points: CalibrationPoint[] = new Array(to - from);
    for (let i = from; i < to; i += 1)
      points[i - from] = { time: log.times[i] as number, ratio: log.ratios[i] as number };
    calibration[rule] = points;
  }
  return calibration;
}
