import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { RdsReplicaCapacity } from '../../shared/adapters/RdsReplicaCapacity';
import { cliOnEmulator } from '../harness/cliOnEmulator';
import { useEmulator } from '../harness/useEmulator';
import { rdsTarget } from '../unit/decision/rdsReplicasFixtures';

// `scalepilot validate --check-account` and `scalepilot plan` as the operator runs them (the real CLI in a
// child process) against moto, for RDS targets.

const dir = mkdtempSync(join(tmpdir(), 'scalepilot-rds-prereq-'));

const emulator = useEmulator();

function policyFile(name: string, target: Record<string, unknown>): string {
  const file = join(dir, `${name}.yml`);
  const { name: _n, kind: _k, sourceDbInstanceIdentifier: _s, rules, capacity } = rdsTarget();
  writeFileSync(
    file,
    stringify({
      version: 1,
      targets: [
        {
          name: 'events-db',
          kind: 'rds-replicas',
          sourceDbInstanceIdentifier: 'event-platform-db',
          capacity,
          rules: JSON.parse(JSON.stringify(rules)),
          ...target,
        },
      ],
    }),
  );
  return file;
}

const cli = (...args: string[]) => cliOnEmulator(emulator.endpoint, ...args);

const rds = () => new RDSClient(clientOptions(emulator.aws));

describe('validate --check-account and plan check RDS sources against the account, one clear line each', () => {
  it.each([
    {
      name: 'a missing source',
      setUp: async () => {},
      target: {},
      line: /sourceDbInstanceIdentifier: no DB instance event-platform-db in this account and region/,
    },
    {
      name: 'a source that is itself a replica',
      setUp: async () => {
        await new DemoAccount(emulator.aws).createDbInstance('primary-db');
        await rds().send(
          new CreateDBInstanceReadReplicaCommand({
            DBInstanceIdentifier: 'event-platform-db',
            SourceDBInstanceIdentifier: 'primary-db',
          }),
        );
      },
      target: {},
      line: /event-platform-db is itself a read replica of primary-db/,
    },
    {
      name: 'automated backups off',
      setUp: async () => {
        await rds().send(
          new CreateDBInstanceCommand({
            DBInstanceIdentifier: 'event-platform-db',
            DBInstanceClass: 'db.t4g.medium',
            Engine: 'mysql',
            AllocatedStorage: 20,
            MasterUsername: 'scalepilot',
            MasterUserPassword: 'demo-password-1',
            BackupRetentionPeriod: 0,
          }),
        );
      },
      target: {},
      line: /automated backups are off/,
    },
    {
      name: 'an Aurora cluster without aurora: true',
      setUp: async () => {
        await rds().send(
          new CreateDBClusterCommand({
            DBClusterIdentifier: 'event-platform-db',
            Engine: 'aurora-mysql',
            MasterUsername: 'scalepilot',
            MasterUserPassword: 'demo-password-1',
          }),
        );
      },
      target: {},
      line: /is an Aurora DB cluster: set aurora: true/,
    },
  ])('$name', async ({ setUp, target, line }) => {
    await setUp();
    const result = await cli('validate', policyFile('bad', target), '--check-account');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(line);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('reader discovery in a public zone is refused with one line', async () => {
    await new DemoAccount(emulator.aws).createDbInstance('event-platform-db');
    const zone = await new Route53Client(clientOptions(emulator.aws)).send(
      new CreateHostedZoneCommand({ Name: 'db.example.com', CallerReference: 'public-zone' }),
    );
    const hostedZoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
    const file = policyFile('public', {
      readerDiscovery: { route53: { hostedZoneId, recordName: 'reader.db.example.com' } },
    });
    const result = await cli('validate', file, '--check-account');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/readerDiscovery.route53: hosted zone \w+ \(db.example.com.\) is public/);
  }, 60_000);

  it('a ready source validates, and plan shows the gates’ state per replica', async () => {
    await new DemoAccount(emulator.aws).createDbInstance('event-platform-db');
    await rds().send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: 'event-platform-db-manual',
        SourceDBInstanceIdentifier: 'event-platform-db',
      }),
    );
    await new RdsReplicaCapacity(emulator.aws).setCapacity(rdsTarget(), 2);
    const file = policyFile('good', {});
    const validated = await cli('validate', file, '--check-account');
    expect(validated.stderr).toBe('');
    expect(validated.code).toBe(0);
    const plan = await cli('plan', file);
    expect(plan.stdout).toMatch(
      /replica event-platform-db-sp-1: available, created by Scalepilot, serving, lag unknown \(blocks removals\), removable/,
    );
    expect(plan.stdout).toMatch(
      /replica event-platform-db-manual: available, made by hand \(never removed\)/,
    );
  }, 60_000);
});
