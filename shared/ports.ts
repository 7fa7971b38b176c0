import type { CostAlert, DailyCost } from './cost/types';
import type { CapacityState, Decision, MetricReading, ScalingHistory } from './decision/types';
import type { MetricSpec, Target } from './policy/schema';

/** Now. Lambda uses the system clock; tests and the simulator drive time themselves. */
export interface Clock {
  now(): Date;
}

/** One metric to read: `id` is unique within a call and names the result. */
export interface MetricQuery {
  readonly id: string;
  readonly metric: MetricSpec & { readonly dimensions: Record<string, string> };
}

/**
 * CloudWatch metrics. `latest` reads many targets' metrics in as few GetMetricData calls as the API
 * allows and returns the newest datapoint per query id, or undefined when there is none in the lookback.
 * Read-only; eventually consistent (a datapoint can appear a minute late).
 */
export interface MetricsReader {
  latest(
    queries: readonly MetricQuery[],
    now: Date,
    lookbackSeconds: number,
  ): Promise<Map<string, MetricReading | undefined>>;
}

/**
 * Reads and changes the capacity of one kind of resource.
 * `describe` throws ResourceNotFoundError when the resource does not exist.
 * `setCapacity` makes one change towards `desired`; it is idempotent where AWS allows it (setting the
 * same desired capacity twice is harmless), and never called with a value outside the live limits.
 */
export interface CapacityPort {
  describe(target: Target): Promise<CapacityState>;
  setCapacity(target: Target, desired: number, current: number): Promise<void>;
}

/** How a decision came to be taken, for the decision log. */
export interface DecisionContext {
  readonly trigger: 'alarm' | 'schedule' | 'plan';
  readonly alarmName?: string;
  readonly applied: boolean;
  readonly dryRun: boolean;
  readonly now: Date;
}

/**
 * The ledger (DynamoDB). Leases are conditional writes with an expiry, so at most one evaluation acts on a
 * target at a time and a crashed holder blocks it for one lease period at most. Strongly consistent reads.
 */
export interface Ledger {
  /** Takes the target's lease for `seconds`; false when someone else holds an unexpired one. */
  acquireLease(target: string, owner: string, now: Date, seconds: number): Promise<boolean>;
  /** Releases the lease if `owner` still holds it; a no-op otherwise. */
  releaseLease(target: string, owner: string): Promise<void>;
  /** The target's scaling history: last scale times, recent recommendations and changes. */
  history(target: string): Promise<ScalingHistory>;
  /** Appends the decision to the log (with a TTL) and, when applied, updates the history. */
  record(decision: Decision, context: DecisionContext): Promise<void>;
}

/** A capacity change, as told to humans. */
export interface CapacityChangeNotice {
  readonly decision: Decision;
  readonly dryRun: boolean;
  readonly at: Date;
}

/** Tells humans: the SNS topic (email, chat) and, optionally, a webhook. */
export interface Notifier {
  capacityChanged(notice: CapacityChangeNotice): Promise<void>;
}

/** Cost Explorer: read-only, and a day behind (see `CostPolicy.completeAfterHours`). */
export interface CostReader {
  /** Daily unblended cost by service and by the `scalepilot:target` tag, for the UTC days [start, end). */
  dailyCosts(start: string, end: string): Promise<DailyCost[]>;
  /** Cost Explorer's forecast of unblended cost for the UTC days [start, end). */
  forecast(start: string, end: string): Promise<number>;
}

/**
 * The once-per-day guard of the cost alerts: a conditional write per alert key, day and channel, so a
 * schedule delivered twice, or two runs racing, post each alert once.
 */
export interface AlertLedger {
  /** True for the first claim of (day, key) only. */
  claimAlert(day: string, key: string, now: Date): Promise<boolean>;
  /** Gives a claim back, when the message could not be sent, so the next run tries again. */
  releaseAlert(day: string, key: string): Promise<void>;
}

/** One channel a cost alert goes to (the topic, the webhook). */
export interface CostAlertChannel {
  readonly channel: string;
  costAlert(alert: CostAlert): Promise<void>;
}
