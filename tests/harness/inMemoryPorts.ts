import { nextHistory } from '../../shared/decision/nextHistory';
import type { CapacityState, Decision, MetricReading, ScalingHistory } from '../../shared/decision/types';
import type { CapacityPort, DecisionContext, Ledger, MetricQuery, MetricsReader } from '../../shared/ports';

/** In-memory ports for use-case tests: the same contracts as the AWS adapters, no network. */
export class InMemoryLedger implements Ledger {
  readonly log: (Decision & DecisionContext)[] = [];
  private readonly leases = new Map<string, { owner: string; expires: number }>();
  private readonly histories = new Map<string, ScalingHistory>();

  async acquireLease(target: string, owner: string, now: Date, seconds: number) {
    const held = this.leases.get(target);
    if (held && held.owner !== owner && held.expires >= now.getTime()) return false;
    this.leases.set(target, { owner, expires: now.getTime() + seconds * 1000 });
    return true;
  }
  async releaseLease(target: string, owner: string) {
    if (this.leases.get(target)?.owner === owner) this.leases.delete(target);
  }
  async history(target: string): Promise<ScalingHistory> {
    return this.histories.get(target) ?? { recommendations: [], changes: [] };
  }
  async record(decision: Decision, context: DecisionContext) {
    this.log.push({ ...decision, ...context });
    if (context.trigger === 'plan' || decision.reason === 'LeaseHeld' || decision.reason === 'DuplicateEvent')
      return;
    this.histories.set(
      decision.target,
      nextHistory(await this.history(decision.target), decision, context.now, context.applied),
    );
  }
}

/** A group whose instances are in service as soon as they are ordered. */
export class InMemoryCapacity implements CapacityPort {
  readonly sets: number[] = [];
  constructor(
    public desired: number,
    private readonly limits = { min: 0, max: 100 },
  ) {}
  async describe(): Promise<CapacityState> {
    return {
      current: this.desired,
      serving: this.desired,
      liveMin: this.limits.min,
      liveMax: this.limits.max,
    };
  }
  async setCapacity(_target: unknown, desired: number) {
    this.sets.push(desired);
    this.desired = desired;
  }
}

/** Metrics from a function of time: the world as it is when an evaluation looks. */
export class FunctionMetrics implements MetricsReader {
  constructor(private readonly valueAt: (now: Date, query: MetricQuery) => number | undefined) {}
  async latest(queries: readonly MetricQuery[], now: Date) {
    return new Map<string, MetricReading | undefined>(
      queries.map((q) => {
        const value = this.valueAt(now, q);
        return [
          q.id,
          value === undefined ? undefined : { value, timestamp: new Date(now.getTime() - 30_000) },
        ];
      }),
    );
  }
}
