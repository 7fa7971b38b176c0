import { describe, expect, it } from 'vitest';
import { stackResources } from '../../../infra/stackResources';
import { replicaPrefix } from '../../../shared/decision/rdsReplicasNames';
import { sourceKeyProblems } from '../../../shared/decision/sourceKeyProblems';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { RdsReplicasTarget } from '../../../shared/policy/schema';
import { rdsTarget } from '../decision/rdsReplicasFixtures';

// The RDS role for what the example policy does not show: a 63-character source (hashed replica names),
// an Aurora cluster, reader discovery. Deletes stay tag-conditioned on replica names; nothing mutates a
// source, a cluster or a writer beyond creating a reader in it.

type Statement = { Action: string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };
const LONG = `events-${'x'.repeat(55)}1`;

function statements(): Statement[] {
  const policy = validatePolicy({
    version: 1,
    targets: [
      { ...rdsTarget({ sourceDbInstanceIdentifier: LONG }), name: 'long-db' },
      {
        ...rdsTarget({ aurora: true, sourceDbInstanceIdentifier: 'events-cluster' }),
        name: 'aurora-db',
        readerDiscovery: {
          route53: { hostedZoneId: 'Z0123', recordName: 'Reader.DB.internal.' },
          ssmParameterName: '/db/readers',
        },
      },
    ],
  });
  const role = stackResources(policy, 'prod').Resources.ScaleRdsReplicasRole as unknown as {
    Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] };
  };
  return role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
}
const arns = (s: Statement) =>
  (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) =>
    typeof r === 'string' ? r : String((r as { 'Fn::Sub': string })['Fn::Sub']),
  );

describe('RDS role: long sources, Aurora, reader discovery', () => {
  it('deletes only tagged replicas, on the hashed replica names of a 63-character source', () => {
    const deletes = statements().filter((s) => s.Action.includes('rds:DeleteDBInstance'));
    expect(deletes).toHaveLength(2);
    const long = deletes.find(
      (s) => s.Condition?.StringEquals?.['rds:db-tag/scalepilot:target'] === 'long-db',
    );
    expect(long?.Condition?.StringEquals?.['rds:db-tag/scalepilot:managed']).toBe('true');
    expect(arns(long as Statement)).toEqual([
      expect.stringMatching(new RegExp(`:db:${replicaPrefix(LONG)}\\?$`)),
      expect.stringMatching(new RegExp(`:db:${replicaPrefix(LONG)}\\?\\?$`)),
    ]);
    expect(replicaPrefix(LONG)).not.toContain(LONG);
  });

  it('Aurora: CreateDBInstance on the cluster with Scalepilot’s request tags; nothing else on the cluster', () => {
    const onCluster = statements().filter((s) => arns(s).some((a) => a.endsWith(':cluster:events-cluster')));
    expect(onCluster.flatMap((s) => s.Action)).toEqual(['rds:CreateDBInstance']);
    expect(onCluster[0]?.Condition?.StringEquals).toEqual({
      'aws:RequestTag/scalepilot:managed': 'true',
      'aws:RequestTag/scalepilot:target': 'aurora-db',
      'aws:RequestTag/scalepilot:stage': 'prod',
    });
    // The instance target gets no CreateDBInstance, the Aurora one no CreateDBInstanceReadReplica.
    const creates = statements().filter((s) => s.Action.some((a) => a.startsWith('rds:Create')));
    expect(
      creates.map((s) => [s.Action[0], s.Condition?.StringEquals?.['aws:RequestTag/scalepilot:target']]),
    ).toEqual([
      ['rds:CreateDBInstanceReadReplica', 'long-db'],
      ['rds:CreateDBInstance', 'aurora-db'],
    ]);
  });

  it('reader discovery: one record name (normalised), CNAME only, in one zone; one parameter', () => {
    const change = statements().find((s) => s.Action.includes('route53:ChangeResourceRecordSets'));
    expect(arns(change as Statement)).toEqual([`arn:\${AWS::Partition}:route53:::hostedzone/Z0123`]);
    expect(change?.Condition?.['ForAllValues:StringEquals']).toEqual({
      'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['reader.db.internal'],
      'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
    });
    const parameter = statements().find((s) => s.Action.includes('ssm:PutParameter'));
    expect(arns(parameter as Statement)).toEqual([
      `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/db/readers`,
    ]);
  });
});

// Issue 21, item 10: a source encrypted with a customer managed key.
describe('RDS role: the source’s customer managed key (defect: no grant for an encrypted source)', () => {
  const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const roleOf = (target: Record<string, unknown>) => {
    const policy = validatePolicy({ version: 1, targets: [rdsTarget(target)] });
    const role = stackResources(policy, 'prod').Resources.ScaleRdsReplicasRole as unknown as {
      Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] };
    };
    return role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
  };
  it('grants CreateGrant (for AWS resources) and DescribeKey on that key, through RDS only', () => {
    const kms = roleOf({ sourceKmsKeyArn: KEY }).filter((s) => s.Action.some((a) => a.startsWith('kms:')));
    const viaRds = { 'kms:ViaService': { 'Fn::Sub': `rds.\${AWS::Region}.amazonaws.com` } };
    const notify = kms.filter((s) => s.Action.includes('kms:GenerateDataKey'));
    expect(kms.filter((s) => !notify.includes(s))).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:CreateGrant'],
        Resource: KEY,
        Condition: { StringEquals: viaRds, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
      { Effect: 'Allow', Action: ['kms:DescribeKey'], Resource: KEY, Condition: { StringEquals: viaRds } },
    ]);
  });

  it('grants nothing on any key without it', () => {
    const kms = roleOf({}).flatMap((s) =>
      s.Action.filter((a) => a === 'kms:CreateGrant' || a === 'kms:DescribeKey'),
    );
    expect(kms).toEqual([]);
  });

  it.each([
    { name: 'an alias', value: 'alias/aws/rds' },
    { name: 'a key id without its ARN', value: '1234abcd-12ab-34cd-56ef-1234567890ab' },
  ])('refuses $name as sourceKmsKeyArn (IAM needs the key ARN)', ({ value }) => {
    expect(() => validatePolicy({ version: 1, targets: [rdsTarget({ sourceKmsKeyArn: value })] })).toThrow(
      /sourceKmsKeyArn: must be a KMS key ARN/,
    );
  });
});

describe('sourceKeyProblems: what --check-account says of the source’s key', () => {
  const KEY = 'arn:aws:kms:us-east-1:123456789012:key/k1';
  const target = (sourceKmsKeyArn?: string) =>
    validatePolicy({ version: 1, targets: [rdsTarget(sourceKmsKeyArn ? { sourceKmsKeyArn } : {})] })
      .targets[0] as RdsReplicasTarget;
  it.each([
    { name: 'unencrypted, no key named', key: { encrypted: false as const }, named: undefined, want: [] },
    {
      name: 'the AWS managed key, no key named (its key policy lets RDS use it)',
      key: { encrypted: true as const, keyArn: KEY, customerManaged: false },
      named: undefined,
      want: [],
    },
    {
      name: 'the AWS managed key, a key named',
      key: { encrypted: true as const, keyArn: KEY, customerManaged: false },
      named: KEY,
      want: [expect.stringContaining('is not encrypted with a customer managed key: remove it')],
    },
    {
      name: 'a key KMS would not describe, none named',
      key: { encrypted: true as const, keyArn: KEY, unknownManager: 'KMS DescribeKey: AccessDenied' },
      named: undefined,
      want: [expect.stringContaining('KMS would not say whose key it is (KMS DescribeKey: AccessDenied)')],
    },
    {
      name: 'a key KMS would not describe, that key named',
      key: { encrypted: true as const, keyArn: KEY, unknownManager: 'AccessDenied' },
      named: KEY,
      want: [],
    },
  ])('$name', ({ key, named, want }) => {
    expect(sourceKeyProblems(target(named), key)).toEqual(want);
  });
});
