import type { MetricReading } from '../decision/types';
import type { Rule } from '../policy/schema';
import type { PolicyView } from './engine';
import type { MinuteClock } from './MinuteClock';

/**
 * The datapoints a rule's metric read gives at a simulated minute, as GetMetricData gives them: the complete
 * periods before now, oldest first, each stamped with its start. The replayed utilisation (in %) is the metric at
 * one minute; a rule with a longer period reads periods aligned to multiples of it (as the scalers' reads are),
 * each its minutes aggregated by the rule's statistic. The readings are reused from minute to minute (the
 * decision keeps none of them).
 */
export class MetricWindow {
  private readonly pool: { value: number; timestamp: Date }[];
  /** Each pooled reading's own Date (a reading may be stamped with the clock's instead). */
  private readonly stamps: Date[];
  /** The first minutes have fewer complete periods than the window holds: one array per count, sharing the pool. */
  private readonly windows: MetricReading[][];
  private readonly scratch: number[] = [];

  constructor(
    private readonly periodSeconds: number,
    private readonly periods: number,
    private readonly statistic: Rule['metric']['statistic'],
  ) {
    this.stamps = Array.from({ length: periods }, () => new Date(0));
    this.pool = this.stamps.map((timestamp) => ({ value: 0, timestamp }));
    this.windows = Array.from({ length: periods + 1 }, (_, k) => this.pool.slice(periods - k));
  }

  /**
   * The window at minute `view.minute`, whose time is `now` (epoch ms). With the target's clock, the newest
   * one-minute reading is stamped with the clock's minute before (read at once, as the decision reads it).
   */
  at(view: PolicyView, now: number, clock?: MinuteClock): MetricReading[] {
    const m = view.minute;
    if (this.periodSeconds === 60) {
      // One datapoint a minute, stamped at each simulated minute's start.
      const count = Math.min(m, this.periods);
      const window = this.windows[count] as MetricReading[];
      const offset = this.periods - count;
      const before = clock?.minuteBefore(now);
      for (let i = 0; i < count; i += 1) {
        const reading = window[i] as { value: number; timestamp: Date };
        const j = m - count + i;
        reading.value = this.statistic === 'SampleCount' ? 1 : view.utilisation(j) * 100;
        if (before && j === m - 1) reading.timestamp = before;
        else {
          const own = this.stamps[offset + i] as Date;
          reading.timestamp = own;
          own.setTime(now - (m - j) * 60_000);
        }
      }
      return window;
    }
    const period = this.periodSeconds * 1000;
    const start = now - m * 60_000;
    const newestEnd = Math.floor(now / period) * period;
    // Newest first into the end of the pool, so the window is the pool's last `count` readings, oldest first.
    let count = 0;
    for (let k = 1; k <= this.periods; k += 1) {
      const from = newestEnd - k * period;
      const first = Math.max(0, Math.ceil((from - start) / 60_000));
      const end = Math.min(m, Math.ceil((from + period - start) / 60_000));
      if (end <= first) break;
      const reading = this.pool[this.periods - 1 - count] as { value: number; timestamp: Date };
      reading.value = this.aggregate(view, first, end);
      reading.timestamp = this.stamps[this.periods - 1 - count] as Date;
      reading.timestamp.setTime(from);
      count += 1;
    }
    return this.windows[count] as MetricReading[];
  }

  /** The minutes first .. end − 1 of the utilisation (in %) by the rule's statistic. */
  private aggregate(view: PolicyView, first: number, end: number): number {
    const values = this.scratch;
    values.length = 0;
    for (let j = first; j < end; j += 1) values.push(view.utilisation(j) * 100);
    const n = values.length;
    const sum = values.reduce((a, b) => a + b, 0);
    switch (this.statistic) {
      case 'Sum':
        return sum;
      case 'SampleCount':
        return n;
      case 'Minimum':
        return Math.min(...values);
      case 'Maximum':
        return Math.max(...values);
      case 'Average':
        return sum / n;
      default: {
        // pNN: the nearest-rank percentile of the period's minutes.
        const p = Number(this.statistic.slice(1));
        values.sort((a, b) => a - b);
        return values[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))] as number;
      }
    }
  }
}
