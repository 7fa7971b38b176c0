import { FORECAST_NAMESPACE } from '../shared/adapters/CloudWatchForecastMetrics';
import type { IamActions } from '../shared/adapters/iamActions';
import { SCHEDULE_OWNER_TAG } from '../shared/policy/fleetSchema';
import { predictiveGroups } from '../shared/policy/predictiveGroups';
import type { Policy } from '../shared/policy/schema';
import { arn, pick, type Statement } from './functionPermissions';
import { anyGroup, taggedForStage } from './groupGrants';

export { predictiveGroups };

/**
 * Forecast metrics only in the forecast's namespace (PutMetricData takes no resource, only this condition): not in
 * `Scalepilot`, where the counts the failure and deferral alarms watch are.
 */
export function forecastMetricStatements(iam: IamActions): Statement[] {
  return [
    {
      Effect: 'Allow',
      Action: pick(iam, 'cloudwatch:PutMetricData'),
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': FORECAST_NAMESPACE } },
    },
  ];
}

/**
 * The scheduled MinSize actions (issue 20, items 6 and 7): put, delete and the ownership tag on the predictive
 * targets' groups (the tag only with this stage's value); and delete and put on any group that carries this
 * stage's ownership tag, so actions left behind by a target that left the policy can go, and the one action
 * that sets a MinSize they raised back be put (AWS keeps no old value: without it, MinSize stayed raised). With `fleet.grantGroupsBy: tag`
 * the first two hold on the groups tagged with the stage's name instead of the list. Predict can change no
 * capacity directly; a MinSize it schedules is bounded by the group's MaxSize (AWS). BatchPut takes no size
 * condition, so the grant would let an action set MaxSize or the desired capacity too: predict's adapter puts
 * MinSize only (AutoScalingScheduledActions.replace).
 */
export function scheduledActionWrites(policy: Policy, iam: IamActions, stage: string): Statement[] {
  const groups = predictiveGroups(policy).map((name) =>
    arn('autoscaling', `autoScalingGroup:*:autoScalingGroupName/${name}`),
  );
  // By tag (fleet.grantGroupsBy): the groups tagged with the stage's name, however many, in place of the list.
  const byTag = policy.fleet.grantGroupsBy === 'tag';
  const where = byTag ? { Resource: anyGroup, Condition: taggedForStage(stage) } : { Resource: groups };
  const named: Statement[] =
    groups.length > 0
      ? [
          {
            Effect: 'Allow',
            Action: pick(
              iam,
              'autoscaling:BatchPutScheduledUpdateGroupAction',
              'autoscaling:BatchDeleteScheduledAction',
            ),
            ...where,
          },
          {
            Effect: 'Allow',
            Action: pick(iam, 'autoscaling:CreateOrUpdateTags'),
            Resource: where.Resource,
            Condition: {
              StringEquals: {
                ...(byTag ? taggedForStage(stage).StringEquals : {}),
                [`aws:RequestTag/${SCHEDULE_OWNER_TAG}`]: stage,
              },
              'ForAllValues:StringEquals': { 'aws:TagKeys': [SCHEDULE_OWNER_TAG] },
            },
          },
        ]
      : [];
  return [
    ...named,
    {
      Effect: 'Allow',
      Action: pick(
        iam,
        'autoscaling:BatchDeleteScheduledAction',
        'autoscaling:BatchPutScheduledUpdateGroupAction',
      ),
      Resource: anyGroup,
      Condition: { StringEquals: { [`autoscaling:ResourceTag/${SCHEDULE_OWNER_TAG}`]: stage } },
    },
  ];
}
