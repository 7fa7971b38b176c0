import type { CostAlert, DailyCost } from './cost/types';
import type { ForecastTrack } from './decision/forecastTrust';
import type { KindAction, KindModel } from './decision/kindModel';
import type { PauseState } from './decision/pauseState';
import type { PlanMemberRecord } from './decision/plans/types';
import type {
  CapacityState,
  Decision,
  FloorSchedule,
  MetricReading,
  PendingIntent,
  ScalingHistory,
} from './decision/types';
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

/** What one metric read returned: datapoints per query id, and the batches that failed. */
export interface MetricsRead {
  /** Complete periods only, oldest first, timestamps at period starts; `[]` when there were none. */
  readonly values: ReadonlyMap<string, readonly MetricReading[]>;
  /** A failed batch leaves its queries without datapoints; the other batches still count. */
  readonly failures: readonly { readonly ids: readonly string[]; readonly error: unknown }[];
}

/**
 * CloudWatch metrics. `recent` reads many targets' metrics in as few GetMetricData calls as the API
 * allows: the datapoints of the last `lookbackSeconds`, without the period still in progress.
 * Read-only; eventually consistent (a datapoint can appear a minute late).
 */
export interface MetricsReader {
  recent(queries: readonly MetricQuery[], now: Date, lookbackSeconds: number): Promise<MetricsRead>;
}

/**
 * Reads and changes the capacity of one kind of resource.
 * `describe` throws ResourceNotFoundError when the resource does not exist.
 * `setCapacity` makes one change towards `desired`; it is idempotent where AWS allows it (setting the
 * same desired capacity twice is harmless), and never called with a value outside the live limits.
 */
export interface CapacityPort {
  describe(target: Target): Promise<CapacityState>;
  /**
   * Optional: many targets in as few calls as the API allows (groups: 100 names per call), each with its
   * state or the error `describe` would have thrown. `detail: 'first-look'` may leave out what only a target
   * about to act needs (a group's instance refreshes): every action is decided again from a `'to-act'` read.
   * `refusedBy`: on a first look, the policies to ask for again (KnownScalingPolicies).
   */
  describeMany?(
    targets: readonly Target[],
    detail: ObservationDetail,
    refusedBy?: KnownScalingPolicies,
  ): Promise<ReadonlyMap<string, Observed<CapacityState>>>;
  setCapacity(target: Target, desired: number, current: number): Promise<void>;
}

/**
 * How much of a resource a batched read must see: a first look decides which targets may act (it may leave
 * out what only an action needs); a read to act on is complete, made under the target's lease.
 */
export type ObservationDetail = 'first-look' | 'to-act';

/**
 * By target name, the ARNs of the Auto Scaling group's own scaling policies that refused it when they were last
 * read in full (TargetRecord.scalingPolicyArns). A first look asks for them again, so a group still refused is
 * recorded without a lease; once none of them changes capacity, the group goes the lease path, whose full read
 * sees any other policy before an action.
 */
export type KnownScalingPolicies = ReadonlyMap<string, readonly string[]>;

/** One target's observation from a batched read: what was seen, or why it could not be. */
export type Observed<Observation> = { readonly observation: Observation } | { readonly error: unknown };

/**
 * A resource kind's AWS side: what it observes of a target (one or two describe calls) and how it carries
 * out one action its gates chose (idempotent where AWS allows). `observe` throws ResourceNotFoundError
 * when the resource does not exist.
 */
export interface ResourceScaler<Observation> {
  observe(target: Target): Promise<Observation>;
  /** Optional: many targets in as few calls as the API allows (see CapacityPort.describeMany). */
  observeMany?(
    targets: readonly Target[],
    detail: ObservationDetail,
    refusedBy?: KnownScalingPolicies,
  ): Promise<ReadonlyMap<string, Observed<Observation>>>;
  /** May return a note for the decision's record (a fallback placement it had to take). */
  act(
    target: Target,
    action: KindAction,
    observation: Observation,
    // biome-ignore lint/suspicious/noConfusingVoidType: an action with nothing to add returns nothing
  ): Promise<void | { readonly note: string }>;
}

/** A kind as the use case runs it: its AWS side and its pure model (capacity view, gates, settlement). */
export interface KindScaler<Observation = unknown> {
  readonly resource: ResourceScaler<Observation>;
  readonly model: KindModel<Observation>;
}

/**
 * How long the run may still take: Lambda's `context.getRemainingTimeInMillis()`, a virtual clock in tests
 * and benchmarks. A run stops starting new work a margin before it ends.
 */
export interface Deadline {
  remainingMs(): number;
}

/**
 * Hands batches of target names to other runs of the same function (SQS, consumed by the scaler), when the
 * policy holds more targets than one run can take. `at` is the tick the batches belong to.
 */
export interface FanOut {
  enqueue(batches: readonly (readonly string[])[], at: Date): Promise<void>;
}

/** The control-plane calls of one run, per service, and how long the run waited to stay in its budget. */
export interface ApiUsage {
  readonly calls: Readonly<Record<string, number>>;
  readonly waitedMs: number;
  /** The rate each budgeted service was held under (calls per second), per service. */
  readonly ratePerSecond: Readonly<Record<string, number>>;
}

/** The share of the account's control-plane rate one run may use; `beginRun` starts a run's count. */
export interface ApiBudget {
  beginRun(): void;
  usage(): ApiUsage;
  /** How long a budgeted call made now would wait its turn (the longest over the budgeted services), in ms. */
  queueMs(): number;
}

/**
 * The operators' kill switch (shared/decision/pauseState.ts): while it is anything but running, every decision
 * is recorded and nothing is changed. `read` may cache for a few seconds; it throws when it cannot read.
 */
export interface PauseSwitch {
  /** The switch as of `now`; `fresh`: past any cache (a run's last word on it before it undoes its own work). */
  read(now: Date, options?: { readonly fresh?: boolean }): Promise<PauseState>;
}

/**
 * How a decision came to be taken, for the decision log. `forecast`: the hourly predict run's own record of a
 * target (the floors it wrote, the scheduled actions it removed): it saw no capacity and changed none.
 */
export interface DecisionContext {
  readonly trigger: 'alarm' | 'schedule' | 'plan' | 'forecast';
  readonly alarmName?: string;
  readonly applied: boolean;
  readonly dryRun: boolean;
  readonly now: Date;
}

/**
 * A held lease. `token` is a fencing token: it grows with every lease taken on the target, and every
 * write made under the lease is conditional on it, so a holder whose lease expired (and was taken over)
 * can neither write an intent nor record.
 */
export interface Lease {
  readonly target: string;
  readonly owner: string;
  readonly token: number;
  readonly expiresAt: Date;
}

/**
 * Which write of a target's recommendation window or plan state a run read: the id its writer gave it, opaque to
 * the walk. A record made without a lease names it, and replaces the item only while it is still that write.
 * Absent: none read (no item yet, or one written before items carried an id).
 */
export type WriteId = string;

/** What the ledger keeps per target besides the decision log. */
export interface TargetRecord {
  readonly history: ScalingHistory;
  /** The write of the recommendation window (`history.recommendations`) that was read. */
  readonly windowWriteId?: WriteId;
  /** A change written ahead of its AWS call and not yet recorded. */
  readonly intent?: PendingIntent;
  /** Evaluations failed in a row, and when the target may be tried again. */
  readonly failures: number;
  readonly backoffUntil?: Date;
  /**
   * The last notice told for a decision that repeats every minute (a dry run's would-be change, a gate's
   * skip worth telling), so it is told once, and again only when it changes.
   */
  readonly lastNotice?: string;
  /**
   * When each notice that changes nothing (a failed action, a gate's skip worth telling, a plan member that
   * cannot follow) was last told, by its key: the same one is told at most once an hour (issue 21).
   */
  readonly noticesToldAt?: Readonly<Record<string, Date>>;
  /** The predict function's floors, honoured while predictive scaling acts on the target. */
  readonly floors?: FloorSchedule;
  /**
   * The units AWS kept when an operation asked to remove them (a cache shard holding a key over 256 MB), with
   * when: the kind's gates leave them out of the next removals for a while (KindModel.rememberRemovals).
   */
  readonly failedRemovals?: Readonly<Record<string, Date>>;
  /**
   * When the lease last taken on the target expires, while one is written (held, or left behind by a holder
   * that stopped): a run that finds one takes the target through the lease path, which clears it.
   */
  readonly leaseExpiresAt?: Date;
  /**
   * The ARNs of the Auto Scaling group's own scaling policies, when the last decision taken under its lease saw
   * some (it was refused, `ScalingPolicyConflict`): each first look asks for them again (KnownScalingPolicies).
   */
  readonly scalingPolicyArns?: readonly string[];
}

/**
 * A decision recorded without a lease, by a run that changes nothing for its target: the log entry and,
 * when given, the target's recommendation window after it (the stabilisation windows read it). Nothing
 * else of the target's state (lease, intent, changes, last scale times, failures) is touched. The window and
 * the plan state are computed from what the run read: each replaces only the write read (its WriteId), so one
 * a leased run wrote in between stands.
 */
export interface UnleasedRecord {
  readonly decision: Decision;
  readonly context: DecisionContext;
  readonly recommendations?: ScalingHistory['recommendations'];
  /** The window's write the recommendations follow from (TargetRecord.windowWriteId); absent: none read. */
  readonly windowWriteId?: WriteId;
  /** A plan member's state after the decision, for the other members' scalers (replaces the last one). */
  readonly plan?: PlanMemberRecord;
  /** The plan state's write it follows from (as readPlanMembers gave it); absent: none read. */
  readonly planWriteId?: WriteId;
}

/** The per-target state written together with a decision (absent fields are left as they are). */
export interface TargetUpdate {
  /** Makes the update conditional on this lease being held, unexpired at the context's `now`. */
  readonly lease?: Lease;
  readonly history?: ScalingHistory;
  readonly clearIntent?: boolean;
  /** The intent's AWS call returned and its decision is recorded; the operation may still be running. */
  readonly intentRecorded?: boolean;
  readonly failures?: { readonly count: number; readonly backoffUntil?: Date };
  /** `null` clears it. */
  readonly lastNotice?: string | null;
  /** Replaces the record's `noticesToldAt` (the notices told within the last hour). */
  readonly noticesToldAt?: Readonly<Record<string, Date>>;
  /** Replaces the record's `failedRemovals`; empty removes it. */
  readonly failedRemovals?: Readonly<Record<string, Date>>;
  /** A plan member's state after the decision, for the other members' scalers (replaces the last one). */
  readonly plan?: PlanMemberRecord;
  /** Replaces the record's `scalingPolicyArns`; `null` removes them. */
  readonly scalingPolicyArns?: readonly string[] | null;
}

/**
 * The ledger (DynamoDB). Leases are conditional writes with an expiry, so at most one evaluation acts on a
 * target at a time and a crashed holder blocks it for one lease period at most. Strongly consistent reads.
 */
export interface Ledger {
  /** Takes the target's lease for `seconds`; undefined when someone else holds an unexpired one. */
  acquireLease(target: string, owner: string, now: Date, seconds: number): Promise<Lease | undefined>;
  /** Releases the lease if it is still held; a no-op otherwise. */
  releaseLease(lease: Lease): Promise<void>;
  /** The target's history, unfinished intent and failure count. */
  read(target: string): Promise<TargetRecord>;
  /** Many targets' records in as few strongly consistent reads as the store allows (BatchGetItem). */
  readMany(targets: readonly string[]): Promise<ReadonlyMap<string, TargetRecord>>;
  /**
   * Plan members' last recorded states (issue 24), any kind's, in as few strongly consistent reads as the store
   * allows (BatchGetItem); a member with none is absent. Written only with a decision (`plan` of a record).
   * Each with the write it was read from (`writeId`, absent for none).
   */
  readPlanMembers(
    targets: readonly string[],
  ): Promise<ReadonlyMap<string, PlanMemberRecord & { readonly writeId?: WriteId }>>;
  /**
   * Records decisions that change nothing, without a lease, in as few writes as the store allows: each one's
   * log entry (BatchWriteItem, 25 items, no condition: its key is its own), recommendation window and plan
   * state (TransactWriteItems, 100 items, each conditioned). A window or plan state written since its run read
   * it (by a leased run, which decided later) is kept, and this one's dropped; the log entry is written all
   * the same. Not atomic, neither across records nor within one (a window may land without its log entry);
   * throws when some could not be written (each retried first), saying what was (PartialWriteError when the
   * log entries and the windows fared differently).
   */
  recordMany(records: readonly UnleasedRecord[]): Promise<void>;
  /** Where the next run of `key` (a kind's schedule, a fan-out batch) starts: a target name, if one was kept. */
  readCursor(key: string): Promise<string | undefined>;
  writeCursor(key: string, next: string): Promise<void>;
  /**
   * Write-ahead: stores the intent before its AWS call, only while `lease` is held and has at least
   * `marginSeconds` left at `now`; otherwise throws LeaseLostError and nothing may be done.
   */
  writeIntent(lease: Lease, intent: PendingIntent, now: Date, marginSeconds: number): Promise<void>;
  /**
   * Appends the decision to the log (with a TTL) and applies `update` to the target's state, in one
   * transaction; with `update.lease`, only while that lease is held (else LeaseLostError, nothing written).
   */
  record(decision: Decision, context: DecisionContext, update?: TargetUpdate): Promise<void>;
  /** Replaces the target's predictive floors (undefined removes them); written by the predict function only. */
  writeFloors(target: string, floors: FloorSchedule | undefined): Promise<void>;
  /** The predict function's last forecasts and their scores (trust), kept apart from the state it reads each minute. */
  readForecastTrack(target: string): Promise<ForecastTrack | undefined>;
  /** Replaces the target's forecast track; written by the predict function only. */
  writeForecastTrack(target: string, track: ForecastTrack): Promise<void>;
}

/** A capacity change, as told to humans. */
export interface CapacityChangeNotice {
  readonly decision: Decision;
  readonly dryRun: boolean;
  readonly at: Date;
}

/**
 * Notices of one kind and reason that change nothing, told in one message: a condition many targets share in one
 * batch (groups a stage granted by tag cannot change, an Availability Zone out of an instance type), where a
 * message a target would be a storm. Each target's decision is in the ledger as before.
 */
export interface RolledUpNotice {
  readonly kind: Decision['kind'];
  readonly reason: Decision['reason'];
  readonly notices: readonly CapacityChangeNotice[];
}

/** Tells humans: the SNS topic (email, chat) and, optionally, a webhook. */
export interface Notifier {
  capacityChanged(notice: CapacityChangeNotice): Promise<void>;
  /** Optional: many notices in as few calls as the channel allows (SNS PublishBatch, 10 a call). */
  capacityChangedMany?(notices: readonly CapacityChangeNotice[]): Promise<void>;
  /** Optional: many targets' notices of one reason in one message (without it, each is told alone). */
  noticesRolledUp?(rollup: RolledUpNotice): Promise<void>;
}

/** Cost Explorer: read-only, and a day behind (see `CostPolicy.completeAfterHours`). */
export interface CostReader {
  /** Daily unblended cost by service and by the `scalepilot:target` tag, for the UTC days [start, end). */
  dailyCosts(start: string, end: string): Promise<DailyCost[]>;
  /** Cost Explorer's forecast of unblended cost for the UTC days [start, end). */
  forecast(start: string, end: string): Promise<number>;
}

/** One channel a cost alert goes to (the topic, the webhook). */
export interface CostAlertChannel {
  readonly channel: string;
  costAlert(alert: CostAlert): Promise<void>;
}

/**
 * A metric's history for the predict function: every datapoint of each query between two instants, in as few
 * GetMetricData calls as keep each at most 100,800 datapoints. Read-only. A query with none maps to `[]`.
 */
export interface MetricHistoryReader {
  history(
    queries: readonly MetricQuery[],
    start: Date,
    end: Date,
  ): Promise<ReadonlyMap<string, readonly MetricReading[]>>;
}

/** One scheduled action on an Auto Scaling group, as Describe returns it. */
export interface GroupScheduledAction {
  readonly name: string;
  readonly start?: Date;
  readonly minSize?: number;
}

/**
 * A group's scheduled actions (the predict function's mirror of its floors). `replace` deletes the named
 * actions first and then puts the new ones (a put on an existing name updates it), so the group never holds
 * both sets at once; it throws when AWS reports an action it could not put or delete.
 */
export interface ScheduledActionsPort {
  /**
   * The group's limits, and whose scheduled actions it carries by its ownership tag: `this` stack's (the
   * stack may clean them up even once the group has left the policy), `other` (another stage's), or none.
   */
  group(name: string): Promise<{
    readonly minSize: number;
    readonly maxSize: number;
    readonly owner?: 'this' | 'other';
    /** The stage whose scheduled actions it carries, when `other` (its ownership tag's value). */
    readonly otherStage?: string;
    /** Its Launch process is suspended (the scaler holds its scale-outs). */
    readonly launchSuspended?: boolean;
    /** Tagged `scalepilot:stage` with this stage's name (what a grant by tag needs: fleet.grantGroupsBy). */
    readonly stageTagged?: boolean;
  }>;
  /** Every scheduled action of the group (all pages). */
  scheduledActions(group: string): Promise<GroupScheduledAction[]>;
  /**
   * The actions named with `prefix` in every group of the account and region (all pages), with their group;
   * with `until`, no page is read once it returns true (a caller's deadline): those read so far.
   */
  ownedActions(
    prefix: string,
    until?: () => boolean,
  ): Promise<(GroupScheduledAction & { readonly group: string })[]>;
  /** Tags the group as carrying this stack's scheduled actions (idempotent). */
  markOwned(group: string): Promise<void>;
  replace(
    group: string,
    put: readonly { readonly name: string; readonly start: Date; readonly minSize: number }[],
    remove: readonly string[],
  ): Promise<void>;
}

/** One forecast datapoint for CloudWatch (namespace Scalepilot, dimensions service=predict, target, rule). */
export interface ForecastDatum {
  readonly name: 'ForecastLoad' | 'ForecastCapacity' | 'ForecastMase';
  readonly target: string;
  readonly rule?: string;
  readonly time: Date;
  readonly value: number;
}

/** Publishes the forecasts and their scores as metrics (the dashboard, the backtest charts). */
export interface ForecastMetricsPort {
  publish(data: readonly ForecastDatum[]): Promise<void>;
}

/** Tells humans a target's forecast lost, or regained, the trust its floors need. */
export interface ForecastNotifier {
  trustChanged(target: string, trusted: boolean, message: string, at: Date): Promise<void>;
  /** Optional: many targets' forecasts that lost (or regained) trust in one run, in one message. */
  trustChangedMany?(changes: readonly TrustChange[]): Promise<void>;
}

/** A target's forecast lost or regained trust (ForecastNotifier). */
export interface TrustChange {
  readonly target: string;
  readonly trusted: boolean;
  readonly message: string;
  readonly at: Date;
}
