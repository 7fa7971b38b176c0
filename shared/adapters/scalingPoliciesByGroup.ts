import type { ScalingPolicy } from '@aws-sdk/client-auto-scaling';

/** One of a group's own policies that change its capacity: `name (type)` for messages, and its ARN. */
export interface OwnScalingPolicy {
  readonly label: string;
  /** As DescribePolicies gives it; a later read asks for the policy by it (AutoScalingCapacity). */
  readonly arn?: string;
}

/**
 * Whether a group's own scaling policy changes its desired capacity: a dynamic one (target tracking, step,
 * simple) unless disabled, or a predictive one in `ForecastAndScale` mode. A predictive policy without a mode
 * is `ForecastOnly` (AWS's default): it forecasts and changes nothing.
 */
export function changesCapacity(policy: ScalingPolicy): boolean {
  if (policy.Enabled === false) return false;
  if (policy.PolicyType === 'PredictiveScaling')
    return policy.PredictiveScalingConfiguration?.Mode === 'ForecastAndScale';
  return true;
}

/**
 * The policies of a DescribePolicies listing that change capacity, each labelled `name (type)` (a policy
 * without a type is SimpleScaling, AWS's default), by group name, added to `byGroup`; a group without any is
 * absent.
 */
export function scalingPoliciesByGroup(
  policies: readonly ScalingPolicy[],
  byGroup = new Map<string, OwnScalingPolicy[]>(),
): Map<string, OwnScalingPolicy[]> {
  for (const policy of policies) {
    const group = policy.AutoScalingGroupName;
    if (!group || !changesCapacity(policy)) continue;
    const label = `${policy.PolicyName ?? 'unnamed'} (${policy.PolicyType ?? 'SimpleScaling'})`;
    const own = { label, ...(policy.PolicyARN ? { arn: policy.PolicyARN } : {}) };
    byGroup.set(group, [...(byGroup.get(group) ?? []), own]);
  }
  return byGroup;
}
