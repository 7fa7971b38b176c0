import type { Policy } from './schema';

/**
 * The Auto Scaling groups of the policy's predictive targets and of its plans' members (predict writes a plan's
 * floors on its members' groups, predictive or not): where predict may write scheduled actions by name.
 */
export function predictiveGroups(policy: Policy): string[] {
  const inPlans = new Set(policy.plans.flatMap((p) => p.members.map((m) => m.target)));
  return policy.targets.flatMap((t) =>
    t.kind === 'asg' && (t.predictive || inPlans.has(t.name)) ? [t.autoScalingGroupName] : [],
  );
}
