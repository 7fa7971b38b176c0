import { pauseParameterName } from '../shared/adapters/SsmPauseSwitch';
import { needsLiveUnit } from '../shared/cost/scalingCost';
import { REPLICAS_TAG } from '../shared/decision/cacheShards';
import { DRAINING_TAG } from '../shared/decision/rdsReplicas';
import { replicaPrefix } from '../shared/decision/rdsReplicasNames';
import type { CacheShardsTarget, Policy, RdsReplicasTarget, TargetKind } from '../shared/policy/schema';
import { functionByKind, targetResource } from '../shared/policy/targetResource';

export type Statement = { Effect: 'Allow'; Action: string[]; Resource: unknown; Condition?: unknown };
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
    // DescribeEvents: how long a busy source has been busy; DescribeScalableTargets: Aurora Auto Scaling on a
    // cluster (issue 21).
    read: [
      'rds:DescribeDBInstances',
      'rds:DescribeDBClusters',
      'rds:DescribeEvents',
      'application-autoscaling:DescribeScalableTargets',
    ],
    write: [
      'rds:CreateDBInstanceReadReplica',
      'rds:DeleteDBInstance',
      'rds:AddTagsToResource',
      'rds:RemoveTagsFromResource',
    ],
  },
  'cache-shards': {
    read: [
      'elasticache:DescribeReplicationGroups',
      'elasticache:DescribeCacheClusters',
      'elasticache:DescribeServerlessCaches',
      'elasticache:DescribeEvents',
      'elasticache:ListTagsForResource',
      'application-autoscaling:DescribeScalableTargets',
      // The nodes-per-cluster quota checked before a reshard (issue 21); unreadable: the documented 90.
      'servicequotas:GetServiceQuota',
    ],
    // The replica actions are granted only to targets with replicaScaling (see cacheStatements).
    write: [
      'elasticache:ModifyReplicationGroupShardConfiguration',
      'elasticache:IncreaseReplicaCount',
      'elasticache:DecreaseReplicaCount',
      'elasticache:AddTagsToResource',
    ],
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
  /** The topic is encrypted with a key of its own (serverless.yml): publishing uses it. */
  notifyKey: ['kms:GenerateDataKey', 'kms:Decrypt'],
  deadLetter: ['sqs:SendMessage'],
  pauseSwitch: ['ssm:GetParameter'],
};

/** The tags Scalepilot puts on every replica it creates; deleting one needs them (see rdsStatements). */
export const MANAGED_TAG = 'scalepilot:managed';
export const TARGET_TAG = 'scalepilot:target';

const arn = (service: string, resource: string) =>
  sub(`arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`);

/**
 * The only mutating statements of a scaler's role: the scaling action itself on each target's resource
 * (SetDesiredCapacity on the named group, ModifyReplicationGroupShardConfiguration on the named
 * replication group), and for RDS the replica life cycle below. Nothing may delete, modify or reboot a
 * group, a replication group or a source database.
 */
function writeStatements(policy: Policy, kind: TargetKind): Statement[] {
  return policy.targets
    .filter((t) => t.kind === kind)
    .flatMap((t): Statement[] => {
      const name = targetResource(t);
      if (t.kind === 'asg')
        return [
          {
            Effect: 'Allow',
            Action: actionsByKind.asg.write,
            Resource: arn('autoscaling', `autoScalingGroup:*:autoScalingGroupName/${name}`),
          },
        ];
      if (t.kind === 'rds-replicas') return [...rdsStatements(t), ...readerDiscoveryStatements(t)];
      return cacheStatements(t);
    });
}

/**
 * A cache-shards target's mutations, on its replication group only, each capped by the policy's range
 * through ElastiCache's numeric condition keys (so even a faulty decision cannot leave it):
 * - ModifyReplicationGroupShardConfiguration with `elasticache:NumNodeGroups` (the NodeGroupCount asked
 *   for) within capacity.min..max;
 * - with replicaScaling only: Increase/DecreaseReplicaCount with `elasticache:ReplicasPerNodeGroup` (the
 *   NewReplicaCount) within replicaScaling.min..max, and the one tag that records when replicas changed.
 */
function cacheStatements(t: CacheShardsTarget): Statement[] {
  const group = arn('elasticache', `replicationgroup:${t.replicationGroupId}`);
  const within = (key: string, min: number, max: number) => ({
    NumericGreaterThanEquals: { [key]: String(min) },
    NumericLessThanEquals: { [key]: String(max) },
  });
  const statements: Statement[] = [
    {
      Effect: 'Allow',
      Action: ['elasticache:ModifyReplicationGroupShardConfiguration'],
      Resource: group,
      Condition: within('elasticache:NumNodeGroups', Math.max(1, t.capacity.min), t.capacity.max),
    },
  ];
  const replicas = t.replicaScaling;
  if (replicas)
    statements.push(
      {
        Effect: 'Allow',
        Action: ['elasticache:IncreaseReplicaCount', 'elasticache:DecreaseReplicaCount'],
        Resource: group,
        Condition: within('elasticache:ReplicasPerNodeGroup', replicas.min, replicas.max),
      },
      {
        Effect: 'Allow',
        Action: ['elasticache:AddTagsToResource'],
        Resource: group,
        Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [REPLICAS_TAG] } },
      },
    );
  return statements;
}

/**
 * An RDS target's replica life cycle, tag-based (ABAC):
 * - CreateDBInstanceReadReplica is authorised against the new replica *and* the source instance, so the
 *   source ARN must appear; creating a replica reads the source and changes nothing on it, and it is the
 *   only action this role has on the source. Both ARNs require the request to carry Scalepilot's two
 *   tags, the target's name in `scalepilot:target` (the source's own tags come along; never the draining tag).
 * - Tags given on create are authorised again as AddTagsToResource: allowed only with the same two tags
 *   and values in the request, on replica names only. RDS has no condition key naming the creating action (EC2's
 *   `ec2:CreateAction` has no RDS counterpart; `rds:TagsFromRequest` is true for a direct
 *   AddTagsToResource too), so at worst this role could mark an instance named `<source>-sp-*` as its
 *   own target's replica; it can never tag or touch the source or any other name.
 * - DeleteDBInstance only on replica names (`<source>-sp-*`) that carry both tags with this target's name:
 *   a hand-made replica, another target's replica or the source can never be deleted by this role.
 * - Draining (issue 12): AddTagsToResource / RemoveTagsFromResource of the one key `scalepilot:draining`,
 *   only on replicas that already carry both tags with this target's name.
 * - Aurora: the reader is CreateDBInstance, authorised against the cluster (and the parameter group it
 *   names) under the same request-tag conditions; the cluster and its writer are never modified.
 */
function rdsStatements(t: RdsReplicasTarget): Statement[] {
  const target = t.name;
  const source = t.sourceDbInstanceIdentifier;
  // Replica names are `<source>-sp-<n>` (long sources: a shortened, hashed prefix; see rdsReplicasNames).
  const replicaArn = arn('rds', `db:${replicaPrefix(source)}*`);
  // Aurora: a reader is CreateDBInstance in the cluster (authorised against the cluster and the parameter
  // group it names); nothing on the writer or the cluster itself.
  const create = t.aurora ? 'rds:CreateDBInstance' : 'rds:CreateDBInstanceReadReplica';
  const sourceArns = t.aurora
    ? [arn('rds', `cluster:${source}`), arn('rds', 'pg:*')]
    : [arn('rds', `db:${source}`)];
  // Scalepilot's two tags with this target's name must be in the request; the source's own tags come along
  // (copied to the replica), but never the draining tag, which only the statement below may set.
  const requestTags = {
    StringEquals: { [`aws:RequestTag/${MANAGED_TAG}`]: 'true', [`aws:RequestTag/${TARGET_TAG}`]: target },
    'ForAllValues:StringNotEquals': { 'aws:TagKeys': [DRAINING_TAG] },
  };
  return [
    {
      Effect: 'Allow',
      Action: [create],
      Resource: [...sourceArns, replicaArn],
      Condition: requestTags,
    },
    {
      Effect: 'Allow',
      Action: ['rds:AddTagsToResource'],
      Resource: replicaArn,
      Condition: requestTags,
    },
    {
      Effect: 'Allow',
      Action: ['rds:DeleteDBInstance'],
      Resource: replicaArn,
      Condition: {
        StringEquals: { [`rds:db-tag/${MANAGED_TAG}`]: 'true', [`rds:db-tag/${TARGET_TAG}`]: target },
      },
    },
    // Draining: the one tag set and removed after creation, only on this target's own tagged replicas.
    {
      Effect: 'Allow',
      Action: ['rds:AddTagsToResource', 'rds:RemoveTagsFromResource'],
      Resource: replicaArn,
      Condition: {
        StringEquals: { [`rds:db-tag/${MANAGED_TAG}`]: 'true', [`rds:db-tag/${TARGET_TAG}`]: target },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [DRAINING_TAG] },
      },
    },
  ];
}

/**
 * Reader discovery, when the target names it: the weighted records of its one record name (CNAME only)
 * in its zone, and its one SSM parameter.
 */
function readerDiscoveryStatements(t: RdsReplicasTarget): Statement[] {
  const d = t.readerDiscovery;
  if (!d) return [];
  const statements: Statement[] = [];
  if (d.route53) {
    const zone = sub(`arn:\${AWS::Partition}:route53:::hostedzone/${d.route53.hostedZoneId}`);
    statements.push(
      { Effect: 'Allow', Action: ['route53:ListResourceRecordSets'], Resource: zone },
      {
        Effect: 'Allow',
        Action: ['route53:ChangeResourceRecordSets'],
        Resource: zone,
        Condition: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': [
              d.route53.recordName.toLowerCase().replace(/\.$/, ''),
            ],
            'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
          },
        },
      },
    );
  }
  if (d.ssmParameterName)
    statements.push({
      Effect: 'Allow',
      Action: ['ssm:GetParameter', 'ssm:PutParameter'],
      Resource: sub(
        `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${d.ssmParameterName}`,
      ),
    });
  return statements;
}

/** What the cost function calls besides the ledger, the topic and the DLQ. */
export const costActions = {
  costExplorer: ['ce:GetCostAndUsage', 'ce:GetCostForecast'],
  webhookParameter: ['ssm:GetParameter'],
};

/** Publishing to the notification topic, under its key. */
export function notifyStatements(): Statement[] {
  return [
    { Effect: 'Allow', Action: commonActions.notify, Resource: { Ref: 'NotificationTopic' } },
    {
      Effect: 'Allow',
      Action: commonActions.notifyKey,
      Resource: { 'Fn::GetAtt': ['NotificationTopicKey', 'Arn'] },
    },
  ];
}

/** Statements every function's role has: logs, traces, the dead-letter queue. */
export function baseStatements(functionName: string): Statement[] {
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

export function lambdaRole(policyName: string, statements: Statement[]) {
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
    ...notifyStatements(),
    ...baseStatements(functionName),
  ];
  // A cache shard's node type and replicas, read from its group where the policy leaves them out.
  if (policy.targets.some(needsLiveUnit))
    statements.push({ Effect: 'Allow', Action: ['elasticache:DescribeReplicationGroups'], Resource: '*' });
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
export function scalerRole(policy: Policy, kind: TargetKind, functionName: string, stage: string) {
  const statements: Statement[] = [
    { Effect: 'Allow', Action: actionsByKind[kind].read, Resource: '*' }, // Describe* calls do not take resource ARNs
    { Effect: 'Allow', Action: commonActions.metrics, Resource: '*' },
    // The stage's kill switch, and no other parameter.
    {
      Effect: 'Allow',
      Action: commonActions.pauseSwitch,
      Resource: sub(
        `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${pauseParameterName(stage)}`,
      ),
    },
    { Effect: 'Allow', Action: commonActions.ledger, Resource: { 'Fn::GetAtt': ['LedgerTable', 'Arn'] } },
    ...notifyStatements(),
    ...baseStatements(functionName),
  ];
  statements.push(...writeStatements(policy, kind));
  return lambdaRole(`${functionByKind[kind]}-policy`, statements);
}
