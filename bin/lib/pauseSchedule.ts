import { AutoScalingScheduledActions } from '../../shared/adapters/AutoScalingScheduledActions';
import type { AwsConfig } from '../../shared/adapters/awsConfig';
import { FORECAST_ACTION_PREFIX } from '../../shared/decision/scheduledFloors';
import { ScalingError } from '../../shared/errors';

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
 * run after `resume`. A read or delete that fails is said, not thrown: the stage is paused whatever this finds.
 */
export async function pauseSchedule(aws: AwsConfig, stage: string, keep: boolean): Promise<ScheduleLeft> {
  const groups = new AutoScalingScheduledActions(aws, stage);
  const lines: string[] = [];
  const problems: string[] = [];
  try {
    const byGroup = new Map<string, { name: string; start?: Date }[]>();
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
        await groups.replace(
          group,
          [],
          actions.map((a) => a.name),
        );
        lines.push(
          `group ${group}: ${count} deleted; MinSize stays ${minSize}, and the first hourly forecast run after resume places them again`,
        );
      } catch (error) {
        problems.push(
          `group ${group}: ${count} could not be deleted (${messageOf(error)}): they fire while paused, the last at ${lastStart(actions)}; run pause again`,
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

function lastStart(actions: readonly { start?: Date }[]): string {
  const starts = actions.flatMap((a) => (a.start ? [a.start.getTime()] : []));
  return starts.length === 0
    ? 'an unknown time'
    : `${new Date(Math.max(...starts)).toISOString().slice(0, 16)}Z`;
}

const messageOf = (error: unknown) => (error instanceof ScalingError ? error.message : String(error));
