import { AutoScalingScheduledActions } from '../../shared/adapters/AutoScalingScheduledActions';
import type { AwsConfig } from '../../shared/adapters/awsConfig';
import { FORECAST_ACTION_PREFIX } from '../../shared/decision/scheduledFloors';
import { ScalingError } from '../../shared/errors';

/**
 * What the kill switch does not stop: the scheduled MinSize actions the predict function already put on the
 * stage's groups (the ones tagged as its own) go on firing at their times, up to 48 hours ahead; only `release`
 * deletes them. One line per group that has some, for `pause` to say; a read that fails is said, not thrown:
 * the stage is paused whatever this finds.
 */
export async function scheduleLeftLines(aws: AwsConfig, stage: string): Promise<string[]> {
  const groups = new AutoScalingScheduledActions(aws, stage);
  try {
    const byGroup = new Map<string, Date[]>();
    for (const a of await groups.ownedActions(FORECAST_ACTION_PREFIX))
      byGroup.set(a.group, [...(byGroup.get(a.group) ?? []), ...(a.start ? [a.start] : [])]);
    const lines: string[] = [];
    for (const [group, starts] of byGroup) {
      if ((await groups.group(group)).owner !== 'this') continue;
      const last = new Date(Math.max(...starts.map((s) => s.getTime())));
      lines.push(
        `group ${group}: ${starts.length} scheduled MinSize action(s) from the forecast still fire while paused, the last at ${last.toISOString().slice(0, 16)}Z; \`scalepilot release\` deletes them`,
      );
    }
    return lines;
  } catch (error) {
    const why = error instanceof ScalingError ? error.message : String(error);
    return [`could not check the groups for scheduled MinSize actions still to fire (${why})`];
  }
}
