import type { Policy, TargetKind } from '../shared/policy/schema';
import { functionByKind, targetResource } from '../shared/policy/targetResource';

type Statement = { Effect: 'Allow'; Action: string[]; Resource: unknown };
const sub = (s: string) => ({ 'Fn::Sub': s });

/**
 * Every AWS action each scaler calls, and on what (Cloud Custodian's rule: an action declares the IAM it
 * needs). The function roles are built from this table, and a meta test checks that every SDK command an
 * adapter sends is declared here.
 */
export const actionsByKind: Record<TargetKind, { read: string[]; write: string[] }> = {
  asg: {
    read: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeInstanceRefreshes'],
    write: ['autoscaling:SetDesiredCapacity'],
  },
  'rds-replicas': {
    read: ['rds:DescribeDBInstances'],
    write: ['rds:CreateDBInstanceReadReplica', 'rds:DeleteDBInstance', 'rds:AddTagsToResource'],
  },
  'cache-shards': {
    read: ['elasticache:DescribeReplicationGroups'],
    write: ['elasticache:ModifyReplicationGroupShardConfiguration'],
  },
};

/** Actions every scaler needs besides its resource: metrics, the ledger, the topic, the DLQ. */
export const commonActions = {
  metrics: ['cloudwatch:GetMetricData'],
  ledger: [
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:Query',
  ],
  notify: ['sns:Publish'],
  deadLetter: ['sqs:SendMessage'],
};

function writeResources(policy: Policy, kind: TargetKind): unknown[] {
  return policy.targets
    .filter((t) => t.kind === kind)
    .flatMap((t) => {
      const name = targetResource(t);
      if (kind === 'asg')
        return [
          sub(
            `arn:\${AWS::Partition}:autoscaling:\${AWS::Region}:\${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/${name}`,
          ),
        ];
      if (kind === 'rds-replicas')
        return [
          sub(`arn:\${AWS::Partition}:rds:\${AWS::Region}:\${AWS::AccountId}:db:${name}`),
          sub(`arn:\${AWS::Partition}:rds:\${AWS::Region}:\${AWS::AccountId}:db:${name}-sp-*`),
        ];
      return [
        sub(`arn:\${AWS::Partition}:elasticache:\${AWS::Region}:\${AWS::AccountId}:replicationgroup:${name}`),
      ];
    });
}

/** The IAM role of one scaler: its own resources only, so the ASG scaler cannot touch a database. */
export function scalerRole(policy: Policy, kind: TargetKind, functionName: string) {
  const writes = writeResources(policy, kind);
  const statements: Statement[] = [
    { Effect: 'Allow', Action: actionsByKind[kind].read, Resource: '*' }, // Describe* calls do not take resource ARNs
    { Effect: 'Allow', Action: commonActions.metrics, Resource: '*' },
    { Effect: 'Allow', Action: commonActions.ledger, Resource: { 'Fn::GetAtt': ['LedgerTable', 'Arn'] } },
    { Effect: 'Allow', Action: commonActions.notify, Resource: { Ref: 'NotificationTopic' } },
    {
      Effect: 'Allow',
      Action: commonActions.deadLetter,
      Resource: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
    },
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: sub(
        `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName}:*`,
      ),
    },
    { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
  ];
  if (writes.length > 0)
    statements.push({ Effect: 'Allow', Action: actionsByKind[kind].write, Resource: writes });
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      Policies: [
        {
          PolicyName: `${functionByKind[kind]}-policy`,
          PolicyDocument: { Version: '2012-10-17', Statement: statements },
        },
      ],
    },
  };
}
