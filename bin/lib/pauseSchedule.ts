import { AutoScalingScheduledActions } from '../../shared/adapters/AutoScalingScheduledActions';
import type { AwsConfig } from '../../shared/adapters/awsConfig';
import {
  FORECAST_ACTION_PREFIX,
  isHeldSetBack,
  type ScheduledMinSize,
  targetOfAction,
} from '../../shared/decision/scheduledFloors';
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
      if (keep) {
        lines.push(`group ${group}: ${stillFiring(actions, now())}`);
        continue;
      }
      try {
        lines.push(await clearGroup(groups, { group, actions, minSize }, now()));
      } catch (error) {
        problems.push(`group ${group}: ${notDeleted(actions, now(), messageOf(error))}; run pause again`);
      }
    }
  } catch (error) {
    problems.push(
      `could not check the groups for scheduled MinSize actions still to fire (${messageOf(error)})`,
    );
  }
  return { lines, problems };
}

/**
 * Deletes a group's forecast actions, holding a set-back per target where they raised MinSize (planHold), and
 * says so: the actions deleted counted apart from the set-backs held, a new one put or one an earlier pause (or
 * paused run) held and kept, neither of which fires while paused.
 */
async function clearGroup(
  groups: AutoScalingScheduledActions,
  { group, actions, minSize }: { group: string; actions: GroupScheduledAction[]; minSize?: number },
  now: Date,
): Promise<string> {
  const holds: ScheduledMinSize[] = [];
  const kept: GroupScheduledAction[] = [];
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
    const plan = await planHold(withHolds, leftover, minSize, baselineOf(leftover, undefined), now);
    if (plan?.hold) holds.push(plan.hold);
    const deleting = new Set(plan?.names ?? []);
    names.push(...deleting);
    kept.push(...own.filter((a) => !deleting.has(a.name)));
  }
  if (names.length === 0)
    return `group ${group}: MinSize stays ${minSize}; only the set-back a pause held is there`;
  await groups.replace(group, holds, names);
  const setBacks = [
    ...holds.map((h) => `its set-back to ${h.minSize} is held at ${minute(h.start)}`),
    ...kept.map(
      (a) =>
        `its set-back to ${a.minSize}, held at ${a.start ? minute(a.start) : 'an unknown time'}, is kept`,
    ),
  ];
  const held = setBacks.length > 0 ? ` (${setBacks.join(', ')}, and does not fire while paused)` : '';
  return `group ${group}: ${names.length} scheduled MinSize action(s) from the forecast deleted; MinSize stays ${minSize}${held}, and the first hourly forecast run after resume places them again${held ? ' or sets it back' : ''}`;
}

/** `--keep-schedule`: the actions that fire while paused, apart from a set-back a pause held (a year ahead). */
function stillFiring(actions: readonly GroupScheduledAction[], now: Date): string {
  const held = actions.filter((a) => isHeldSetBack(a, now)).length;
  const firing = actions.filter((a) => !isHeldSetBack(a, now));
  const count = `${firing.length} scheduled MinSize action(s) from the forecast`;
  const also = held > 0 ? `; and ${held} set-back(s) a pause held, which do not fire while paused` : '';
  return firing.length > 0
    ? `${count} still fire while paused, the last at ${lastStart(firing)}${also}`
    : `only ${held} set-back(s) a pause held, which do not fire while paused`;
}

/** A group whose actions could not all be deleted: those that fire while paused (a held set-back does not). */
function notDeleted(actions: readonly GroupScheduledAction[], now: Date, why: string): string {
  const firing = actions.filter((a) => !isHeldSetBack(a, now));
  return firing.length > 0
    ? `${firing.length} scheduled MinSize action(s) from the forecast could not be deleted (${why}): those left fire while paused, the last at ${lastStart(firing)}`
    : `the set-back a pause held could not be checked or changed (${why}): it does not fire while paused`;
}

const minute = (at: Date) => `${at.toISOString().slice(0, 16)}Z`;

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
  return starts.length === 0 ? 'an unknown time' : minute(new Date(Math.max(...starts)));
}

const messageOf = (error: unknown) => (error instanceof ScalingError ? error.message : String(error));
