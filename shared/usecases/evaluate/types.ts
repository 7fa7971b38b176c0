import type { KindAction } from '../../decision/kindModel';
import type { PlanMemberRecord, PlanMemberState, PlanModel, PlanNotice } from '../../decision/plans/types';
import type { CapacityState, Decision, MetricReading, ReasonCode } from '../../decision/types';
import type { Plan, Policy, Target, TargetKind } from '../../policy/schema';
import type {
  ApiBudget,
  ApiUsage,
  CapacityPort,
  Clock,
  Deadline,
  DecisionContext,
  FanOut,
  KindScaler,
  Ledger,
  MetricsReader,
  Notifier,
  Observed,
  PauseSwitch,
  TargetRecord,
  WriteId,
} from '../../ports';

/** Structured logging, as Powertools' Logger offers it. */
export interface LogSink {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** What one run did, for its log line and its metrics. */
export interface RunSummary {
  readonly kind: TargetKind;
  readonly trigger: EvaluationRequest['trigger'];
  /** Targets the run was asked to look at. */
  readonly targets: number;
  readonly evaluated: number;
  /** Decisions that changed capacity (or started an operation). */
  readonly acted: number;
  /** Targets left for the next run: the deadline came first. */
  readonly deferred: number;
  /** Targets handed to other runs (fan-out batches). */
  readonly fannedOut: number;
  readonly wallMs: number;
  readonly api?: ApiUsage;
}

/** Operational metrics (EMF in Lambda): decisions by reason, actions, errors, each run's summary. */
export interface DecisionMetrics {
  /** `state` is the resource as read for the decision (absent when the decision read none). */
  decided(decision: Decision, applied: boolean, state?: CapacityState): void;
  /** An operation failed; with `target`, that target's evaluation failed (the `TargetFailures` alarm counts these). */
  failed(operation: string, target?: string): void;
  /** A run ended (deferred targets and API calls: the `DeferredTargets` alarm counts the former). */
  ran?(summary: RunSummary): void;
}

export interface EvaluateDeps {
  readonly policy: Policy;
  readonly kind: TargetKind;
  /** The kind's AWS side and model; a plain CapacityPort is a kind with no gates of its own (groups). */
  readonly capacity: CapacityPort | KindScaler<unknown>;
  readonly metrics: MetricsReader;
  readonly ledger: Ledger;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly log: LogSink;
  readonly decisionMetrics?: DecisionMetrics;
  /** Identifies this evaluation as lease owner (the Lambda request id). */
  readonly owner: string;
  /** How long a lease lasts; longer than one evaluation takes, short enough that a crash heals quickly. */
  readonly leaseSeconds?: number;
  /** The kill switch; absent: never paused. */
  readonly pause?: PauseSwitch;
  /** The run's remaining time; absent: no deadline (the CLI). */
  readonly deadline?: Deadline;
  /** Where batches go when the policy holds more targets of the kind than one run takes; absent: no fan-out. */
  readonly fanOut?: FanOut;
  /** The run's share of the account's control-plane rate, for the run's report; absent: not metered. */
  readonly apiBudget?: ApiBudget;
  /** The deployed stage (a grant by tag checks its groups' tag against it); absent: the CLI without one. */
  readonly stage?: string;
}

/** Why a target is recorded without being evaluated (an event the handler refused to act on). */
export interface SkipRequest {
  readonly reason: Extract<ReasonCode, 'DuplicateEvent' | 'ForeignAlarm' | 'StaleEvent'>;
  readonly message: string;
  /** The capacity the skip reports, when already known (a duplicate's first decision); else observed. */
  readonly current?: number;
}

export interface EvaluationRequest {
  readonly trigger: 'alarm' | 'schedule' | 'plan';
  /** Target names to evaluate; every target of the kind when omitted. */
  readonly targets?: readonly string[];
  readonly alarmName?: string;
  /** Record this skip for the targets instead of evaluating them. */
  readonly skip?: SkipRequest;
  /** The fan-out batch this run takes (its own starting point is kept under it). */
  readonly batch?: number;
  /**
   * The schedule tick a scheduled run answers (EventBridge's time): its fan-out batches carry it, and a tick
   * Lambda retried a minute or more later fans out nothing (the ticks since have handed out the same targets).
   */
  readonly tickAt?: Date;
}

/** One target's outcome. */
export interface Evaluation {
  readonly decision: Decision;
  readonly applied: boolean;
  readonly dryRun: boolean;
  /** `plan` only: the resource as observed (the plans' overview reads each member's). */
  readonly state?: CapacityState;
  /** `plan` only: the forecast floor in force for it (predict's, a plan member's the higher of its own and its plan's). */
  readonly floor?: { readonly units: number; readonly source: string };
  /** `plan` only: why its resource could not be read (the describe's error, or "backed off"), when it was not. */
  readonly unread?: string;
}

/** What a run knows of a target before any lease: its ledger record and a first observation. */
export interface TargetLook {
  readonly target: Target;
  readonly record: TargetRecord;
  /** Backed off after failures: not observed at all. */
  readonly backedOff: boolean;
  /** Absent when backed off. */
  readonly observed?: Observed<unknown>;
}

/** A rule's series as the decision reads them, and each metric's own series as the kind's gates may. */
export interface TargetReadings {
  readonly combined: Record<string, MetricReading[]>;
  readonly raw: Record<string, MetricReading[][]>;
}

/** A decision as the kind's gates (and the kill switch) leave it, with the one action to carry out, if any. */
export interface Decided {
  readonly decision: Decision;
  readonly action?: KindAction;
  /** The kind says this skip is worth telling (once, and again when it changes). */
  readonly notify?: boolean;
  /** The resource as the decision saw it. */
  readonly state: CapacityState;
  /** A plan member's part: the plan's levels to keep, and the notice about it that cannot follow, if so. */
  readonly plan?: { readonly levels: PlanMemberRecord['planLevels']; readonly notice?: PlanNotice };
}

/** One plan as a batch of the walk sees it (issue 24): its model, its demand and its members' records. */
export interface PlanContext {
  readonly plan: Plan;
  readonly model: PlanModel;
  /** The demand's newest fresh datapoint and its highest within the scale-in hold (demandSample.ts). */
  readonly demand: number | undefined;
  readonly highestDemand: number | undefined;
  /** Every member's last record, whatever its age (a member's own: its lead times and the plan's levels). */
  readonly records: ReadonlyMap<string, PlanMemberRecord>;
  /** The members' states fresh enough to use (planMemberStates.ts); a member's own walk puts in its own. */
  readonly states: Readonly<Record<string, PlanMemberState>>;
  /** Members whose state is unknown, with why. */
  readonly unknown: Readonly<Record<string, string>>;
  /** Members in dry run (the target's `dryRun`, else the policy's), marked so in `states`; absent: none. */
  readonly dryRun?: readonly string[];
  /**
   * Why the members' records could not be read this run (the batched ledger read failed), when so: `records`
   * is then empty though the ledger holds them, so the member does not scale in (decideInPlan.ts) and the run
   * writes no plan record (planRecords.ts), which would replace the stored levels and lead times.
   */
  readonly recordsUnread?: string;
}

/** A target of the batch that is a plan member: its plan, and its record as this run last wrote it. */
export interface PlanMembership {
  readonly context: PlanContext;
  last: PlanMemberRecord | undefined;
  /** The member's PLAN item's write as the batch read it: a record without a lease replaces that one only. */
  readonly writeId?: WriteId;
}

/** How a decision came to be taken, less whether it was applied. */
export type RunContext = Omit<DecisionContext, 'applied'>;
