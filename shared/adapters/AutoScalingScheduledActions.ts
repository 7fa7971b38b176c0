import {
  AutoScalingClient,
  BatchDeleteScheduledActionCommand,
  BatchPutScheduledUpdateGroupActionCommand,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScheduledActionsCommand,
  type ScheduledUpdateGroupAction,
} from '@aws-sdk/client-auto-scaling';
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
   * Deletes first, then puts: the group never holds the old and the new set together (AWS allows 125). The puts
   * go latest first: a put that fails part way (throttled past its retries, the function's time out) leaves
   * the later actions, the one that sets MinSize back to the baseline among them, not earlier raises alone.
   */
  async replace(
    group: string,
    put: readonly { name: string; start: Date; minSize: number }[],
    remove: readonly string[],
  ): Promise<void> {
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

function actionOf(a: ScheduledUpdateGroupAction): GroupScheduledAction {
  return {
    name: a.ScheduledActionName ?? '',
    ...(a.StartTime ? { start: a.StartTime } : {}),
    ...(a.MinSize !== undefined ? { minSize: a.MinSize } : {}),
  };
}
