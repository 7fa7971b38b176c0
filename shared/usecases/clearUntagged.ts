import { targetOfAction } from '../decision/scheduledFloors';
import type { Policy, Target } from '../policy/schema';
import type { ScheduledActionsPort } from '../ports';

/**
 * Whether a grant by tag (fleet.grantGroupsBy: tag) keeps predict off the group: the role may put scheduled
 * actions only on a group tagged with the stage, and this one is not (pure). Granted by name: never.
 */
export function untaggedForGrant(policy: Policy, group: { readonly stageTagged?: boolean }): boolean {
  return policy.fleet.grantGroupsBy === 'tag' && !group.stageTagged;
}

/**
 * An untagged group's scheduled actions from this stage, deleted: it carries the stage's ownership tag (its stage
 * tag was removed since they were written), on which the role may delete them, not put. The stage no longer
 * manages the group; left, they would raise its MinSize on an old forecast for up to 48 hours. Used by a target
 * that forecasts on its own (predictTarget) and by a plan's member that does not (predictPlans) alike.
 */
export async function clearUntagged(
  deps: { readonly groups: ScheduledActionsPort },
  target: Target,
  group: { readonly owner?: 'this' | 'other'; readonly minSize: number },
): Promise<{ removed: number; minSize?: number }> {
  if (group.owner !== 'this' || target.kind !== 'asg') return { removed: 0 };
  const names = (await deps.groups.scheduledActions(target.autoScalingGroupName))
    .filter((a) => targetOfAction(a.name) === target.name)
    .map((a) => a.name);
  if (names.length > 0) await deps.groups.replace(target.autoScalingGroupName, [], names);
  return { removed: names.length, minSize: group.minSize };
}
