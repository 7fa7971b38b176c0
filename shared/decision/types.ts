import type { Target } from '../policy/schema';

/** An Auto Scaling group's instance a launch lifecycle hook holds (`Pending:Wait`). */
export interface HeldLaunch {
  readonly instanceId: string;
  /** Its units toward the desired capacity (its WeightedCapacity; 1 in a group without weights). */
  readonly units: number;
  /**
   * When its launch started: the StartTime of its launch's scaling activity (`Launching a new EC2 instance: <id>`).
   * Undefined when the group's newest activities name no launch of it.
   */
  readonly launchedAt?: Date;
}

/** The live state of one managed resource, as its port read it. */
export interface CapacityState {
  /** Ordered capacity: the group's DesiredCapacity, replicas and shards that exist or are being created. */
  readonly current: number;
  /** Capacity that serves load now: in service and past its warmup. Booting units are `current − serving`. */
  readonly serving: number;
  /**
   * Set by the decision for its rules: the units the resource's metric averages over, in service whether warm or
   * not (a group's CPUUtilization covers every instance): a target-tracking scale-in starts from them.
   */
  readonly measured?: number;
  /** The resource's own limits (an ASG's MinSize/MaxSize); a decision never leaves them. */
  readonly liveMin: number;
  readonly liveMax: number;
  /** Why the resource must not be changed now (Launch and Terminate suspended, a group status, modifying), if so. */
  readonly busy?: string;
  /**
   * An Auto Scaling group's suspended Launch or Terminate, when one of them alone is: it holds the direction it
   * stops, not the other (`suspendedProcessGate`).
   */
  readonly suspendedProcesses?: readonly string[];
  /**
   * An Auto Scaling group's instance refresh under way (`<id> is <status>`), read for a group about to act: its
   * scale-in waits for the refresh to end, its scale-out does not (`instanceRefreshGate`).
   */
  readonly instanceRefresh?: string;
  /** What one unit is called when it is not the kind's own (a vCPU group's `vCPU`, a weighted group's `unit`). */
  readonly unitLabel?: string;
  /**
   * An Auto Scaling group short of its desired capacity whose latest launch failed (a zone out of the
   * instance type, the account's vCPU quota, a broken launch template): the units it could not place, AWS's
   * status message and when that launch started. AWS keeps trying; more desired capacity would not serve sooner.
   */
  readonly launchesFailing?: {
    readonly missing: number;
    readonly statusMessage: string;
    readonly startedAt: Date;
  };
  /**
   * An Auto Scaling group's instances in `Pending:Wait`: each held by a launch lifecycle hook until the hook's
   * consumer completes it or its heartbeat timeout runs out (1 h by default, 2 h at most without heartbeats); they
   * count toward the desired capacity, not toward serving. Each with when its launch started, from the group's
   * scaling activities (read only for a group that has such instances). Undefined when none is.
   */
  readonly inLaunchHook?: {
    readonly instances: readonly HeldLaunch[];
    /** Why no launch time is known: the group's scaling activities could not be read (the error's message). */
    readonly activitiesUnread?: string;
  };
  /**
   * An Auto Scaling group's units protected from scale-in that count toward its desired capacity. AWS lowers
   * desired below them on a scale-in but terminates none until their protection is lifted, then all at once.
   */
  readonly scaleInProtected?: number;
  /**
   * An Auto Scaling group's own AWS scaling policies that change its desired capacity (enabled dynamic ones,
   * predictive ones in ForecastAndScale), each as `name (type)`. Read in full for a group about to act; on a
   * first look only those that refused the group last time, asked for again by ARN; undefined otherwise, and
   * when it has none.
   */
  readonly scalingPolicies?: readonly string[];
  /**
   * Their ARNs: kept with the refusal in the target's record, so the next first look asks for those policies
   * again (many groups' in one call) instead of taking the lease to read every policy.
   */
  readonly scalingPolicyArns?: readonly string[];
  /** An Auto Scaling group's `scalepilot:stage` tag, when it has one (the grant by tag reads it). */
  readonly stageTag?: string;
}

/** One datapoint of a rule's metric. As CloudWatch gives it, `timestamp` is the *start* of its period. */
export interface MetricReading {
  readonly value: number;
  readonly timestamp: Date;
}

/** What the ledger remembers of a target: it makes cooldowns, windows and rate limits survive restarts. */
export interface ScalingHistory {
  readonly lastScaleOutAt?: Date;
  readonly lastScaleInAt?: Date;
  /** Raw recommendations of recent evaluations, oldest first, for the stabilisation windows. */
  readonly recommendations: readonly { readonly at: Date; readonly desired: number }[];
  /** Recent capacity changes, oldest first, for the rate limits. */
  readonly changes: readonly { readonly at: Date; readonly from: number; readonly to: number }[];
}

export const emptyHistory: ScalingHistory = { recommendations: [], changes: [] };

/**
 * A capacity change written to the ledger *before* the AWS call (write-ahead) and cleared when the
 * decision is recorded. One found by a later evaluation means its holder stopped in between: it is
 * reconciled against what `describe` shows before anything new is decided.
 */
export interface PendingIntent {
  /** `<lease owner>#<fencing token>`: unique per lease taken. */
  readonly id: string;
  readonly from: number;
  readonly to: number;
  readonly at: Date;
  readonly token: number;
  readonly reason: ReasonCode;
  /** The kind's action (which replica, which shards), as its gates chose it. */
  readonly action?: { readonly type: string; readonly desired: number; readonly [detail: string]: unknown };
  /**
   * The decision was recorded after the AWS call: the intent now only marks an operation AWS is still
   * carrying out (kinds whose changes take minutes), not a record that may have been lost.
   */
  readonly recorded?: boolean;
}

/**
 * The predict function's floors for one target: the units the forecast says will be needed, per step,
 * already shifted earlier by the provisioning delay. Outside [start, start + steps) there is no floor.
 */
export interface FloorSchedule {
  readonly start: Date;
  readonly stepMinutes: number;
  readonly units: readonly number[];
  readonly madeAt: Date;
  /** What made it (the forecast's summary), for the decision's message. */
  readonly source: string;
  /**
   * A schedule merged from two (a plan member's own floors and its plan's, `higherFloors`): per step, the index
   * in `sources` of the one its floor came from, so a scaler names the floor in force, not the one with the
   * higher peak (-1, or absent: `source`).
   */
  readonly stepSources?: { readonly sources: readonly string[]; readonly index: readonly number[] };
}

export interface DecisionInput {
  readonly target: Target;
  /**
   * The predictive floor in force now, when predictive scaling acts on this target. `fromForecast: false`: a
   * floor that is no forecast (a plan's from the measured demand or its scale-in hold), under which scale-in
   * keeps its window and rate limits whatever `scaleInHoldsUnderFloor` says: a one-minute dip of the demand
   * would otherwise skip them.
   */
  readonly floor?: { readonly units: number; readonly source: string; readonly fromForecast?: boolean };
  /** Policy-level blast-radius cap, used when the target sets none. */
  readonly policyMaxUnitsPerDecision: number;
  readonly state: CapacityState;
  /**
   * Recent datapoints per rule name, oldest first; `undefined` or empty when CloudWatch returned none.
   * A period still in progress may be among them: the decision ignores it (a partial Sum reads low).
   */
  readonly readings: Readonly<Record<string, readonly MetricReading[] | undefined>>;
  readonly history: ScalingHistory;
  readonly now: Date;
  /**
   * Whether the decision carries its `explain` (default true). A caller that reads only `desired` every
   * simulated minute (the backtest) passes false and pays nothing for it.
   */
  readonly explain?: boolean;
}

/**
 * Why a decision came out as it did. Changes: ScaleOut, ScaleIn, and the limited forms. Skips: the rest.
 * (The Kubernetes HPA's reason codes, adapted: every decision, a skip included, carries one.)
 */
export const reasonCodes = [
  'ScaleOut',
  'ScaleIn',
  'ScaleOutRateLimited',
  'ScaleInRateLimited',
  'BlastRadiusCapped',
  'AtMaxCapacity',
  'AtMinCapacity',
  'WithinTolerance',
  'InstancesWarming',
  'NoThresholdBreached',
  'MetricsMissing',
  'ScaleInBlockedByMissingMetrics',
  'ScaleOutCooldown',
  'ScaleInCooldown',
  'StabilizationWindow',
  'AsgBusy',
  'ResourceBusy',
  'LimitsConflict',
  'LeaseHeld',
  'DuplicateEvent',
  'OutOfRange',
  'PredictiveFloor',
  'Paused',
  'OperationPending',
  'OperationCompleted',
  'OperationFailed',
  'BreachNotSustained',
  'IntentReconciled',
  'DescribeFailed',
  'ActionFailed',
  'BackedOff',
  'ForeignAlarm',
  // cache-shards (issue 13): the ElastiCache shard gates. WouldReAlarm is meant to be shared with
  // rds-replicas (issue 12): a removal the rest could not carry without crossing the scale-out threshold.
  'CacheShardsUnsupported',
  'InsufficientMemoryHeadroom',
  'WouldReAlarm',
  'ReshardBlockedByCpu',
  'ShardsAndReplicasExclusive',
  'ReplicasScaledOut',
  'ReplicasScaledIn',
  // rds-replicas (issue 12): the read-replica gates (WouldReAlarm above is shared with cache-shards).
  'NotOwned',
  'ReplicaLagging',
  'SourceNotAvailable',
  'Draining',
  'DrainCancelled',
  'DeletionProtected',
  'ReplacingFailedReplica',
  'RemovingFailedReplica',
  'ReplacementsExhausted',
  'ReaderDiscoverySynced',
  // delivery (issue 15): an alarm event older than the function's maximum event age (a redelivery hours
  // later, a message re-driven from the dead-letter queue) is refused, not acted on.
  'StaleEvent',
  // predict (issue 14): what the hourly forecast did for a target, in its decision log. ForecastFloors: floors
  // written (and mirrored as scheduled actions for groups); ForecastOnly: forecast-only mode, published only;
  // ForecastDeclined: no forecast (under 24 h of history, gaps, no per-unit metric), reactive only;
  // ForecastUntrusted: worse than seasonal-naive over the last week, floors off until it recovers.
  'ForecastFloors',
  'ForecastOnly',
  'ForecastDeclined',
  'ForecastUntrusted',
  // asg: the group holds fewer instances than its desired capacity and its latest launch failed (told once,
  // and again when it changes; a plan member in it cannot follow).
  'CapacityShortfall',
  // fleet (issue 23): a target the run had no time left for (its deadline came first); the next run
  // starts with it, so no target starves.
  'Deferred',
  // kill switch (issue 20, item 3): the switch could not be read (an error, a missing parameter), so nothing
  // that would change the account was done; the decision it would have carried out is in the message.
  'PauseUnknown',
  // predict (issue 20, items 6 and 7): scheduled MinSize actions the policy no longer produces, deleted; and
  // a group with too little room for the floors' actions (AWS's 125, the operator's count too): the nearest
  // hours were kept.
  'ScheduledActionsRemoved',
  'ScheduledActionsLeft',
  'ScheduleBudget',
  // rds-replicas (issue 21): a cluster Scalepilot must not scale (Aurora Auto Scaling on it, Serverless v2
  // readers), refused at every evaluation as CacheShardsUnsupported refuses a cache group.
  'RdsReplicasUnsupported',
  // cache-shards (issue 21): a reshard or replica change past the account's nodes-per-cluster quota.
  'NodeQuotaReached',
  // cache-shards: a reshard or replica change past the nodes a cluster of its engine version can have (250 before
  // Redis OSS 5.0.6, 500 from it and on Valkey), however high the quota: AWS would refuse it.
  'EngineNodeLimitReached',
  // cache-shards: every shard a scale-in could remove was kept by AWS on a scale-in within the last 24 h (a key
  // over 256 MB serialised keeps its shard): no scale-in until one may be tried again.
  'NoRemovableShard',
  // cache-shards: a rule read on the shards' primaries (all but CPU) is held because IsMaster names no primary,
  // or several, on a shard (a failover's minute, the primary not reporting): its reading would be a guess.
  'ShardPrimaryUnknown',
  // plans (issue 24): what a plan asks of a member (the floor from the measured demand, from the forecast
  // shifted by the member's lead time, the scale-in hold, a cap from a member that cannot follow), a scale-in
  // the plan leads, the readiness gate, and the notice about a member that cannot follow.
  'PlanDemand',
  'PlanForecast',
  'PlanScaleInHold',
  'PlanCapped',
  'PlanScaleIn',
  'PlanMemberCannotFollow',
  'ReadinessGate',
  // plans: the members' records (the plan's past levels, the lead times learned) could not be read this run;
  // the member does not scale in (a scale-out goes ahead), and the run writes no plan record.
  'PlanRecordsUnreadable',
  // predict (issue 22): walk-forward tuning found that no floor setting would have paid for itself on the target's
  // own last runs (capacity plus overload priced by the policy): floors off, the rules alone, until one would.
  'FloorsNotWorthIt',
  // predict (issue 22): floors written where the seasonal floor (predictive.seasonalFloor: the load a day or a
  // week before, level-scaled) raised the need over the forecast's alone; ForecastFloors otherwise.
  'SeasonalFloor',
  // asg: a scale-in stopped at the group's units protected from scale-in (cut to them, or none at all): AWS
  // would lower desired below them and terminate nothing until the protection is lifted.
  'ScaleInProtected',
  // asg: the group has its own AWS scaling policy that changes its desired capacity (target tracking, step,
  // simple, predictive ForecastAndScale): two autoscalers would fight, so Scalepilot refuses it (told once).
  'ScalingPolicyConflict',
  // asg, granted by tag (fleet.grantGroupsBy: tag): the group lacks the stage's tag, so the role may not resize it.
  'GroupNotTagged',
  // rds-replicas: the source has replicas another stage's Scalepilot made (their `scalepilot:stage` tag): two
  // deployments on one source would fight, so the target is held (told once) and theirs are never touched.
  'OtherStageReplicas',
  // asg: instances launched longer ago than the warm-up still wait in Pending:Wait (a launch lifecycle hook whose
  // consumer does not complete them), whoever ordered them: still counted as booting, told once (launchHookHold).
  'LaunchHeldInHook',
] as const;
export type ReasonCode = (typeof reasonCodes)[number];

/**
 * An engine as the scaler read it from AWS, with what else sets its price: an RDS source's `Engine` (postgres,
 * aurora-mysql, oracle-ee, sqlserver-se …) and `LicenseModel`, an Aurora cluster's `StorageType`, a replication
 * group's `Engine` (redis, valkey).
 */
export interface EngineSeen {
  readonly name: string;
  /** RDS, not Aurora: the source's LicenseModel (license-included, bring-your-own-license, postgresql-license …). */
  readonly licenseModel?: string;
  /** Aurora: the cluster's StorageType (aurora, or none: Aurora Standard; aurora-iopt1: I/O-Optimized). */
  readonly storageType?: string;
}

/** The outcome of one evaluation of one target. */
export interface Decision {
  readonly target: string;
  readonly kind: Target['kind'];
  readonly current: number;
  readonly desired: number;
  /** The unstabilised, unlimited recommendation of the rules; the ledger keeps it for the windows. */
  readonly recommendation: number;
  /** The unit of `current` and `desired` when it is not the kind's own: a vCPU group's `vCPU`, a weighted group's `unit`. */
  readonly unit?: string;
  /**
   * A cache group's replicas per shard (the fewest a shard has) as the decision saw them, and as its action leaves
   * them (a replica change's new count; else the same): the cost of scaling counts the nodes they make. Recorded by
   * the kind's gates, so a settlement (OperationPending …) has none.
   */
  readonly replicasPerShard?: { readonly current: number; readonly desired: number };
  /**
   * What the resource runs, as the decision saw it (an RDS source's engine, a cache group's): the cost of scaling
   * prices a replica or a node by it. Recorded by the kind's gates, as `replicasPerShard` is.
   */
  readonly engine?: EngineSeen;
  readonly direction: 'out' | 'in' | 'none';
  readonly reason: ReasonCode;
  readonly message: string;
  /** The metric values the decision was taken on, by rule name (null: missing or stale). */
  readonly metrics: Readonly<Record<string, number | null>>;
  /** Why, in detail: what each rule read and asked for, the floor, the gates met, what AWS answered. */
  readonly explain?: DecisionExplanation;
}

/** One rule's part in a decision: what it read, against what, and what it recommended. */
export interface RuleInput {
  readonly rule: string;
  /** `namespace/name statistic` of the rule's metric. */
  readonly metric: string;
  /** The value the decision read (null: missing or stale). */
  readonly value: number | null;
  /** A step rule's breached threshold, or a target-tracking rule's target. */
  readonly threshold?: number;
  readonly recommendation?: number;
  readonly direction?: 'out' | 'in' | 'none';
}

/** One gate a decision passed through, in the order the walk applied them. */
export interface GateNote {
  /** The gate's name: `cooldown`, `rateLimit`, `stabilization`, `blastRadius`, `bounds`, `lease`, `pause`, `replicaLag`, `memoryHeadroom`, `readiness` … */
  readonly gate: string;
  /** `held`: it stopped or limited the change; `passed`: it had no objection. */
  readonly outcome: 'held' | 'passed';
  readonly reason?: ReasonCode;
  readonly message: string;
}

/** What a decision was taken on and what held it back: the ledger keeps it, `scalepilot why` prints it. */
export interface DecisionExplanation {
  readonly rules: readonly RuleInput[];
  /** The predictive floor in force, and what made it. */
  readonly floor?: {
    readonly units: number;
    readonly source: string;
    readonly forecast?: number;
    readonly headroom?: number;
    readonly event?: string;
  };
  readonly gates: readonly GateNote[];
  /** What AWS answered to the action taken, if one was. */
  readonly aws?: {
    readonly operation: string;
    readonly outcome: 'ok' | 'error';
    readonly message?: string;
  };
}
