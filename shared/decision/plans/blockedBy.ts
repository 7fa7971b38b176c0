import type { Decision, ReasonCode } from '../types';

/** The outcomes after which a member cannot follow its plan, each as its notice names it. */
const BLOCKING: Partial<Record<ReasonCode, string>> = {
  ActionFailed: 'AWS refused its last change',
  OperationFailed: 'its last operation failed',
  BackedOff: 'its scaler is backed off after failed evaluations',
  ReplacementsExhausted: 'its failed replicas could not be replaced',
  LimitsConflict: "its resource's own limits conflict with the policy's range",
  CapacityShortfall: 'EC2 Auto Scaling cannot launch the instances it was asked for',
  NodeQuotaReached: "it is at the account's nodes-per-cluster quota",
  EngineNodeLimitReached: 'it is at the nodes per cluster its engine version allows',
  RdsReplicasUnsupported: 'Scalepilot may not scale it',
  CacheShardsUnsupported: 'Scalepilot may not scale it',
  ScalingPolicyConflict: 'its own AWS scaling policies scale it',
  GroupNotTagged: "it lacks the stage's tag the role's grant needs",
  OtherStageReplicas: "another stage's Scalepilot scales its source",
};

/**
 * Why a member cannot follow its plan after this decision of its own walk (refused, failed, stuck, at a
 * quota, not scalable), as a stable phrase with the reason code; undefined when it can. The phrase carries no
 * figures, so the notice it leads to is told once while the cause lasts.
 */
export function blockedBy(decision: Pick<Decision, 'reason'>): string | undefined {
  const why = BLOCKING[decision.reason];
  return why === undefined ? undefined : `${why} (${decision.reason})`;
}
