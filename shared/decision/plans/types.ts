import type { TargetKind } from '../../policy/schema';
import type { ReasonCode } from '../types';

/** How a member's need follows the demand: units per unit of demand, or a ratio to another member. */
export type MemberFollows =
  | { readonly unitsPerDemand: number }
  | { readonly member: string; readonly units: number; readonly per: number };

/** One member of a plan as the decisions read it: its target's range, its lead time and how it follows. */
export interface PlanMemberModel {
  /** The target's name. */
  readonly name: string;
  readonly kind: TargetKind;
  /** What one unit is called, for messages (`read replica`). */
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  /** Minutes from decision to serving. */
  readonly leadMinutes: number;
  /** Where the lead time came from, for `scalepilot plan`: the policy, the ledger's record, the kind. */
  readonly leadSource: string;
  readonly follows: MemberFollows;
  /** Readiness gates: members whose serving capacity this member does not outgrow. */
  readonly waitFor: readonly string[];
}

/** A plan with everything resolved from the policy (and the ledger's observed lead times). */
export interface PlanModel {
  readonly name: string;
  /** In the policy's order: the first is the entry, the member the demand reaches first. */
  readonly members: readonly PlanMemberModel[];
  readonly scaleInHoldMinutes: number;
  /** The quantile of actual ÷ forecast demand the plan's forecast floors plan for (their headroom). */
  readonly headroomQuantile: number;
  /** When a readiness gate counts a member it waits for as serving: now, or by the time its own capacity would. */
  readonly gateTiming: GateTiming;
}

/** `serving`: what the members waited for serve now; `in-time`: what they will serve within the gated member's lead. */
export type GateTiming = 'serving' | 'in-time';

/** A change of a member's ordered capacity, as the ledger keeps it (ScalingHistory.changes). */
export interface CapacityChange {
  readonly at: Date;
  readonly from: number;
  readonly to: number;
}

/** What the plan knows of one member now: read from its own resource (its walk) or from the ledger. */
export interface PlanMemberState {
  readonly ordered: number;
  readonly serving: number;
  /** Its recent capacity changes, oldest first (at least the scale-in hold's span of them). */
  readonly changes: readonly CapacityChange[];
  /** Why it cannot follow now (an action refused, an operation stuck or failed, a quota), if so. */
  readonly blocked?: string;
  /**
   * The units it can count on when fewer than it ordered can be had (an Auto Scaling group whose launches
   * fail: the instances it holds); while it is blocked, the plan sizes the others for these.
   */
  readonly reachable?: number;
  /**
   * The most units its resource takes now (a group's MaxSize, the read replicas its source allows), which may
   * be fewer than the policy's range: the demand needing more than that caps the plan as its range's max does.
   */
  readonly max?: number;
  /** The plan's forecast floor in force for it (predict's, already shifted by its lead time). */
  readonly forecastFloor?: { readonly units: number; readonly source: string };
  /** In dry run (the target's `dryRun`, else the policy's): its scaler changes nothing, so it never grows. */
  readonly dryRun?: boolean;
}

/** What the plan asks of one member now: the floor its own decision honours, and why. */
export interface MemberPlan {
  readonly member: string;
  readonly current: number;
  readonly serving: number;
  /** Units the measured demand (as capped) needs, within the member's range; undefined without a datapoint. */
  readonly wanted?: number;
  /** The floor passed to the member's decision (0: none). */
  readonly floor: number;
  readonly reason: ReasonCode;
  readonly message: string;
}

/** One step of the plan's next moves, in the order they go. */
export interface PlanStep {
  readonly member: string;
  readonly from: number;
  readonly to: number;
  readonly direction: 'out' | 'in';
}

/** Told once per cause: a member that cannot follow, and what the plan asks of the others instead. */
export interface PlanNotice {
  readonly member: string;
  readonly reason: ReasonCode;
  readonly message: string;
  /** The cause without its figures (plan, member, why), so a notice is told once while its cause lasts. */
  readonly key: string;
}

/** The outcome of one evaluation of a plan. */
export interface PlanDecision {
  readonly plan: string;
  /** The measured demand, and the demand the plan sized its members for (lower when a member caps it). */
  readonly demand?: number;
  readonly sizedFor?: number;
  /** In scale-out order, slowest first. */
  readonly members: readonly MemberPlan[];
  /** Growth slowest first, then shrinking fastest first. */
  readonly steps: readonly PlanStep[];
  readonly notices: readonly PlanNotice[];
}

/** A gate's answer for a proposed capacity: go ahead, or hold at a level with a reason and a message. */
export type GateVerdict =
  | { readonly proceed: true; readonly message?: string }
  | { readonly hold: number; readonly reason: ReasonCode; readonly message: string };

/**
 * What a plan member's scaler records of it with each of its decisions (the ledger's `PLAN` item), for the
 * other members' scalers, which run in other functions and may not describe its resource.
 */
export interface PlanMemberRecord {
  readonly ordered: number;
  readonly serving: number;
  /** Why it cannot follow now, from its own outcome (blockedBy.ts). */
  readonly blocked?: string;
  /** The units it can count on when fewer than it ordered can be had (PlanMemberState.reachable). */
  readonly reachable?: number;
  /** The most units its resource takes now (PlanMemberState.max), as its walk last observed it. */
  readonly max?: number;
  /** When its walk observed this. */
  readonly at: Date;
  /** Its recent capacity changes, oldest first (the scale-in hold reads those of the member in front). */
  readonly changes: readonly CapacityChange[];
  /** The plan's past levels for it: the stabilisation window of the scale-ins the plan leads. */
  readonly planLevels: readonly { readonly at: Date; readonly desired: number }[];
  /** Seconds each of its recent scale-outs took from decision to serving, oldest first (the last 20). */
  readonly leadSeconds: readonly number[];
  /** A scale-out not serving yet: when it was decided and the serving level it waits for. */
  readonly growing?: { readonly at: Date; readonly to: number };
}
