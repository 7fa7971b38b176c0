import { describe, expect, it } from 'vitest';
import { stackResources } from '../../../infra/stackResources';
import { replicaPrefix } from '../../../shared/decision/rdsReplicasNames';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
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
      expect.stringMatching(new RegExp(`:db:${replicaPrefix(LONG)}\\*$`)),
    ]);
    expect(replicaPrefix(LONG)).not.toContain(LONG);
  });

  it('Aurora: CreateDBInstance on the cluster with Scalepilot’s request tags; nothing else on the cluster', () => {
    const onCluster = statements().filter((s) => arns(s).some((a) => a.endsWith(':cluster:events-cluster')));
    expect(onCluster.flatMap((s) => s.Action)).toEqual(['rds:CreateDBInstance']);
    expect(onCluster[0]?.Condition?.StringEquals).toEqual({
      'aws:RequestTag/scalepilot:managed': 'true',
      'aws:RequestTag/scalepilot:target': 'aurora-db',
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
