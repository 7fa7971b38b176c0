import { FORECAST_NAMESPACE } from '../shared/adapters/CloudWatchForecastMetrics';
import type { IamActions } from '../shared/adapters/iamActions';
import type { Policy } from '../shared/policy/schema';
import { arn, pick, type Statement } from './functionPermissions';

/** The Auto Scaling groups of the policy's predictive targets: where predict may write scheduled actions. */
export function predictiveGroups(policy: Policy): string[] {
  return policy.targets.flatMap((t) => (t.kind === 'asg' && t.predictive ? [t.autoScalingGroupName] : []));
}

/** Forecast metrics only in Scalepilot's namespace (PutMetricData takes no resource, only this condition). */
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
 * The scheduled MinSize actions, on the predictive targets' groups only (none when there are none): predict
 * can change no capacity directly, and a MinSize it schedules is bounded by the group's MaxSize.
 */
export function scheduledActionWrites(policy: Policy, iam: IamActions): Statement[] {
  const groups = predictiveGroups(policy).map((name) =>
    arn('autoscaling', `autoScalingGroup:*:autoScalingGroupName/${name}`),
  );
  return groups.length > 0
    ? [
        {
          Effect: 'Allow',
          Action: pick(
            iam,
            'autoscaling:BatchPutScheduledUpdateGroupAction',
            'autoscaling:BatchDeleteScheduledAction',
          ),
          Resource: groups,
        },
      ]
    : [];
}
