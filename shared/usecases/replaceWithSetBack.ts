import {
  clearOfTakenMinutes,
  othersStartMinutes,
  setBack,
  targetOfAction,
} from '../decision/scheduledFloors';
import type { Target } from '../policy/schema';
import type { Clock, ScheduledActionsPort } from '../ports';

/**
 * A group's scheduled actions from this stage, replaced by the one that sets its MinSize back to the target's
 * minimum when an earlier one raised it (AWS keeps no old value: deleting them all left a raised MinSize raised
 * for good). Only on a group carrying the stage's ownership tag, on which the role may delete and put; elsewhere
 * nothing is touched. Predict's way off a group it may no longer raise (scheduledActionsOnGroup): one whose stage
 * tag was removed under a grant by tag, or one whose scale-outs the scaler holds; left, the actions would raise
 * its MinSize on an old forecast for up to 48 hours.
 */
export async function replaceWithSetBack(
  deps: { readonly groups: ScheduledActionsPort; readonly clock: Clock },
  target: Target,
  group: { readonly owner?: 'this' | 'other'; readonly minSize: number },
): Promise<{ removed: number; minSize?: number; setBack?: { minSize: number; start: Date } }> {
  if (group.owner !== 'this' || target.kind !== 'asg') return { removed: 0 };
  const name = target.autoScalingGroupName;
  const existing = await deps.groups.scheduledActions(name);
  const names = existing.filter((a) => targetOfAction(a.name) === target.name).map((a) => a.name);
  if (names.length === 0) return { removed: 0, minSize: group.minSize };
  const planned = setBack(target.name, group.minSize, target.capacity.min, deps.clock.now());
  const back = planned
    ? clearOfTakenMinutes(target.name, [planned], othersStartMinutes(existing, target.name))[0]
    : undefined;
  await deps.groups.replace(
    name,
    back ? [back] : [],
    names.filter((n) => n !== back?.name),
  );
  return {
    removed: names.length,
    minSize: group.minSize,
    ...(back ? { setBack: { minSize: back.minSize, start: back.start } } : {}),
  };
}
