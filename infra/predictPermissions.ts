import { FORECAST_NAMESPACE } from '../shared/adapters/CloudWatchForecastMetrics';
import type { Policy } from '../shared/policy/schema';
import { baseStatements, lambdaRole, notifyStatements, type Statement } from './functionPermissions';

const sub = (s: string) => ({ 'Fn::Sub': s });

/** Every AWS action the predict function calls (its adapters' commands; a meta test checks them). */
export const predictActions = {
  history: ['cloudwatch:GetMetricData'],
  /** Forecast metrics: only in Scalepilot's namespace (PutMetricData takes no resource, only this condition). */
  publish: ['cloudwatch:PutMetricData'],
  /** Describe calls take no resource ARNs. */
  groupsRead: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeScheduledActions'],
  /** The scheduled MinSize actions: on the predictive targets' groups only. */
  groupsWrite: ['autoscaling:BatchPutScheduledUpdateGroupAction', 'autoscaling:BatchDeleteScheduledAction'],
  /** Floors (UpdateItem on the state), the forecast track (Get/Put), the decision log (Put). */
  ledger: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
};

/**
 * The predict function's role: metric history, its own metrics in the Scalepilot namespace, the ledger, the
 * topic, and scheduled actions on the groups of targets with `predictive: true` (none when there are none).
 * It can change no capacity directly: a MinSize it schedules is bounded by the group's MaxSize.
 */
export function predictRole(policy: Policy, functionName: string) {
  const groups = policy.targets.flatMap((t) =>
    t.kind === 'asg' && t.predictive
      ? [
          sub(
            `arn:\${AWS::Partition}:autoscaling:\${AWS::Region}:\${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/${t.autoScalingGroupName}`,
          ),
        ]
      : [],
  );
  const statements: Statement[] = [
    { Effect: 'Allow', Action: predictActions.history, Resource: '*' },
    {
      Effect: 'Allow',
      Action: predictActions.publish,
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': FORECAST_NAMESPACE } },
    },
    { Effect: 'Allow', Action: predictActions.groupsRead, Resource: '*' },
    ...(groups.length > 0
      ? [{ Effect: 'Allow' as const, Action: predictActions.groupsWrite, Resource: groups }]
      : []),
    { Effect: 'Allow', Action: predictActions.ledger, Resource: { 'Fn::GetAtt': ['LedgerTable', 'Arn'] } },
    ...notifyStatements(),
    ...baseStatements(functionName),
  ];
  return lambdaRole('predict-policy', statements);
}
