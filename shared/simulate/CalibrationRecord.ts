import type { CalibrationPoint } from '../decision/floorSizing';

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

const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

/**
 * Every run's calibration (each rule's actual ÷ forecast record over the headroom's window), kept for the runs
 * made, which are kept for the whole trace (every kind and row replaying it shares them). A run's record is, most
 * hours, the run before's with its oldest points dropped and the last hour's added: each rule's points are kept
 * once, in typed arrays, and a run keeps where its record lies among them; `calibrationOf` makes it again, point
 * by point (walk-forward tuning reads it). Kept as arrays of points, a trace's runs held some 45 MB that every
 * garbage collection copied or walked. A record that does not continue the log (a period scored again with another
 * ratio) starts a log of its own; the runs before keep theirs.
 */
export class CalibrationRecord {
  private readonly logs = new Map<string, { log: PointLog; from: number }>();

  keep(calibration: Readonly<Record<string, readonly CalibrationPoint[]>>): KeptCalibration {
    const windows: Window[] = [];
    for (const [rule, points] of Object.entries(calibration)) {
      let kept = this.logs.get(rule);
      let from = kept ? this.start(kept, points) : -1;
      if (!kept || from < 0) {
        kept = { log: new PointLog(), from: 0 };
        this.logs.set(rule, kept);
        from = 0;
      }
      const log = kept.log;
      for (let j = log.length - from; j < points.length; j += 1) {
        const p = points[j] as CalibrationPoint;
        log.push(p.time, p.ratio);
      }
      kept.from = from;
      windows.push({ rule, log, from, to: from + points.length });
    }
    return windows;
  }

  /** Where `points` start in the log when they continue it (each point already logged the same), else −1. */
  private start(kept: { log: PointLog; from: number }, points: readonly CalibrationPoint[]): number {
    const { log } = kept;
    const first = points[0];
    let from = kept.from;
    if (first) while (from < log.length && (log.times[from] as number) < first.time) from += 1;
    else from = log.length;
    for (let j = 0; j < points.length && from + j < log.length; j += 1) {
      const p = points[j] as CalibrationPoint;
      if (log.times[from + j] !== p.time || !same(log.ratios[from + j] as number, p.ratio)) return -1;
    }
    return from;
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
