import type { Activity } from '@aws-sdk/client-auto-scaling';
import type { CapacityState, HeldLaunch } from '../decision/types';

/**
 * The instance a launch activity started, from its Description: `Launching a new EC2 instance: i-…` (a launch
 * that was cancelled goes on `.  Status Reason: …`), or `… from warm pool: i-…` for an instance moved from the
 * group's warm pool into it; a launch into the warm pool (`… into warm pool: i-…`) is no launch into the group.
 */
const LAUNCH_OF = /^Launching a new EC2 instance(?: from warm pool)?: (i-[0-9a-f]+)/;

/**
 * The group's instances in Pending:Wait with when each one's launch started: the StartTime of the newest launch
 * activity naming it among `activities` (the newest page DescribeScalingActivities returned; in progress, a held
 * launch's StatusCode is `MidLifecycleAction`). An instance none names keeps no launch time; when the read failed
 * (`activities` is its error), none has one, and the state says why.
 */
export function heldLaunchesOf(
  held: readonly Omit<HeldLaunch, 'launchedAt'>[],
  activities: readonly Activity[] | Error,
): NonNullable<CapacityState['inLaunchHook']> {
  if (activities instanceof Error) return { instances: held, activitiesUnread: activities.message };
  const started = new Map<string, Date>();
  for (const activity of activities) {
    const id = LAUNCH_OF.exec(activity.Description ?? '')?.[1];
    const at = activity.StartTime;
    if (id === undefined || at === undefined) continue;
    const known = started.get(id);
    if (known === undefined || at > known) started.set(id, at);
  }
  return {
    instances: held.map((h) => {
      const launchedAt = started.get(h.instanceId);
      return launchedAt ? { ...h, launchedAt } : h;
    }),
  };
}
