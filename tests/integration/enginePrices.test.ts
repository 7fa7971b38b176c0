import {
  CreateReplicationGroupCommand,
  type CreateReplicationGroupCommandInput,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { CreateDBClusterCommand, CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { ElastiCacheShardCapacity } from '../../shared/adapters/ElastiCacheShardCapacity';
import { addDays, utcDate } from '../../shared/cost/evaluateCosts';
import type { PriceTable } from '../../shared/cost/priceTable';
import type { CacheShardsTarget, Policy, RdsReplicasTarget } from '../../shared/policy/schema';
import { alertCosts } from '../../shared/usecases/alertCosts';
import { capturedLog, examplePolicy, testClock } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';
import { rdsPolicy, rdsScalerOnEmulator, SCOPE, SOURCE } from './scaleRdsReplicasHarness';

// The engine a replica or node is priced by, from the reads the scalers already make, against moto: the RDS
// scaler's DescribeDBInstances (Engine, LicenseModel) or DescribeDBClusters (Engine, StorageType) goes into every
// decision it records, and the next morning's cost check prices the source's replicas from that engine's family;
// a replication group's DescribeReplicationGroups shows its Engine (moto keeps Valkey's). They were all priced as
// PostgreSQL Single-AZ, and every node as Redis OSS.
// moto answers an Aurora cluster created without a StorageType with `gp2` (AWS: `aurora`, or none, for Aurora
// Standard): the Aurora rows create theirs with it.

const emulator = useEmulator();

const CLASS = 'db.t4g.medium';
const prices: PriceTable = {
  regions: {
    'us-east-1': {
      rds: { [CLASS]: 0.06 }, // PostgreSQL's, as a table of an older `scalepilot prices` holds them
      'rds:postgres': { [CLASS]: 0.065 },
      'rds:mysql': { [CLASS]: 0.066 },
      'rds:mariadb': { [CLASS]: 0.067 },
      'rds:aurora-postgresql': { [CLASS]: 0.068 },
      'rds:aurora-mysql-iopt1': { [CLASS]: 0.069 },
      'rds:oracle-ee-byol': { [CLASS]: 0.07 },
      'rds:sqlserver-ee-li': { [CLASS]: 0.071 },
      'rds:sqlserver-se-li': { [CLASS]: 0.072 },
    },
  },
};

const instance = (Engine: string, more: { LicenseModel?: string; EngineVersion?: string } = {}) =>
  new CreateDBInstanceCommand({
    DBInstanceIdentifier: SOURCE,
    DBInstanceClass: CLASS,
    Engine,
    MasterUsername: 'scalepilot',
    MasterUserPassword: 'demo-password-1',
    ...more,
  });

/** An Aurora cluster named as the target's source, with its writer. */
async function aurora(rds: RDSClient, Engine: string, StorageType: string) {
  await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: SOURCE,
      Engine,
      StorageType,
      // moto sizes a cluster's default storage by a gp2/io1/standard type only (a KeyError, HTTP 500, for these).
      AllocatedStorage: 1,
      MasterUsername: 'scalepilot',
      MasterUserPassword: 'demo-password-1',
    }),
  );
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: `${SOURCE}-writer`,
      DBClusterIdentifier: SOURCE,
      Engine,
      DBInstanceClass: CLASS,
    }),
  );
}

describe('an RDS source’s replicas are priced by the engine the scaler recorded', () => {
  it.each([
    {
      name: 'postgres',
      create: instance('postgres'),
      seen: { name: 'postgres' },
      label: 'PostgreSQL',
      usd: 0.065,
    },
    { name: 'mysql', create: instance('mysql'), seen: { name: 'mysql' }, label: 'MySQL', usd: 0.066 },
    {
      name: 'mariadb',
      create: instance('mariadb', { EngineVersion: '10.11.8' }),
      seen: { name: 'mariadb' },
      label: 'MariaDB',
      usd: 0.067,
    },
    {
      name: 'oracle-ee, bring your own license',
      create: instance('oracle-ee', { LicenseModel: 'bring-your-own-license' }),
      seen: { name: 'oracle-ee', licenseModel: 'bring-your-own-license' },
      label: 'Oracle EE BYOL',
      usd: 0.07,
    },
    {
      name: 'sqlserver-ee, license included',
      create: instance('sqlserver-ee', { LicenseModel: 'license-included' }),
      seen: { name: 'sqlserver-ee', licenseModel: 'license-included' },
      label: 'SQL Server EE license included',
      usd: 0.071,
    },
    {
      name: 'sqlserver-se, license included',
      create: instance('sqlserver-se', { LicenseModel: 'license-included' }),
      seen: { name: 'sqlserver-se', licenseModel: 'license-included' },
      label: 'SQL Server SE license included',
      usd: 0.072,
    },
    {
      name: 'an aurora-postgresql cluster, Aurora Standard',
      create: (rds: RDSClient) => aurora(rds, 'aurora-postgresql', 'aurora'),
      seen: { name: 'aurora-postgresql', storageType: 'aurora' },
      label: 'Aurora PostgreSQL',
      usd: 0.068,
    },
    {
      name: 'an aurora-mysql cluster, I/O-Optimized',
      create: (rds: RDSClient) => aurora(rds, 'aurora-mysql', 'aurora-iopt1'),
      seen: { name: 'aurora-mysql', storageType: 'aurora-iopt1' },
      label: 'Aurora MySQL I/O-Optimized',
      usd: 0.069,
    },
  ])('$name: recorded, and priced as $label', async ({ create, seen, label, usd }) => {
    const rds = new RDSClient(clientOptions(emulator.aws));
    if (typeof create === 'function') await create(rds);
    else await rds.send(create);
    const [example] = rdsPolicy().targets as RdsReplicasTarget[];
    const target = { ...(example as RdsReplicasTarget), aurora: seen.name.startsWith('aurora') };
    const policy: Policy = { ...rdsPolicy(), targets: [target], cost: examplePolicy().cost };
    // The harness's scaler, the source made here (its ledger is `ledger-test`).
    const s = await rdsScalerOnEmulator(emulator, policy, emulator.aws, { stage: 'test', sourceMade: true });
    await s.schedule('tick-1');

    const ledger = new DynamoLedger(emulator.aws, 'ledger-test', SCOPE);
    const [logged] = await ledger.decisions(target.name);
    expect(logged?.engine).toMatchObject(seen);

    const day = utcDate(s.clock.now().getTime());
    const { evaluation } = await alertCosts(
      {
        policy,
        costs: { dailyCosts: async () => [], forecast: async () => 0 },
        alerts: {
          claimAlert: async () => ({ status: 'sent' }),
          markAlertSent: async () => true,
          releaseAlert: async () => {},
        },
        decisions: (name, from, to) => ledger.decisions(name, { from, to }),
        channels: [],
        clock: testClock(new Date(`${addDays(day, 1)}T08:00:00Z`)),
        log: capturedLog().sink,
        region: 'us-east-1',
        prices,
      },
      'daily',
      { send: false },
    );
    expect(evaluation.scaling.find((c) => c.target === target.name)).toMatchObject({
      unitType: CLASS,
      engine: label,
      usdPerUnitHour: usd,
    });
  });
});

describe('a replication group’s engine, as DescribeReplicationGroups shows it', () => {
  it.each(['redis', 'valkey'])('%s', async (engine) => {
    const group: CreateReplicationGroupCommandInput = {
      ReplicationGroupId: 'sessions-rg',
      ReplicationGroupDescription: 'engine test group',
      Engine: engine,
      CacheNodeType: 'cache.r7g.large',
      ClusterMode: 'enabled',
      NumNodeGroups: 1,
      ReplicasPerNodeGroup: 1,
      NodeGroupConfiguration: [{ NodeGroupId: '0001', Slots: '0-16383', ReplicaCount: 1 }],
    };
    const client = new ElastiCacheClient(clientOptions(emulator.aws));
    await client.send(new CreateReplicationGroupCommand(group));
    const target = {
      ...(examplePolicy().targets.find((t) => t.kind === 'cache-shards') as CacheShardsTarget),
      replicationGroupId: 'sessions-rg',
    };
    expect(await new ElastiCacheShardCapacity(emulator.aws, { client }).liveUnit(target)).toEqual({
      type: 'cache.r7g.large',
      replicasPerShard: 1,
      engines: [{ name: engine }],
    });
  });
});
