import type { IamActions } from '../shared/adapters/iamActions';
import { REPLICAS_TAG } from '../shared/decision/cacheShards';
import { DRAINING_TAG, STAGE_TAG } from '../shared/decision/rdsReplicas';
import { replicaNamePatterns } from '../shared/policy/replicaNames';
import type { CacheShardsTarget, Policy, RdsReplicasTarget } from '../shared/policy/schema';

/**
 * The IAM statements of the functions' roles, resource by resource. Each builder takes the IAM actions of the
 * adapter whose calls it allows (shared/adapters/iamActions.ts) and grants only those (`pick` refuses an
 * action the adapter does not declare); infra/functionAdapters.ts says which adapters each function
 * constructs and assembles its role from them.
 */
export type Statement = { Effect: 'Allow'; Action: string[]; Resource: unknown; Condition?: unknown };
const sub = (s: string) => ({ 'Fn::Sub': s });

/**
 * The tags Scalepilot puts on every replica it creates; deleting one needs them (see replicaLifecycle), and a
 * stage tag (STAGE_TAG, `scalepilot:stage`) naming this stage or none.
 */
export const MANAGED_TAG = 'scalepilot:managed';
export const TARGET_TAG = 'scalepilot:target';

export const arn = (service: string, resource: string) =>
  sub(`arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`);
export const parameterArn = (name: string) =>
  sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}`);
export const ledgerTable = { 'Fn::GetAtt': ['LedgerTable', 'Arn'] };

/** Some of an adapter's actions, by name: a name it does not declare is a mistake in the stack, not a grant. */
export function pick(iam: IamActions, ...actions: string[]): string[] {
  const declared = new Set([...iam.read, ...iam.write, ...(iam.dependent ?? [])]);
  const unknown = actions.filter((a) => !declared.has(a));
  if (unknown.length > 0) throw new Error(`IAM actions not declared by the adapter: ${unknown.join(', ')}`);
  return actions;
}

/** An adapter's reads on `*` (Describe, List and metric reads take no resource ARNs). */
export function readsAnywhere(iam: IamActions): Statement[] {
  return iam.read.length > 0 ? [{ Effect: 'Allow', Action: [...iam.read], Resource: '*' }] : [];
}

/** An adapter's reads and writes on one named resource. */
export function onResource(iam: IamActions, resource: unknown): Statement[] {
  const actions = [...iam.read, ...iam.write];
  return actions.length > 0 ? [{ Effect: 'Allow', Action: actions, Resource: resource }] : [];
}

/** Publishing to the notification topic, under its key (the topic is encrypted with a key of its own). */
export function notifyStatements(iam: IamActions): Statement[] {
  return [
    { Effect: 'Allow', Action: pick(iam, 'sns:Publish'), Resource: { Ref: 'NotificationTopic' } },
    {
      Effect: 'Allow',
      Action: pick(iam, 'kms:GenerateDataKey', 'kms:Decrypt'),
      Resource: { 'Fn::GetAtt': ['NotificationTopicKey', 'Arn'] },
    },
  ];
}

/** SetDesiredCapacity on each named group of the policy, nothing else. */
export function groupWrites(policy: Policy, iam: IamActions): Statement[] {
  return policy.targets.flatMap((t): Statement[] =>
    t.kind === 'asg'
      ? [
          {
            Effect: 'Allow',
            Action: pick(iam, 'autoscaling:SetDesiredCapacity'),
            Resource: arn('autoscaling', `autoScalingGroup:*:autoScalingGroupName/${t.autoScalingGroupName}`),
          },
        ]
      : [],
  );
}

const cacheTargets = (policy: Policy) =>
  policy.targets.filter((t): t is CacheShardsTarget => t.kind === 'cache-shards');
const within = (key: string, min: number, max: number) => ({
  NumericGreaterThanEquals: { [key]: String(min) },
  NumericLessThanEquals: { [key]: String(max) },
});

/**
 * ModifyReplicationGroupShardConfiguration on each cache target's replication group, with
 * `elasticache:NumNodeGroups` (the NodeGroupCount asked for) held to its capacity range, so even a faulty
 * decision cannot leave it.
 */
export function shardWrites(policy: Policy, iam: IamActions): Statement[] {
  return cacheTargets(policy).map((t) => ({
    Effect: 'Allow',
    Action: pick(iam, 'elasticache:ModifyReplicationGroupShardConfiguration'),
    Resource: arn('elasticache', `replicationgroup:${t.replicationGroupId}`),
    Condition: within('elasticache:NumNodeGroups', Math.max(1, t.capacity.min), t.capacity.max),
  }));
}

/**
 * With replicaScaling only: Increase/DecreaseReplicaCount with `elasticache:ReplicasPerNodeGroup` (the
 * NewReplicaCount) held to replicaScaling's range, and the one tag that records when replicas changed.
 */
export function replicaCountWrites(policy: Policy, iam: IamActions): Statement[] {
  return cacheTargets(policy).flatMap((t): Statement[] => {
    const replicas = t.replicaScaling;
    if (!replicas) return [];
    const group = arn('elasticache', `replicationgroup:${t.replicationGroupId}`);
    return [
      {
        Effect: 'Allow',
        Action: pick(iam, 'elasticache:IncreaseReplicaCount', 'elasticache:DecreaseReplicaCount'),
        Resource: group,
        Condition: within('elasticache:ReplicasPerNodeGroup', replicas.min, replicas.max),
      },
      {
        Effect: 'Allow',
        Action: pick(iam, 'elasticache:AddTagsToResource'),
        Resource: group,
        Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [REPLICAS_TAG] } },
      },
    ];
  });
}

const rdsTargets = (policy: Policy) =>
  policy.targets.filter((t): t is RdsReplicasTarget => t.kind === 'rds-replicas');
const replicaArns = (t: RdsReplicasTarget) =>
  replicaNamePatterns(t.sourceDbInstanceIdentifier).map((pattern) => arn('rds', `db:${pattern}`));
/**
 * Scalepilot's two tags with the target's name and the stage tag with the stage's in the request; never the
 * draining tag (only drains set it).
 */
const requestTags = (t: RdsReplicasTarget, stage: string) => ({
  StringEquals: {
    [`aws:RequestTag/${MANAGED_TAG}`]: 'true',
    [`aws:RequestTag/${TARGET_TAG}`]: t.name,
    [`aws:RequestTag/${STAGE_TAG}`]: stage,
  },
  'ForAllValues:StringNotEquals': { 'aws:TagKeys': [DRAINING_TAG] },
});
/**
 * An instance whose stage tag names this stage, or that has none (a replica made before replicas carried it
 * stays the stage's that made it): never one another stage deployed against the same source made.
 */
const ownStage = (stage: string) => ({ StringEqualsIfExists: { [`rds:db-tag/${STAGE_TAG}`]: stage } });
const ownTags = (t: RdsReplicasTarget, stage: string) => ({
  StringEquals: { [`rds:db-tag/${MANAGED_TAG}`]: 'true', [`rds:db-tag/${TARGET_TAG}`]: t.name },
  ...ownStage(stage),
});
/** What a create is authorised against besides the new instance: the groups it takes from the source. */
const sourceGroups = () => [arn('rds', 'og:*'), arn('rds', 'pg:*'), arn('rds', 'subgrp:*')];

/**
 * Creating a reader: CreateDBInstanceReadReplica for an instance source (RdsReplicaCapacity), CreateDBInstance
 * in the cluster for Aurora (RdsAuroraReaders). RDS authorises it against the new replica *and* the source
 * instance or cluster (and the option, parameter and subnet groups the replica takes from it), so those ARNs
 * appear; creating reads the source and changes nothing on it, and it is the only action the role has on
 * it. Every ARN requires Scalepilot's two tags with the target's name and the stage tag with the stage's in the
 * request (the source's own tags come along; never the draining tag).
 */
export function replicaCreates(policy: Policy, iam: IamActions, aurora: boolean, stage: string): Statement[] {
  return rdsTargets(policy)
    .filter((t) => t.aurora === aurora)
    .map((t) => ({
      Effect: 'Allow',
      Action: pick(iam, aurora ? 'rds:CreateDBInstance' : 'rds:CreateDBInstanceReadReplica'),
      Resource: [
        aurora
          ? arn('rds', `cluster:${t.sourceDbInstanceIdentifier}`)
          : arn('rds', `db:${t.sourceDbInstanceIdentifier}`),
        ...sourceGroups(),
        ...replicaArns(t),
      ],
      Condition: requestTags(t, stage),
    }));
}

/**
 * An RDS target's replica life cycle after the create (issue 20, item 1), on its replica names only: the
 * patterns `<source>-sp-?` and `<source>-sp-??` (replica numbers run 1..99; long sources: a shortened, hashed
 * prefix), which validation and `sls package` guarantee match no source, cluster or other target's replica
 * of the policy (shared/policy/replicaNames.ts):
 * - AddTagsToResource of Scalepilot's two tags with the target's name and the stage tag with the stage's:
 *   RDS authorises tags given on create this way too, and has no condition key naming the creating action (no
 *   `rds:CreateAction`, unlike `ec2:CreateAction`; `rds:req-tag` is set for a direct AddTagsToResource as
 *   well), so the name patterns are what keeps a later AddTagsToResource off anything the policy names; and
 *   not on an instance tagged with another stage's name (which a retag to this stage's would make deletable);
 * - DeleteDBInstance only of instances that carry both tags with the target's name, and whose stage tag is
 *   this stage's or absent (another stage deployed against the same source has replicas of the same names);
 * - draining: Add/RemoveTagsFromResource of the one key `scalepilot:draining`, only on instances that already
 *   carry both tags with the target's name and no other stage's (docs/safety-and-iam.md says why the marker
 *   stays a tag);
 * - with `sourceKmsKeyArn` (a source under a customer managed key): CreateGrant (for AWS resources) and
 *   DescribeKey on that key, through RDS only, which creates the encrypted replica in the caller's name.
 */
export function replicaLifecycle(policy: Policy, iam: IamActions, stage: string): Statement[] {
  return rdsTargets(policy).flatMap((t): Statement[] => [
    {
      Effect: 'Allow',
      Action: pick(iam, 'rds:AddTagsToResource'),
      Resource: replicaArns(t),
      Condition: { ...requestTags(t, stage), ...ownStage(stage) },
    },
    {
      Effect: 'Allow',
      Action: pick(iam, 'rds:DeleteDBInstance'),
      Resource: replicaArns(t),
      Condition: ownTags(t, stage),
    },
    {
      Effect: 'Allow',
      Action: pick(iam, 'rds:AddTagsToResource', 'rds:RemoveTagsFromResource'),
      Resource: replicaArns(t),
      Condition: { ...ownTags(t, stage), 'ForAllValues:StringEquals': { 'aws:TagKeys': [DRAINING_TAG] } },
    },
    ...(t.sourceKmsKeyArn ? sourceKeyStatements(iam, t.sourceKmsKeyArn) : []),
  ]);
}

function sourceKeyStatements(iam: IamActions, keyArn: string): Statement[] {
  const viaRds = { StringEquals: { 'kms:ViaService': sub(`rds.\${AWS::Region}.amazonaws.com`) } };
  return [
    {
      Effect: 'Allow',
      Action: pick(iam, 'kms:CreateGrant'),
      Resource: keyArn,
      Condition: { ...viaRds, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    },
    { Effect: 'Allow', Action: pick(iam, 'kms:DescribeKey'), Resource: keyArn, Condition: viaRds },
  ];
}

/** Reader discovery in Route 53: the weighted records of each target's one record name (CNAME only), in its zone. */
export function readerRecordStatements(policy: Policy, iam: IamActions): Statement[] {
  return rdsTargets(policy).flatMap((t): Statement[] => {
    const route53 = t.readerDiscovery?.route53;
    if (!route53) return [];
    const zone = sub(`arn:\${AWS::Partition}:route53:::hostedzone/${route53.hostedZoneId}`);
    return [
      { Effect: 'Allow', Action: pick(iam, 'route53:ListResourceRecordSets'), Resource: zone },
      {
        Effect: 'Allow',
        Action: pick(iam, 'route53:ChangeResourceRecordSets'),
        Resource: zone,
        Condition: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': [
              route53.recordName.toLowerCase().replace(/\.$/, ''),
            ],
            'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
          },
        },
      },
    ];
  });
}

/** Reader discovery in SSM: each target's one String parameter. */
export function readerParameterStatements(policy: Policy, iam: IamActions): Statement[] {
  return rdsTargets(policy).flatMap((t): Statement[] =>
    t.readerDiscovery?.ssmParameterName
      ? onResource(iam, parameterArn(t.readerDiscovery.ssmParameterName))
      : [],
  );
}

/** The webhook's SecureString, decrypted with the SSM-managed key through SSM only. */
export function webhookStatements(policy: Policy, iam: IamActions): Statement[] {
  const parameter = policy.notifications.webhookParameterName;
  if (!parameter) return [];
  return [
    { Effect: 'Allow', Action: pick(iam, 'ssm:GetParameter'), Resource: parameterArn(parameter) },
    {
      Effect: 'Allow',
      Action: pick(iam, 'kms:Decrypt'),
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': sub(`ssm.\${AWS::Region}.amazonaws.com`) } },
    },
  ];
}

/** What the Lambda service does with every function's role: its logs, its traces, the dead-letter queue. */
export const LAMBDA_SERVICE_ACTIONS = [
  'sqs:SendMessage',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
];

/** Statements every function's role has: logs, traces, the dead-letter queue (LAMBDA_SERVICE_ACTIONS). */
export function baseStatements(functionName: string): Statement[] {
  return [
    { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
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
