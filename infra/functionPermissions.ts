import type { Policy, TargetKind } from '../shared/policy/schema';
import { functionByKind, targetResource } from '../shared/policy/targetResource';

type Statement = { Effect: 'Allow'; Action: string[]; Resource: unknown; Condition?: unknown };
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

/** What the cost function calls besides the ledger, the topic and the DLQ. */
export const costActions = {
  costExplorer: ['ce:GetCostAndUsage', 'ce:GetCostForecast'],
  webhookParameter: ['ssm:GetParameter'],
};

/** Statements every function's role has: logs, traces, the dead-letter queue. */
function baseStatements(functionName: string): Statement[] {
  return [
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
}

function lambdaRole(policyName: string, statements: Statement[]) {
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
        { PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: statements } },
      ],
    },
  };
}

/**
 * The cost function's role: Cost Explorer (which takes no resource ARNs), its alert claims and the
 * decision log in the ledger, the topic, and the webhook's SecureString when the policy names one
 * (decrypted with the SSM-managed key, through SSM only).
 */
export function costRole(policy: Policy, functionName: string) {
  const statements: Statement[] = [
    { Effect: 'Allow', Action: costActions.costExplorer, Resource: '*' },
    {
      Effect: 'Allow',
      Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
      Resource: { 'Fn::GetAtt': ['LedgerTable', 'Arn'] },
    },
    { Effect: 'Allow', Action: commonActions.notify, Resource: { Ref: 'NotificationTopic' } },
    ...baseStatements(functionName),
  ];
  const parameter = policy.notifications.webhookParameterName;
  if (parameter)
    statements.push(
      {
        Effect: 'Allow',
        Action: costActions.webhookParameter,
        Resource: sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${parameter}`),
      },
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': sub(`ssm.\${AWS::Region}.amazonaws.com`) } },
      },
    );
  return lambdaRole('alertCost-policy', statements);
}

/** The IAM role of one scaler: its own resources only, so the ASG scaler cannot touch a database. */
export function scalerRole(policy: Policy, kind: TargetKind, functionName: string) {
  const writes = writeResources(policy, kind);
  const statements: Statement[] = [
    { Effect: 'Allow', Action: actionsByKind[kind].read, Resource: '*' }, // Describe* calls do not take resource ARNs
    { Effect: 'Allow', Action: commonActions.metrics, Resource: '*' },
    { Effect: 'Allow', Action: commonActions.ledger, Resource: { 'Fn::GetAtt': ['LedgerTable', 'Arn'] } },
    { Effect: 'Allow', Action: commonActions.notify, Resource: { Ref: 'NotificationTopic' } },
    ...baseStatements(functionName),
  ];
  if (writes.length > 0)
    statements.push({ Effect: 'Allow', Action: actionsByKind[kind].write, Resource: writes });
  return lambdaRole(`${functionByKind[kind]}-policy`, statements);
}
