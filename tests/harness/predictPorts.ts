import type { MetricReading } from '../../shared/decision/types';
import type {
  ForecastDatum,
  ForecastMetricsPort,
  ForecastNotifier,
  GroupScheduledAction,
  MetricHistoryReader,
  MetricQuery,
  ScheduledActionsPort,
} from '../../shared/ports';

/** In-memory ports of the predict function, for use-case tests: the same contracts as the AWS adapters. */

/** Per-unit load (a function of time) on `units(t)` units, read as CloudWatch would give Sum and SampleCount. */
export class SyntheticHistory implements MetricHistoryReader {
  readonly calls: { queries: readonly MetricQuery[]; start: Date; end: Date }[] = [];
  constructor(
    /** Total load at epoch ms t (percent-units), or undefined for a gap. */
    private readonly load: (t: number) => number | undefined,
    /** Units reporting at t. */
    private readonly units: (t: number) => number = () => 4,
    /** The first instant with data (earlier: none). */
    private readonly since = Number.NEGATIVE_INFINITY,
  ) {}

  async history(queries: readonly MetricQuery[], start: Date, end: Date) {
    this.calls.push({ queries, start, end });
    const result = new Map<string, MetricReading[]>();
    for (const q of queries) {
      const period = q.metric.periodSeconds * 1000;
      const points: MetricReading[] = [];
      for (let t = start.getTime(); t < end.getTime(); t += period) {
        if (t < this.since) continue;
        const load = this.load(t);
        if (load === undefined) continue;
        // The policy's rules read 60-second data: each unit reports period/60 s datapoints.
        const perUnit = q.metric.periodSeconds / 60;
        const value = q.metric.statistic === 'Sum' ? load * perUnit : this.units(t) * perUnit;
        points.push({ timestamp: new Date(t), value });
      }
      result.set(q.id, points);
    }
    return result;
  }
}

/** A group's scheduled actions in memory, holding AWS's limit of 125. */
export class InMemoryScheduledActions implements ScheduledActionsPort {
  readonly actions = new Map<string, GroupScheduledAction>();
  calls = 0;
  constructor(
    public minSize = 2,
    public maxSize = 10,
  ) {}
  async group() {
    this.calls += 1;
    return { minSize: this.minSize, maxSize: this.maxSize };
  }
  async scheduledActions() {
    this.calls += 1;
    return [...this.actions.values()];
  }
  async replace(
    _group: string,
    put: readonly { name: string; start: Date; minSize: number }[],
    remove: readonly string[],
  ) {
    this.calls += 1;
    for (const name of remove) this.actions.delete(name);
    for (const a of put) this.actions.set(a.name, { name: a.name, start: a.start, minSize: a.minSize });
    if (this.actions.size > 125) throw new Error(`${this.actions.size} scheduled actions: AWS allows 125`);
  }
}

export class CollectedForecastMetrics implements ForecastMetricsPort {
  readonly data: ForecastDatum[] = [];
  async publish(data: readonly ForecastDatum[]) {
    this.data.push(...data);
  }
}

export class CollectedTrustNotices implements ForecastNotifier {
  readonly notices: { target: string; trusted: boolean; message: string }[] = [];
  async trustChanged(target: string, trusted: boolean, message: string) {
    this.notices.push({ target, trusted, message });
  }
}
