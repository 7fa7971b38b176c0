import { AutoScalingScheduledActions } from '../../shared/adapters/AutoScalingScheduledActions';
import type { AwsConfig } from '../../shared/adapters/awsConfig';
import { FORECAST_ACTION_PREFIX, targetOfAction } from '../../shared/decision/scheduledFloors';
import { ScalingError } from '../../shared/errors';
import type { GroupScheduledAction } from '../../shared/ports';
import { baselineOf, planHold } from '../../shared/usecases/pruneScheduledActions';

/** What `pause` did with the forecast's scheduled MinSize actions: a line per group, and what it could not do. */
export interface ScheduleLeft {
  readonly lines: string[];
  readonly problems: string[];
}

/**
 * The scheduled MinSize actions the predict function put on the stage's groups (the ones tagged as its own)
 * fire at their times whatever the kill switch says: AWS runs them, up to 48 hours ahead. `pause` deletes them
 * (`keep`: only names them), so a paused stage changes nothing; a MinSize one of them already raised stays as
 * it is (paused is frozen), and predict, which writes none while paused, places them again in its first hourly
 * run after `resume`. AWS keeps no old MinSize: so where one of them raised it, the set-back (MinSize back to the
 * lowest the deleted actions planned, the target's `capacity.min`) is held, one action a year ahead that does not
 * fire while paused, which the first run after `resume` brings forward or replaces, as the hourly run does while
 * paused (planHold). A read, put or delete that fails is said, not thrown: the stage is paused whatever this finds.
 */
export async function pauseSchedule(
  aws: AwsConfig,
  stage: string,
  keep: boolean,
  now: () => Date = () => new Date(),
): Promise<ScheduleLeft> {
  const groups = new AutoScalingScheduledActions(aws, stage);
  const lines: string[] = [];
  const problems: string[] = [];
  try {
    const byGroup = new Map<string, GroupScheduledAction[]>();
    for (const a of await groups.ownedActions(FORECAST_ACTION_PREFIX))
      byGroup.set(a.group, [...(byGroup.get(a.group) ?? []), a]);
    for (const [group, actions] of byGroup) {
      const { owner, minSize } = await groups.group(group);
      if (owner !== 'this') continue;
      const count = `${actions.length} scheduled MinSize action(s) from the forecast`;
      if (keep) {
        lines.push(`group ${group}: ${count} still fire while paused, the last at ${lastStart(actions)}`);
        continue;
      }
      try {
        const holds: { name: string; start: Date; minSize: number }[] = [];
        // The holds planned so far take their minutes too: they are put together, after all are planned.
        const withHolds = {
          scheduledActions: async (g: string) => [...(await groups.scheduledActions(g)), ...holds],
        };
        const names: string[] = [];
        for (const [target, own] of byTarget(actions)) {
          if (target === undefined) {
            names.push(...own.map((a) => a.name));
            continue;
          }
          const leftover = { target, group, actions: own };
          const plan = await planHold(withHolds, leftover, minSize, baselineOf(leftover, undefined), now());
          if (plan?.hold) holds.push(plan.hold);
          names.push(...(plan?.names ?? []));
        }
        if (names.length === 0) {
          lines.push(`group ${group}: MinSize stays ${minSize}; only the set-back a pause held is there`);
          continue;
        }
        await groups.replace(group, holds, names);
        const held = holds.map(
          (h) => `its set-back to ${h.minSize} is held at ${h.start.toISOString().slice(0, 16)}Z`,
        );
        lines.push(
          `group ${group}: ${count} deleted; MinSize stays ${minSize}${held.length > 0 ? ` (${held.join(', ')}, and does not fire while paused)` : ''}, and the first hourly forecast run after resume places them again${held.length > 0 ? ' or sets it back' : ''}`,
        );
      } catch (error) {
        problems.push(
          `group ${group}: ${count} could not be deleted (${messageOf(error)}): those left fire while paused, the last at ${lastStart(actions)}; run pause again`,
        );
      }
    }
  } catch (error) {
    problems.push(
      `could not check the groups for scheduled MinSize actions still to fire (${messageOf(error)})`,
    );
  }
  return { lines, problems };
}

/** A group's forecast actions by the target they are named for (undefined: names that say none). */
function byTarget(actions: readonly GroupScheduledAction[]): Map<string | undefined, GroupScheduledAction[]> {
  const map = new Map<string | undefined, GroupScheduledAction[]>();
  for (const a of actions) {
    const target = targetOfAction(a.name);
    map.set(target, [...(map.get(target) ?? []), a]);
  }
  return map;
}

function lastStart(actions: readonly { start?: Date }[]): string {
  const starts = actions.flatMap((a) => (a.start ? [a.start.getTime()] : []));
  return starts.length === 0
    ? 'an unknown time'
    : `${new Date(Math.max(...starts)).toISOString().slice(0, 16)}Z`;
}

const messageOf = (error: unknown) => (error instanceof ScalingError ? error.message : String(error));
