import type { MetricSpec, Rule, Target } from '../policy/schema';
import { instanceRefreshGate } from './instanceRefreshGate';
import { launchHookHold } from './launchHookHold';
import { scaleInProtectionGate } from './scaleInProtectionGate';
import { scalingPolicyGate } from './scalingPolicyGate';
import { suspendedProcessGate } from './suspendedProcessGate';
import type {
  CapacityState,
  Decision,
  GateNote,
  MetricReading,
  PendingIntent,
  ReasonCode,
  ScalingHistory,
} from './types';

/**
 * One action a kind's gates chose: JSON-serialisable, because it is written to the ledger before its AWS
 * call (write-ahead). `desired` is the capacity once it has taken effect; an action whose `desired` equals
 * the current capacity prepares a change (tags a replica for draining) and starts no cooldown.
 */
export interface KindAction {
  readonly type: string;
  readonly desired: number;
  /**
   * An operation AWS carries out over minutes that leaves `desired` as it is (a cache group's replica
   * count): written ahead as the pending operation all the same, so nothing else starts until `settle`
   * says it ended. Without it, an action that changes no capacity is a quick preparing step (a tag).
   */
  readonly pending?: boolean;
  readonly [detail: string]: unknown;
}

/** What a kind's gates make of the generic decision. */
export type GateOutcome =
  /** Record the generic decision as it is (no change, or a change the kind carries out as decided). */
  (
    | { readonly pass: true; readonly act?: KindAction }
    /** Carry out this action instead, recorded with this reason and message. */
    | { readonly act: KindAction; readonly reason: ReasonCode; readonly message: string }
    /**
     * Do nothing now, recorded with this reason and message; with `notify`, the operators are told too
     * (once, and again when the reason changes: a target that gave up acting, not a routine wait).
     */
    | { readonly skip: ReasonCode; readonly message: string; readonly notify?: boolean }
  ) & {
    /**
     * Said of the decision whatever the outcome (how the kind read its metrics: a cache shard's primary assumed, a
     * rule held): added to its message and, as this gate, to its explanation.
     */
    readonly note?: Omit<GateNote, 'reason'>;
    /**
     * What the decision records of the kind's own whatever the outcome (a cache group's replicas per shard, the
     * resource's engine).
     */
    readonly record?: Pick<Decision, 'replicasPerShard' | 'engine'>;
  };

/** What became of an operation written ahead, judged from the resource as observed now. */
export type Settlement =
  /** It never took effect (its holder stopped before the AWS call, or the call was refused). */
  | { readonly status: 'not-applied' }
  /** AWS is still carrying it out (a replica being created, a reshard running): nothing new meanwhile. */
  | { readonly status: 'in-flight'; readonly message: string }
  | { readonly status: 'done' }
  /** AWS gave up (a replica in `failed`, a reshard rolled back): recorded, notified, backed off. */
  | { readonly status: 'failed'; readonly message: string };

/**
 * A resource kind's pure part: its capacity view, its gates and how it judges an operation in flight.
 * The generic part (rules, windows, cooldowns, bounds) is `decideCapacity`, shared by every kind.
 */
export interface KindModel<Observation> {
  /**
   * The generic capacity view of what the adapter observed; `metrics` (each rule's series as read, when
   * they have been) lets a kind leave out units the metrics show cannot serve (a lagging replica).
   */
  capacity(
    target: Target,
    observation: Observation,
    now: Date,
    metrics?: Readonly<Record<string, readonly (readonly MetricReading[])[]>>,
  ): CapacityState;
  /** The kind's gates: the one action allowed now for `decision`, or why none is. Called for every decision. */
  gate(input: {
    readonly target: Target;
    readonly decision: Decision;
    readonly observation: Observation;
    readonly history: ScalingHistory;
    /** Each rule's metrics as read, one series per metric `metricsFor` asked for (oldest first). */
    readonly metrics: Readonly<Record<string, readonly (readonly MetricReading[])[]>>;
    /** The units AWS kept when an operation asked to remove them, with when (`rememberRemovals`). */
    readonly failedRemovals?: Readonly<Record<string, Date>>;
    readonly now: Date;
  }): GateOutcome;
  /**
   * The CloudWatch metrics one rule reads for this target, given what was observed (default: the rule's
   * own metric, scoped to the target's resource). Several (one per available replica) are combined by
   * `combine` into the series the generic decision reads; the gates see each of them.
   */
  metricsFor?(
    target: Target,
    rule: Rule,
    observation: Observation,
  ): (MetricSpec & { readonly dimensions: Record<string, string> })[];
  /**
   * One rule's several series as the one the decision reads (default: their mean per period), given what was
   * observed (the series are those `metricsFor` asked for on it) and `now` (a series that says which unit to
   * read, such as a cache node's IsMaster, counts only while fresh).
   */
  combine?(
    target: Target,
    rule: Rule,
    series: readonly (readonly MetricReading[])[],
    observation: Observation,
    now: Date,
  ): MetricReading[];
  settle(target: Target, intent: PendingIntent, observation: Observation, now: Date): Settlement;
  /**
   * For a kind whose removals AWS may refuse for one unit and not another (a cache shard holding an item over
   * 256 MB is never deleted by a scale-in): the units to remember once `intent` settled as `settlement`, with
   * when AWS kept them, from those `remembered` (the gates then choose others); the units gone or remembered
   * too long are dropped. Undefined when nothing changes.
   */
  rememberRemovals?(input: {
    readonly intent: PendingIntent;
    readonly settlement: Settlement;
    readonly observation: Observation;
    readonly remembered: Readonly<Record<string, Date>>;
    readonly now: Date;
  }): Readonly<Record<string, Date>> | undefined;
  /**
   * While an operation is in flight nothing new is decided, but a kind may name a step that changes no
   * capacity and needs no intent (its effect is a whole state written again, so a repeat is harmless): the RDS
   * kind keeps reader discovery to the replicas that serve, so one that lags during a 15-minute create stops
   * taking reads now. Undefined when none is due.
   */
  stepWhilePending?(input: {
    readonly target: Target;
    readonly observation: Observation;
    readonly metrics: Readonly<Record<string, readonly (readonly MetricReading[])[]>>;
    readonly current: number;
    readonly now: Date;
  }): { readonly act: KindAction; readonly message: string } | undefined;
  /**
   * True when an action's effect shows in the next describe (an ASG's desired capacity): its intent is
   * cleared when the decision is recorded. False for operations AWS carries out over minutes: the intent
   * then stays as the pending operation until `settle` says it is done or failed.
   */
  readonly settlesAtOnce: boolean;
}

/** A failed launch this recent is AWS still failing to place the group's instances (it retries, backing off). */
const LAUNCH_FAILURE_RECENT_MS = 60 * 60_000;
const KEEPS_ITS_REASON: ReadonlySet<ReasonCode> = new Set(['AsgBusy', 'LimitsConflict']);

/**
 * The model of a resource whose capacity is one number set in one call (an ASG's desired capacity):
 * its gates refuse a group its own AWS scaling policies scale, hold a scale-in while an instance refresh runs and
 * the direction a suspended Launch or Terminate stops,
 * keep a scale-in above the instances protected from it and tell launches failing or held in a lifecycle hook; the
 * change is visible at once.
 */
export const desiredCapacityModel: KindModel<CapacityState> = {
  capacity: (_target, state) => state,
  gate: ({ target, decision, observation, now }) => {
    // Another autoscaler on the group comes first: nothing else matters while two of them would fight.
    const group = target.kind === 'asg' ? target.autoScalingGroupName : target.name;
    const otherAutoscaler = scalingPolicyGate(group, observation);
    if (otherAutoscaler) return otherAutoscaler;
    const refreshing = instanceRefreshGate(decision, observation);
    if (refreshing) return refreshing;
    const suspended = suspendedProcessGate(decision, observation);
    if (suspended) return suspended;
    const protectedFromScaleIn = scaleInProtectionGate(decision, observation);
    if (protectedFromScaleIn) return protectedFromScaleIn;
    if (decision.desired !== decision.current)
      return { pass: true, act: { type: 'setDesiredCapacity', desired: decision.desired } };
    // A busy group or limits in conflict keep their own reason: theirs comes first.
    if (KEEPS_ITS_REASON.has(decision.reason)) return { pass: true };
    // Told, not waited out as warming: instances AWS cannot place, then instances a hook holds past the warm-up.
    return (
      launchesFailing(decision, observation, now) ??
      launchHookHold(target, observation, now) ?? { pass: true }
    );
  },
  // Still at `from`: the call never took effect. Anything else counts as done: counting a change that did
  // not happen costs one cooldown, while forgetting one that did would let the next tick act twice.
  settle: (_target, intent, state) =>
    state.current === intent.from ? { status: 'not-applied' } : { status: 'done' },
  settlesAtOnce: true,
};

/**
 * Tells a group short of instances whose latest launch failed within the hour: these instances will not boot until
 * AWS can place them. A failure older than AWS's retries says nothing about a group short now (an instance being
 * replaced), and a suspended Launch keeps it untold (someone stopped the launches, perhaps these very retries:
 * resuming them is theirs to do).
 */
function launchesFailing(decision: Decision, observation: CapacityState, now: Date): GateOutcome | undefined {
  const failing = observation.launchesFailing;
  if (failing === undefined || observation.suspendedProcesses?.includes('Launch')) return undefined;
  if (now.getTime() - failing.startedAt.getTime() > LAUNCH_FAILURE_RECENT_MS) return undefined;
  return {
    skip: 'CapacityShortfall',
    message: `EC2 Auto Scaling could not launch ${failing.missing} of the ${decision.current} ordered; its latest launch failed: ${failing.statusMessage}`,
    notify: true,
  };
}
