import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stackResources } from '../../../infra/stackResources';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import { rdsTarget } from '../decision/rdsReplicasFixtures';

// Every AWS call the RDS adapters make, read from their source, is one the packaged RDS scaler's role allows.

describe('the RDS role allows every call of the RDS adapters (Aurora and reader discovery included)', () => {
  const prefixOf: Record<string, string> = {
    'client-rds': 'rds',
    'client-route-53': 'route53',
    'client-ssm': 'ssm',
    'client-application-auto-scaling': 'application-autoscaling',
  };
  const calls = (adapter: string) => {
    const source = readFileSync(new URL(`../../../shared/adapters/${adapter}.ts`, import.meta.url), 'utf8');
    const client = /from '@aws-sdk\/(client-[a-z0-9-]+)'/.exec(source)?.[1] ?? '';
    return [...source.matchAll(/new (\w+)Command\(/g)].map(([, name]) => `${prefixOf[client]}:${name}`);
  };
  it('with an Aurora target and Route 53 + SSM discovery', () => {
    const policy = validatePolicy({
      version: 1,
      targets: [
        { ...rdsTarget(), name: 'events-db' },
        {
          ...rdsTarget({ aurora: true, sourceDbInstanceIdentifier: 'events-cluster' }),
          name: 'events-aurora',
          readerDiscovery: {
            route53: { hostedZoneId: 'Z123ABC', recordName: 'reader.db.internal' },
            ssmParameterName: '/db/readers',
          },
        },
      ],
    });
    const role = stackResources(policy, 'prod').Resources.ScaleRdsReplicasRole as unknown as {
      Properties: { Policies: { PolicyDocument: { Statement: { Action: string[] }[] } }[] };
    };
    const allowed = new Set(
      role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => s.Action)),
    );
    const needed = [
      'RdsReplicaCapacity',
      'RdsReplicaObserver',
      'RdsReplicaActions',
      'RdsAuroraReaders',
      'RdsScalableTargets',
      'Route53ReaderRecords',
      'SsmReaderEndpoints',
    ].flatMap(calls);
    expect(needed).toEqual(
      expect.arrayContaining([
        'rds:CreateDBInstance',
        'route53:ChangeResourceRecordSets',
        'ssm:PutParameter',
      ]),
    );
    for (const action of needed) expect(allowed, action).toContain(action);
  });
});
