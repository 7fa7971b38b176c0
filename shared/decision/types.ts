import type { Target } from '../policy/schema';

/** The live state of one managed resource, as its port read it. */
export interface CapacityState {
  /** Ordered capacity: the group's DesiredCapacity, replicas and shards that exist or are being created. */
  readonly current: number;
  /** Capacity that serves load now: in service and past its warmup. Booting units are `current − serving`. */
  readonly serving: number;
  /** The resource's own limits (an ASG's MinSize/MaxSize); a decision never leaves them. */
  readonly liveMin: number;
  readonly liveMax: number;
  /** Why the resource must not be changed now (instance refresh, suspended processes, modifying), if so. */
  readonly busy?: string;
}

/** The newest datapoint of one rule's metric. */
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

export interface DecisionInput {
  readonly target: Target;
  /** Policy-level blast-radius cap, used when the target sets none. */
  readonly policyMaxUnitsPerDecision: number;
  readonly state: CapacityState;
  /** Newest reading per rule name; `undefined` when CloudWatch returned no datapoint. */
  readonly readings: Readonly<Record<string, MetricReading | undefined>>;
  readonly history: ScalingHistory;
  readonly now: Date;
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
  'BelowMinCapacity',
  'AboveMaxCapacity',
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
  // Added for the safety work (issue 11): each is produced by exactly one gate or path.
  'OutOfRange',
  'BreachNotSustained',
  'IntentReconciled',
  'DescribeFailed',
  'ActionFailed',
  'BackedOff',
  'ForeignAlarm',
] as const;
export type ReasonCode = (typeof reasonCodes)[number];

/** The outcome of one evaluation of one target. */
export interface Decision {
  readonly target: string;
  readonly kind: Target['kind'];
  readonly current: number;
  readonly desired: number;
  /** The unstabilised, unlimited recommendation of the rules; the ledger keeps it for the windows. */
  readonly recommendation: number;
  readonly direction: 'out' | 'in' | 'none';
  readonly reason: ReasonCode;
  readonly message: string;
  /** The metric values the decision was taken on, by rule name (null: missing or stale). */
  readonly metrics: Readonly<Record<string, number | null>>;
}
