import {
  clearOfTakenMinutes,
  FORECAST_ACTION_PREFIX,
  MAX_SCHEDULED_ACTIONS,
  othersStartMinutes,
  type ScheduledPlan,
  scheduledMinSizes,
} from '../decision/scheduledFloors';
import type { FloorSchedule } from '../decision/types';
import type { AsgTarget } from '../policy/schema';
import type { Clock, ScheduledActionsPort } from '../ports';

/**
 * A group's floors as scheduled MinSize actions, replacing the previous run's (only Scalepilot's own, by name
 * prefix). Every action in the group counts against AWS's 125, the operator's too (all pages of
 * DescribeScheduledActions), so the budget is 125 less the actions that are not Scalepilot's (issue 20,
 * item 7); the group is tagged as this stack's first, so the stack can clean up after it once the target
 * leaves the policy (pruneScheduledActions). The clock is read after the describe, not at the run's start: a
 * run's reads, forecasts and other targets take time, and AWS refuses an action whose start has passed.
 */
export async function mirrorFloors(
  groups: ScheduledActionsPort,
  target: AsgTarget,
  floors: FloorSchedule | undefined,
  group: { readonly minSize: number; readonly maxSize: number; readonly owner?: 'this' | 'other' },
  clock: Clock,
): Promise<ScheduledPlan & { readonly budget: number }> {
  const name = target.autoScalingGroupName;
  const existing = await groups.scheduledActions(name);
  const ours = existing.filter((a) => a.name.startsWith(FORECAST_ACTION_PREFIX));
  // The latest of ours stays until the new actions are in (replace: a put that fails keeps the way back), so it
  // takes one of AWS's 125 meanwhile.
  const kept = ours.length > 0 ? 1 : 0;
  const budget = Math.max(0, MAX_SCHEDULED_ACTIONS - (existing.length - ours.length) - kept);
  const plan = scheduledMinSizes({
    target: target.name,
    floors,
    baseline: target.capacity.min,
    maxSize: group.maxSize,
    currentMinSize: group.minSize,
    now: clock.now(),
    budget,
  });
  if (plan.actions.length > 0 && group.owner !== 'this') await groups.markOwned(name);
  const actions = clearOfTakenMinutes(target.name, plan.actions, othersStartMinutes(existing, target.name));
  const keep = new Set(actions.map((a) => a.name));
  await groups.replace(
    name,
    actions,
    ours.filter((a) => !keep.has(a.name)).map((a) => a.name),
  );
  return { ...plan, actions, budget };
}
