import type { ScalingPolicy } from '@aws-sdk/client-auto-scaling';

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
 * The policies of a DescribePolicies listing that change capacity, each as `name (type)` (a policy without a
 * type is SimpleScaling, AWS's default), by group name, added to `byGroup`; a group without any is absent.
 */
export function scalingPoliciesByGroup(
  policies: readonly ScalingPolicy[],
  byGroup = new Map<string, string[]>(),
): Map<string, string[]> {
  for (const policy of policies) {
    const group = policy.AutoScalingGroupName;
    if (!group || !changesCapacity(policy)) continue;
    const label = `${policy.PolicyName ?? 'unnamed'} (${policy.PolicyType ?? 'SimpleScaling'})`;
    byGroup.set(group, [...(byGroup.get(group) ?? []), label]);
  }
  return byGroup;
}
