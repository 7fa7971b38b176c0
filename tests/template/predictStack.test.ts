import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { exampleTemplate } from '../harness/slsPackage';

// The predict function as the real osls CLI packages it (offline, dummy credentials): its schedule, delivery
// limits and the IAM of its role in the template CloudFormation would receive.

type Statement = { Effect: string; Action: string[]; Resource: unknown; Condition?: unknown };
type Resource = { Type: string; Properties: Record<string, any> };
let resources: Record<string, Resource>;

beforeAll(async () => {
  resources = JSON.parse(readFileSync(await exampleTemplate(), 'utf8')).Resources;
});

const statements = (): Statement[] =>
  (
    (resources.PredictRole?.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]
  ).flatMap((p) => p.PolicyDocument.Statement);

describe('the packaged predict function', () => {
  it('runs hourly under its own role, with the DLQ, a one-hour event age and at most 2 retries', () => {
    const fn = resources.PredictLambdaFunction?.Properties;
    expect(fn?.Role).toEqual({ 'Fn::Sub': `\${PredictRole.Arn}` });
    expect(fn?.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } });
    const rule = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::Events::Rule' &&
        JSON.stringify(r.Properties.Targets).includes('PredictLambdaFunction'),
    );
    expect(rule?.Properties.ScheduleExpression).toBe('rate(1 hour)');
    const config = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventInvokeConfig' &&
        r.Properties.FunctionName?.Ref === 'PredictLambdaFunction',
    );
    expect(config?.Properties).toMatchObject({ MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 2 });
  });

  it('has only what it needs: history, its namespace’s metrics, the named group’s scheduled actions, the ledger, the topic', () => {
    const allowed = statements().filter((s) => s.Effect === 'Allow');
    const actions = allowed.flatMap((s) => s.Action).sort();
    expect(actions).toEqual(
      [
        'autoscaling:BatchDeleteScheduledAction',
        'autoscaling:BatchPutScheduledUpdateGroupAction',
        // Issue 20, item 6: actions left behind are deleted on groups tagged as this stage's (and the one that
        // sets MinSize back put there), and the tag set.
        'autoscaling:BatchDeleteScheduledAction',
        'autoscaling:BatchPutScheduledUpdateGroupAction',
        'autoscaling:CreateOrUpdateTags',
        'autoscaling:DescribeAutoScalingGroups',
        'autoscaling:DescribeScheduledActions',
        'cloudwatch:GetMetricData',
        'cloudwatch:PutMetricData',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        // The ledger adapter's read of the decision log and its batched reads and records (issue 23): roles are
        // built per adapter (infra/functionAdapters.ts), on the ledger table only.
        'dynamodb:Query',
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:UpdateItem',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sns:Publish',
        'sqs:SendMessage',
        // Issue 20, item 3: the kill switch.
        'ssm:GetParameter',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    const by = (action: string) => allowed.filter((s) => s.Action.includes(action));
    expect(by('cloudwatch:PutMetricData')[0]?.Condition).toEqual({
      StringEquals: { 'cloudwatch:namespace': 'Scalepilot/Forecast' },
    });
    expect(by('autoscaling:BatchPutScheduledUpdateGroupAction').find((s) => !s.Condition)?.Resource).toEqual([
      {
        'Fn::Sub': `arn:\${AWS::Partition}:autoscaling:\${AWS::Region}:\${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/event-platform-api`,
      },
    ]);
    expect(by('dynamodb:PutItem')[0]?.Resource).toEqual({ 'Fn::GetAtt': ['LedgerTable', 'Arn'] });
    expect(by('sns:Publish')[0]?.Resource).toEqual({ Ref: 'NotificationTopic' });
  });
});
