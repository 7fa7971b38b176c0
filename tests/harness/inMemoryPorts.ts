import type { ForecastTrack } from '../../shared/decision/forecastTrust';
import type { PlanMemberRecord } from '../../shared/decision/plans/types';
import type {
  CapacityState,
  Decision,
  FloorSchedule,
  MetricReading,
  PendingIntent,
} from '../../shared/decision/types';
import { emptyHistory } from '../../shared/decision/types';
import { LeaseLostError } from '../../shared/errors';
import type {
  CapacityPort,
  DecisionContext,
  Lease,
  Ledger,
  MetricQuery,
  MetricsRead,
  MetricsReader,
  TargetRecord,
  TargetUpdate,
  UnleasedRecord,
} from '../../shared/ports';

/** In-memory ports for use-case tests: the same contracts as the AWS adapters, no network. */
export class InMemoryLedger implements Ledger {
  readonly log: (Decision & DecisionContext)[] = [];
  readonly intents: PendingIntent[] = [];
  private readonly leases = new Map<string, { owner: string; expires: number; token: number }>();
  private readonly tokens = new Map<string, number>();
  private readonly records = new Map<string, TargetRecord>();
  /** Fails the next `record` calls (a throttled or timed-out write), once each. */
  failNextRecords = 0;

  async acquireLease(target: string, owner: string, now: Date, seconds: number): Promise<Lease | undefined> {
    const held = this.leases.get(target);
    if (held && held.owner !== owner && held.expires >= now.getTime()) return undefined;
    const token = (this.tokens.get(target) ?? 0) + 1;
    this.tokens.set(target, token);
    const expires = now.getTime() + seconds * 1000;
    this.leases.set(target, { owner, expires, token });
    return { target, owner, token, expiresAt: new Date(expires) };
  }
  async releaseLease(lease: Lease) {
    if (this.leases.get(lease.target)?.token === lease.token) this.leases.delete(lease.target);
  }
  /** The record as stored (the lease lives apart). */
  private stored(target: string): TargetRecord {
    return this.records.get(target) ?? { history: emptyHistory, failures: 0 };
  }
  async read(target: string): Promise<TargetRecord> {
    const { windowWriteId: _stale, ...record } = this.stored(target);
    const lease = this.leases.get(target);
    const windowWriteId = this.writeIds.get(`${target}|WINDOW`);
    return {
      ...record,
      ...(windowWriteId ? { windowWriteId } : {}),
      ...(lease ? { leaseExpiresAt: new Date(lease.expires) } : {}),
    };
  }
  /** Each WINDOW and PLAN item's last write (`target|WINDOW`), as the ledger gives each write an id. */
  private readonly writeIds = new Map<string, string>();
  private writes = 0;
  /** Whether the item is still the write a record without a lease read; if so, it gets a new id. */
  private stillAsRead(target: string, item: 'WINDOW' | 'PLAN', read: string | undefined): boolean {
    if (this.writeIds.get(`${target}|${item}`) !== read) return false;
    this.written(target, item);
    return true;
  }
  private written(target: string, item: 'WINDOW' | 'PLAN'): void {
    this.writes += 1;
    this.writeIds.set(`${target}|${item}`, `write-${this.writes}`);
  }
  async readMany(targets: readonly string[]): Promise<ReadonlyMap<string, TargetRecord>> {
    return new Map(await Promise.all(targets.map(async (t) => [t, await this.read(t)] as const)));
  }
  /** Plan members' records (the PLAN items), as the scalers wrote them with their decisions. */
  readonly plans = new Map<string, PlanMemberRecord>();
  async readPlanMembers(targets: readonly string[]): Promise<ReadonlyMap<string, PlanMemberRecord>> {
    return new Map(
      targets.flatMap((t) => {
        const plan = this.plans.get(t);
        const writeId = this.writeIds.get(`${t}|PLAN`);
        return plan ? [[t, { ...structuredClone(plan), ...(writeId ? { writeId } : {}) }] as const] : [];
      }),
    );
  }
  /**
   * Unleased records: the log, the recommendation window and plan state only, each of those two only while it
   * is still the write read (a failing batch fails as a whole).
   */
  async recordMany(records: readonly UnleasedRecord[]) {
    if (this.failNextRecords > 0) {
      this.failNextRecords -= 1;
      throw new Error('injected: the ledger write timed out');
    }
    for (const { decision, context, recommendations, plan, windowWriteId, planWriteId } of records) {
      const { target } = decision;
      this.log.push({ ...decision, ...context });
      if (plan && this.stillAsRead(target, 'PLAN', planWriteId))
        this.plans.set(target, structuredClone(plan));
      if (!recommendations || !this.stillAsRead(target, 'WINDOW', windowWriteId)) continue;
      const before = this.stored(decision.target);
      this.records.set(decision.target, { ...before, history: { ...before.history, recommendations } });
    }
  }
  readonly cursors = new Map<string, string>();
  async readCursor(key: string) {
    return this.cursors.get(key);
  }
  async writeCursor(key: string, next: string) {
    this.cursors.set(key, next);
  }
  private fenced(lease: Lease, now: Date, margin = 0) {
    const held = this.leases.get(lease.target);
    if (!held || held.token !== lease.token || held.expires < now.getTime() + margin * 1000)
      throw new LeaseLostError(lease.target, lease.token);
  }
  async writeFloors(target: string, floors: FloorSchedule | undefined) {
    const { floors: _old, ...rest } = this.stored(target);
    this.records.set(target, { ...rest, ...(floors ? { floors } : {}) });
  }
  readonly tracks = new Map<string, ForecastTrack>();
  async readForecastTrack(target: string) {
    return this.tracks.get(target);
  }
  async writeForecastTrack(target: string, track: ForecastTrack) {
    this.tracks.set(target, structuredClone(track));
  }
  async writeIntent(lease: Lease, intent: PendingIntent, now: Date, marginSeconds: number) {
    this.fenced(lease, now, marginSeconds);
    this.intents.push(intent);
    this.records.set(lease.target, { ...this.stored(lease.target), intent });
  }
  async record(decision: Decision, context: DecisionContext, update?: TargetUpdate) {
    if (this.failNextRecords > 0) {
      this.failNextRecords -= 1;
      throw new Error('injected: the ledger write timed out');
    }
    if (update?.lease) this.fenced(update.lease, context.now);
    this.log.push({ ...decision, ...context });
    if (!update) return;
    if (update.plan) {
      this.plans.set(decision.target, structuredClone(update.plan));
      this.written(decision.target, 'PLAN');
    }
    if (update.history) this.written(decision.target, 'WINDOW');
    const before = this.stored(decision.target);
    const { intent: _dropped, backoffUntil: _until, lastNotice: _notice, ...rest } = before;
    const backoffUntil = update.failures ? update.failures.backoffUntil : before.backoffUntil;
    const intent = update.clearIntent
      ? undefined
      : update.intentRecorded && before.intent
        ? { ...before.intent, recorded: true }
        : before.intent;
    const lastNotice = update.lastNotice === undefined ? before.lastNotice : update.lastNotice;
    const noticesToldAt = update.noticesToldAt ?? before.noticesToldAt;
    const { failedRemovals: _kept, scalingPolicyArns: _arns, ...others } = rest;
    const failedRemovals = update.failedRemovals ?? before.failedRemovals;
    const policyArns =
      update.scalingPolicyArns === undefined ? before.scalingPolicyArns : update.scalingPolicyArns;
    this.records.set(decision.target, {
      ...others,
      history: update.history ?? before.history,
      failures: update.failures?.count ?? before.failures,
      ...(intent ? { intent } : {}),
      ...(backoffUntil ? { backoffUntil } : {}),
      ...(lastNotice ? { lastNotice } : {}),
      ...(noticesToldAt ? { noticesToldAt: structuredClone(noticesToldAt) } : {}),
      // As the ledger writes it: replaced whole, none left when empty.
      ...(failedRemovals && Object.keys(failedRemovals).length > 0
        ? { failedRemovals: structuredClone(failedRemovals) }
        : {}),
      ...(policyArns?.length ? { scalingPolicyArns: [...policyArns] } : {}),
    });
  }
}

/** A group whose instances are in service as soon as they are ordered. */
export class InMemoryCapacity implements CapacityPort {
  readonly sets: number[] = [];
  /** Makes `describe` or `setCapacity` throw (a deleted group, a denied call). */
  failDescribe?: Error;
  failSet?: Error;
  /** EC2 places at most `placeable` instances; the launches past them failed, the latest at `startedAt`. */
  shortfall?: { placeable: number; startedAt: Date; statusMessage: string };
  constructor(
    public desired: number,
    private readonly limits = { min: 0, max: 100 },
  ) {}
  async describe(): Promise<CapacityState> {
    if (this.failDescribe) throw this.failDescribe;
    const short = this.shortfall && this.desired > this.shortfall.placeable ? this.shortfall : undefined;
    return {
      current: this.desired,
      serving: short ? short.placeable : this.desired,
      liveMin: this.limits.min,
      liveMax: this.limits.max,
      ...(short
        ? {
            launchesFailing: {
              missing: this.desired - short.placeable,
              statusMessage: short.statusMessage,
              startedAt: short.startedAt,
            },
          }
        : {}),
    };
  }
  async setCapacity(_target: unknown, desired: number) {
    if (this.failSet) throw this.failSet;
    this.sets.push(desired);
    this.desired = desired;
  }
}

/**
 * Metrics from a function of time: one datapoint per minute for the last ten complete minutes (or the
 * lookback, when longer), as CloudWatch would return them (timestamps at period starts). `undefined` from the
 * function: no datapoint.
 */
export class FunctionMetrics implements MetricsReader {
  readonly reads: MetricQuery[][] = [];
  constructor(private readonly valueAt: (now: Date, query: MetricQuery) => number | undefined) {}
  async recent(queries: readonly MetricQuery[], now: Date, lookbackSeconds = 600): Promise<MetricsRead> {
    this.reads.push([...queries]);
    const minute = Math.floor(now.getTime() / 60_000) * 60_000;
    const minutes = Math.max(10, Math.floor(lookbackSeconds / 60));
    return {
      values: new Map(
        queries.map((q) => {
          const points: MetricReading[] = [];
          for (let k = minutes; k >= 1; k -= 1) {
            const timestamp = new Date(minute - k * 60_000);
            const value = this.valueAt(new Date(timestamp.getTime() + 30_000), q);
            if (value !== undefined) points.push({ value, timestamp });
          }
          return [q.id, points];
        }),
      ),
      failures: [],
    };
  }
}
