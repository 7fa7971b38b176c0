import {
  AutoScalingClient,
  BatchDeleteScheduledActionCommand,
  BatchPutScheduledUpdateGroupActionCommand,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScheduledActionsCommand,
  type ScheduledUpdateGroupAction,
} from '@aws-sdk/client-auto-scaling';
import { MAX_SCHEDULED_ACTIONS, minuteOfAction } from '../decision/scheduledFloors';
import { AwsCallError, ResourceNotFoundError, ScalingError } from '../errors';
import { GROUP_STAGE_TAG, SCHEDULE_OWNER_TAG } from '../policy/fleetSchema';
import type { GroupScheduledAction, ScheduledActionsPort } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';

/** BatchPutScheduledUpdateGroupAction and BatchDeleteScheduledAction take at most 50 actions a call. */
const PER_BATCH = 50;

/** The IAM actions AutoScalingScheduledActions calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const autoScalingScheduledActionsIam: IamActions = {
  read: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeScheduledActions'],
  write: [
    'autoscaling:BatchPutScheduledUpdateGroupAction',
    'autoscaling:BatchDeleteScheduledAction',
    'autoscaling:CreateOrUpdateTags',
  ],
};

/** ScheduledActionsPort over EC2 Auto Scaling: the predict function's MinSize actions on a group. */
export class AutoScalingScheduledActions implements ScheduledActionsPort {
  private readonly client: AutoScalingClient;

  constructor(
    config: AwsConfig,
    /** The stage: the value of the ownership tag this stack sets and recognises. */
    private readonly owner: string,
    client?: AutoScalingClient,
  ) {
    this.client = client ?? new AutoScalingClient(clientOptions(config));
  }

  async group(name: string): Promise<{
    minSize: number;
    maxSize: number;
    owner?: 'this' | 'other';
    otherStage?: string;
    launchSuspended?: boolean;
    stageTagged: boolean;
  }> {
    const response = await this.client
      .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))
      .catch((cause: unknown) => {
        throw new AwsCallError('AutoScaling DescribeAutoScalingGroups', cause);
      });
    const group = response.AutoScalingGroups?.[0];
    if (!group) throw new ResourceNotFoundError('Auto Scaling group', name);
    const tag = group.Tags?.find((t) => t.Key === SCHEDULE_OWNER_TAG)?.Value;
    const owner =
      tag === undefined
        ? {}
        : tag === this.owner
          ? { owner: 'this' as const }
          : { owner: 'other' as const, otherStage: tag };
    // fleet.grantGroupsBy: tag: the role may write only on groups tagged with the stage's name.
    const stageTagged = group.Tags?.some((t) => t.Key === GROUP_STAGE_TAG && t.Value === this.owner) ?? false;
    const launchSuspended = group.SuspendedProcesses?.some((p) => p.ProcessName === 'Launch') ?? false;
    return {
      minSize: group.MinSize ?? 0,
      maxSize: group.MaxSize ?? 0,
      ...owner,
      ...(launchSuspended ? { launchSuspended } : {}),
      stageTagged,
    };
  }

  async markOwned(group: string): Promise<void> {
    await this.client
      .send(
        new CreateOrUpdateTagsCommand({
          Tags: [
            {
              ResourceId: group,
              ResourceType: 'auto-scaling-group',
              Key: SCHEDULE_OWNER_TAG,
              Value: this.owner,
              PropagateAtLaunch: false,
            },
          ],
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('AutoScaling CreateOrUpdateTags', cause);
      });
  }

  /**
   * Every scheduled action of the account and region named with `prefix`, page by page (AWS pages at 100);
   * no further page once `until` returns true. An account of many groups holds thousands of actions.
   */
  async ownedActions(
    prefix: string,
    until?: () => boolean,
  ): Promise<(GroupScheduledAction & { group: string })[]> {
    const actions: (GroupScheduledAction & { group: string })[] = [];
    for await (const a of this.pages(undefined, until))
      if (a.ScheduledActionName?.startsWith(prefix) && a.AutoScalingGroupName)
        actions.push({ ...actionOf(a), group: a.AutoScalingGroupName });
    return actions;
  }

  /** Every scheduled action of the group, page by page (AWS pages at 100). */
  async scheduledActions(group: string): Promise<GroupScheduledAction[]> {
    const actions: GroupScheduledAction[] = [];
    for await (const a of this.pages(group)) if (a.ScheduledActionName) actions.push(actionOf(a));
    return actions;
  }

  /**
   * DescribeScheduledActions of one group (or of all), every page (the operator's count against the 125 too),
   * or until `until` says stop.
   */
  private async *pages(
    group: string | undefined,
    until?: () => boolean,
  ): AsyncGenerator<ScheduledUpdateGroupAction> {
    let token: string | undefined;
    do {
      const page = await this.client
        .send(
          new DescribeScheduledActionsCommand({
            ...(group ? { AutoScalingGroupName: group } : {}),
            MaxRecords: 100,
            NextToken: token,
          }),
        )
        .catch((cause: unknown) => {
          throw new AwsCallError('AutoScaling DescribeScheduledActions', cause);
        });
      yield* page.ScheduledUpdateGroupActions ?? [];
      token = page.NextToken;
    } while (token && !until?.());
  }

  /**
   * Throws for the actions a delete failed on that are still there. One that ran between the describe and the
   * delete is gone, as wanted: DescribeScheduledActions lists only actions that have not run, and AWS removes a
   * one-time action once it has (the actions start on whole minutes, and a run comes at any second).
   */
  private async notDeleted(
    group: string,
    failed: readonly { ScheduledActionName?: string; ErrorMessage?: string; ErrorCode?: string }[],
  ): Promise<void> {
    const left = new Set((await this.scheduledActions(group)).map((a) => a.name));
    const still = failed.filter((f) => left.has(f.ScheduledActionName ?? ''));
    if (still.length > 0)
      throw new ScalingError(
        `could not delete scheduled action(s) of ${group}: ${still.map((f) => `${f.ScheduledActionName}: ${f.ErrorMessage ?? f.ErrorCode}`).join('; ')}`,
      );
  }

  /**
   * Puts the new actions, then deletes the old ones, so a put that fails (refused, throttled past its retries, the
   * function's time out) never leaves the group without the action that sets MinSize back: of the old actions, the
   * latest (by the minute its name ends in: a schedule's set-back, or the one a pause held) is deleted only once the
   * new ones are in; the others go first, so the group never holds the old set and the new together (AWS allows
   * 125) but for that one. A put whose name the group holds updates that action in place (it is not deleted); an
   * old action at a minute a put takes goes first (AWS takes one action a start time; a forecast action's name is
   * its target and minute, so that is another target's). Should the one held leave no room (a put refused, the
   * group at 125), it goes and the puts are made again. The puts go latest first: a put that fails part way leaves
   * the later actions, the one that sets MinSize back to the baseline among them, not earlier raises alone.
   */
  async replace(
    group: string,
    put: readonly { name: string; start: Date; minSize: number }[],
    remove: readonly string[],
  ): Promise<void> {
    const putting = new Set(put.map((a) => a.name));
    const removing = remove.filter((name) => !putting.has(name));
    const taken = new Set(put.map((a) => Math.floor(a.start.getTime() / 60_000) * 60_000));
    const tail = put.length > 0 ? latestNamed(removing) : undefined;
    const held = tail && !taken.has(tail.minute) ? tail.name : undefined;
    await this.deleteNamed(
      group,
      removing.filter((name) => name !== held),
    );
    try {
      await this.putAll(group, put);
    } catch (error) {
      if (held === undefined || !(await this.full(group))) throw error;
      await this.deleteNamed(group, [held]);
      await this.putAll(group, put);
      return;
    }
    if (held !== undefined) await this.deleteNamed(group, [held]);
  }

  /** Whether the group holds AWS's 125 scheduled actions (false when it cannot be read: the put's error stands). */
  private async full(group: string): Promise<boolean> {
    return this.scheduledActions(group).then(
      (actions) => actions.length >= MAX_SCHEDULED_ACTIONS,
      () => false,
    );
  }

  private async deleteNamed(group: string, remove: readonly string[]): Promise<void> {
    for (let i = 0; i < remove.length; i += PER_BATCH) {
      const names = remove.slice(i, i + PER_BATCH);
      const response = await this.client
        .send(
          new BatchDeleteScheduledActionCommand({ AutoScalingGroupName: group, ScheduledActionNames: names }),
        )
        .catch((cause: unknown) => {
          throw new AwsCallError('AutoScaling BatchDeleteScheduledAction', cause);
        });
      const failed = response.FailedScheduledActions ?? [];
      if (failed.length > 0) await this.notDeleted(group, failed);
    }
  }

  private async putAll(
    group: string,
    put: readonly { name: string; start: Date; minSize: number }[],
  ): Promise<void> {
    const byStart = [...put].sort((a, b) => b.start.getTime() - a.start.getTime());
    for (let i = 0; i < byStart.length; i += PER_BATCH) {
      const batch = byStart.slice(i, i + PER_BATCH);
      const response = await this.client
        .send(
          new BatchPutScheduledUpdateGroupActionCommand({
            AutoScalingGroupName: group,
            ScheduledUpdateGroupActions: batch.map((a) => ({
              ScheduledActionName: a.name,
              StartTime: a.start,
              MinSize: a.minSize,
            })),
          }),
        )
        .catch((cause: unknown) => {
          throw new AwsCallError('AutoScaling BatchPutScheduledUpdateGroupAction', cause);
        });
      const failed = response.FailedScheduledUpdateGroupActions ?? [];
      if (failed.length > 0)
        throw new ScalingError(
          `could not put scheduled action(s) on ${group}: ${failed.map((f) => `${f.ScheduledActionName}: ${f.ErrorMessage ?? f.ErrorCode}`).join('; ')}`,
        );
    }
  }
}

/** The forecast action of `names` whose name ends in the latest minute, with that minute; none for other names. */
function latestNamed(names: readonly string[]): { name: string; minute: number } | undefined {
  let latest: { name: string; minute: number } | undefined;
  for (const name of names) {
    const minute = minuteOfAction(name);
    if (minute !== undefined && (latest === undefined || minute > latest.minute)) latest = { name, minute };
  }
  return latest;
}

function actionOf(a: ScheduledUpdateGroupAction): GroupScheduledAction {
  return {
    name: a.ScheduledActionName ?? '',
    ...(a.StartTime ? { start: a.StartTime } : {}),
    ...(a.MinSize !== undefined ? { minSize: a.MinSize } : {}),
  };
}
