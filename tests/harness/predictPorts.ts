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

/** A group's scheduled actions in memory, holding AWS's limit of 125 (other groups: `others`, by name). */
export class InMemoryScheduledActions implements ScheduledActionsPort {
  readonly actions = new Map<string, GroupScheduledAction>();
  /** Other groups of the account: their actions and ownership tag. */
  readonly others = new Map<
    string,
    { actions: Map<string, GroupScheduledAction>; owner?: 'this' | 'other'; minSize?: number }
  >();
  owner?: 'this' | 'other';
  /** The stage named by the ownership tag, when `owner` is `other`. */
  otherStage?: string;
  /** The group's Launch process suspended. */
  launchSuspended = false;
  calls = 0;
  constructor(
    public minSize = 2,
    public maxSize = 10,
    readonly name = 'g',
  ) {}
  async group(name = this.name) {
    this.calls += 1;
    if (name !== this.name) {
      const other = this.others.get(name);
      return { minSize: other?.minSize ?? 0, maxSize: 10, ...(other?.owner ? { owner: other.owner } : {}) };
    }
    return {
      minSize: this.minSize,
      maxSize: this.maxSize,
      ...(this.owner ? { owner: this.owner } : {}),
      ...(this.owner === 'other' && this.otherStage ? { otherStage: this.otherStage } : {}),
      ...(this.launchSuspended ? { launchSuspended: true } : {}),
    };
  }
  async ownedActions(prefix: string) {
    this.calls += 1;
    const all = [
      ...[...this.actions.values()].map((a) => ({ ...a, group: this.name })),
      ...[...this.others].flatMap(([group, g]) => [...g.actions.values()].map((a) => ({ ...a, group }))),
    ];
    return all.filter((a) => a.name.startsWith(prefix));
  }
  async markOwned(group: string) {
    if (group === this.name) this.owner = 'this';
    else {
      const other = this.others.get(group);
      if (other) other.owner = 'this';
    }
  }
  async scheduledActions(group = this.name) {
    this.calls += 1;
    if (group !== this.name) return [...(this.others.get(group)?.actions.values() ?? [])];
    return [...this.actions.values()];
  }
  async replace(
    group: string,
    put: readonly { name: string; start: Date; minSize: number }[],
    remove: readonly string[],
  ) {
    this.calls += 1;
    if (group !== this.name) {
      const other = this.others.get(group);
      for (const name of remove) other?.actions.delete(name);
      for (const a of put) other?.actions.set(a.name, { name: a.name, start: a.start, minSize: a.minSize });
      return;
    }
    for (const name of remove) this.actions.delete(name);
    for (const a of put) {
      // AWS takes one action a start time (moto does not check it).
      const clash = [...this.actions.values()].find(
        (b) => b.name !== a.name && b.start?.getTime() === a.start.getTime(),
      );
      if (clash)
        throw new Error(`${a.name}: a scheduled action with this scheduled start time already exists`);
      this.actions.set(a.name, { name: a.name, start: a.start, minSize: a.minSize });
    }
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
