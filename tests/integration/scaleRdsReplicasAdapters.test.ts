import { CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { RdsReaderDiscovery } from '../../shared/adapters/RdsReaderDiscovery';
import { RdsReplicaCapacity } from '../../shared/adapters/RdsReplicaCapacity';
import { isValidDbIdentifier } from '../../shared/decision/rdsReplicasNames';
import type { RdsReplicasTarget } from '../../shared/policy/schema';
import { useEmulator } from '../harness/useEmulator';
import { rdsTarget } from '../unit/decision/rdsReplicasFixtures';
import { auroraCluster, MANUAL, rdsPolicy, rdsScalerOnEmulator, SOURCE } from './scaleRdsReplicasHarness';

// The RDS adapters against moto: create, tag, describe, delete, deletion protection, Aurora members and
// writer, a Route 53 private zone, the SSM parameter; and 20 concurrent evaluations under the real
// DynamoDB lease. moto marks new instances `available` at once and silently overwrites a duplicate
// CreateDBInstanceReadReplica (AWS raises DBInstanceAlreadyExists): the no-duplicate guarantee is asserted
// on the creates that reach the emulator, which only the lease and the ledger's pending operation can hold
// to one. moto has no `tag:` filters: the adapter never uses them.

const emulator = useEmulator();

const low = { connections: 10, cpu: 5, lag: 0 };

describe('RDS replicas on the emulator', () => {
  it('20 concurrent evaluations of one source under the real DynamoDB lease start at most one operation', async () => {
    const s = await rdsScalerOnEmulator(emulator);
    const before = emulator.calls('CreateDBInstanceReadReplica');
    await s.putLoad({ [MANUAL]: { connections: 96, cpu: 80, lag: 0 } });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.schedule(`tick-${i}`)));
    expect(emulator.calls('CreateDBInstanceReadReplica') - before).toBe(1);
    const reasons = results.flat().map((e) => e.decision.reason);
    expect(reasons.filter((r) => r === 'ScaleOut')).toHaveLength(1);
    // The rest met the lease, or (after the holder recorded) the pending operation.
    expect(
      reasons.filter(
        (r) =>
          ![
            'ScaleOut',
            'LeaseHeld',
            'OperationPending',
            'OperationCompleted',
            'ScaleOutCooldown',
            'StabilizationWindow',
            'NoThresholdBreached',
          ].includes(r),
      ),
    ).toEqual([]);
    const replicas = (await s.instances()).filter((i) => i.ReadReplicaSourceDBInstanceIdentifier === SOURCE);
    expect(replicas).toHaveLength(2); // the hand-made one and one new
  });

  it('a source id of 63 characters gets valid replica ids, created and tagged', async () => {
    const source = `events-${'x'.repeat(55)}1`;
    expect(source).toHaveLength(63);
    await new DemoAccount(emulator.aws).createDbInstance(source);
    const target = rdsTarget({ sourceDbInstanceIdentifier: source });
    const scaler = new RdsReplicaCapacity(emulator.aws);
    await scaler.setCapacity(target, 2);
    const seen = await scaler.observe(target);
    expect(seen.replicas.map((r) => r.id)).toHaveLength(2);
    for (const r of seen.replicas) {
      expect(r.id.length).toBeLessThanOrEqual(63);
      expect(isValidDbIdentifier(r.id)).toBe(true);
      expect(r.tags).toMatchObject({ 'scalepilot:managed': 'true', 'scalepilot:target': 'events-db' });
    }
  });

  it('a replica is created with its source’s VPC security groups and public access, and only tags RDS takes', async () => {
    const rds = new RDSClient(clientOptions(emulator.aws));
    const source = 'events-sg-db';
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: source,
        DBInstanceClass: 'db.t4g.medium',
        Engine: 'postgres',
        AllocatedStorage: 20,
        MasterUsername: 'scalepilot',
        MasterUserPassword: 'demo-password-1',
        VpcSecurityGroupIds: ['sg-0app0db0'],
        PubliclyAccessible: false,
        Tags: [
          { Key: 'team', Value: 'events' },
          { Key: 'origin', Value: 'aws:marketplace' }, // a value RDS refuses on a create
        ],
      }),
    );
    const target = rdsTarget({ sourceDbInstanceIdentifier: source });
    const scaler = new RdsReplicaCapacity(emulator.aws);
    await scaler.setCapacity(target, 1);
    const [made] =
      (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances?.filter(
        (i) => i.ReadReplicaSourceDBInstanceIdentifier === source,
      ) ?? [];
    expect(made?.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual(['sg-0app0db0']);
    expect(made?.PubliclyAccessible).toBe(false);
    expect(made?.TagList?.find((t) => t.Key === 'team')?.Value).toBe('events');
    expect(made?.TagList?.some((t) => t.Key === 'origin')).toBe(false);
  });

  it('deletion protection on a managed replica is a recorded skip: nothing is deleted', async () => {
    const policy = rdsPolicy();
    const [db] = policy.targets;
    if (db?.kind !== 'rds-replicas') throw new Error('example policy changed');
    const s = await rdsScalerOnEmulator(emulator, { ...policy, targets: [{ ...db, drainSeconds: 0 }] });
    await new RdsReplicaCapacity(emulator.aws).setCapacity(db, 2); // the hand-made one and one managed
    const managed = (await s.instances()).find((i) => i.DBInstanceIdentifier === `${SOURCE}-sp-1`);
    expect(managed).toBeDefined();
    await s.rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: `${SOURCE}-sp-1`,
        DeletionProtection: true,
        ApplyImmediately: true,
      }),
    );
    await s.putLoad({ [MANUAL]: low, [`${SOURCE}-sp-1`]: low });
    const [skip] = await s.schedule('tick-1');
    expect(skip?.decision.reason).toBe('DeletionProtected');
    expect(emulator.calls('DeleteDBInstance')).toBe(0);
  });

  it('Aurora: members read from the cluster, the writer (IsClusterWriter) never a reader; a reader is created with promotion tier 15', async () => {
    const rds = await auroraCluster(emulator.aws);
    const target: RdsReplicasTarget = rdsTarget({
      aurora: true,
      sourceDbInstanceIdentifier: 'events-cluster',
    });
    const scaler = new RdsReplicaCapacity(emulator.aws);
    const before = await scaler.observe(target);
    expect(before.writer).toBe('events-writer');
    expect(before.replicas).toEqual([]);
    expect(before.source).toMatchObject({
      id: 'events-cluster',
      engine: 'aurora-postgresql',
      instanceClass: 'db.r6g.large',
    });

    await scaler.setCapacity(target, 1);
    const after = await scaler.observe(target);
    expect(after.replicas.map((r) => [r.id, r.tags['scalepilot:target']])).toEqual([
      ['events-cluster-sp-1', 'events-db'],
    ]);
    expect(emulator.calls('CreateDBInstance')).toBe(2); // the writer by hand, the reader by Scalepilot
    const reader = (
      await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'events-cluster-sp-1' }))
    ).DBInstances?.[0];
    expect(reader?.PromotionTier).toBe(15);
    const members = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'events-cluster' })))
      .DBClusters?.[0]?.DBClusterMembers;
    expect(members?.find((m) => m.DBInstanceIdentifier === 'events-cluster-sp-1')?.IsClusterWriter).toBe(
      false,
    );
    await scaler.setCapacity(target, 0);
    expect((await scaler.observe(target)).replicas.filter((r) => r.status !== 'deleting')).toEqual([]);
    expect((await scaler.observe(target)).writer).toBe('events-writer');
  });

  // Left out, CreateDBInstance's PubliclyAccessible follows the subnets' VPC, not the writer: a reader of a
  // private writer could come up public (moto keeps whatever the create said, nothing when it said nothing).
  it.each([
    { name: 'a private writer’s reader is private', writerPublic: false },
    { name: 'a public writer’s reader is public', writerPublic: true },
  ])('Aurora: $name (the writer’s PubliclyAccessible)', async ({ writerPublic }) => {
    const rds = await auroraCluster(emulator.aws, { PubliclyAccessible: writerPublic });
    const target = rdsTarget({ aurora: true, sourceDbInstanceIdentifier: 'events-cluster' });
    await new RdsReplicaCapacity(emulator.aws).setCapacity(target, 1);
    const reader = (
      await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'events-cluster-sp-1' }))
    ).DBInstances?.[0];
    expect(reader?.PubliclyAccessible).toBe(writerPublic);
  });

  it('reader discovery: weighted records in a Route 53 private zone and the SSM parameter, in sync after each change', async () => {
    const vpc = await new EC2Client(clientOptions(emulator.aws)).send(
      new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }),
    );
    const zone = await new Route53Client(clientOptions(emulator.aws)).send(
      new CreateHostedZoneCommand({
        Name: 'db.internal',
        CallerReference: 'scalepilot-test',
        VPC: { VPCId: vpc.Vpc?.VpcId, VPCRegion: 'us-east-1' },
        HostedZoneConfig: { PrivateZone: true, Comment: 'test' },
      }),
    );
    const hostedZoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
    const target = rdsTarget({
      readerDiscovery: {
        route53: { hostedZoneId, recordName: 'reader.db.internal' },
        ssmParameterName: '/events/readers',
      },
    });
    const discovery = RdsReaderDiscovery.forAccount(emulator.aws);
    const records = async () =>
      (
        (
          await new Route53Client(clientOptions(emulator.aws)).send(
            new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId }),
          )
        ).ResourceRecordSets ?? []
      )
        .filter((r) => r.Type === 'CNAME')
        .map((r) => [r.Name, r.SetIdentifier, r.Weight, r.ResourceRecords?.[0]?.Value])
        .sort();

    await discovery.publish(target, ['a.rds.example', 'b.rds.example']);
    expect(await records()).toEqual([
      ['reader.db.internal.', 'a.rds.example', 1, 'a.rds.example'],
      ['reader.db.internal.', 'b.rds.example', 1, 'b.rds.example'],
    ]);
    expect(
      (
        await new SSMClient(clientOptions(emulator.aws)).send(
          new GetParameterCommand({ Name: '/events/readers' }),
        )
      ).Parameter?.Value,
    ).toBe('a.rds.example,b.rds.example');
    expect(await discovery.published(target)).toEqual(['a.rds.example', 'b.rds.example']);

    await discovery.publish(target, ['b.rds.example']); // a drained: out of both
    expect(await records()).toEqual([['reader.db.internal.', 'b.rds.example', 1, 'b.rds.example']]);
    expect(await discovery.published(target)).toEqual(['b.rds.example']);
    const routeOnly = rdsTarget({
      readerDiscovery: { route53: { hostedZoneId, recordName: 'reader.db.internal' } },
    });
    expect(await discovery.published(routeOnly)).toEqual(['b.rds.example']);

    // readerDiscovery.route53.ttlSeconds: the records carry it (30 by default); a new TTL rewrites them.
    const ttls = async () =>
      (
        (
          await new Route53Client(clientOptions(emulator.aws)).send(
            new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId }),
          )
        ).ResourceRecordSets ?? []
      )
        .filter((r) => r.Type === 'CNAME')
        .map((r) => [r.SetIdentifier, r.TTL]);
    expect(await ttls()).toEqual([['b.rds.example', 30]]);
    const shortTtl = rdsTarget({
      readerDiscovery: { route53: { hostedZoneId, recordName: 'reader.db.internal', ttlSeconds: 5 } },
    });
    await discovery.publish(shortTtl, ['b.rds.example']);
    expect(await ttls()).toEqual([['b.rds.example', 5]]);
  });

  it('tags a replica for draining and removes the tag (TagList in the describe result, no ListTagsForResource)', async () => {
    await new DemoAccount(emulator.aws).createDbInstance(SOURCE);
    const rds = new RDSClient(clientOptions(emulator.aws));
    await rds.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: MANUAL,
        SourceDBInstanceIdentifier: SOURCE,
      }),
    );
    const target = rdsTarget();
    const scaler = new RdsReplicaCapacity(emulator.aws);
    await scaler.setCapacity(target, 2);
    const seen = await scaler.observe(target);
    const id = `${SOURCE}-sp-1`;
    await scaler.act(
      target,
      { type: 'drain', desired: 2, replica: id, at: '2026-11-30T12:00:00.000Z' },
      seen,
    );
    expect(
      (await scaler.observe(target)).replicas.find((r) => r.id === id)?.tags['scalepilot:draining'],
    ).toBe('2026-11-30T12:00:00.000Z');
    await scaler.act(target, { type: 'cancelDrain', desired: 2, replica: id }, seen);
    expect(
      (await scaler.observe(target)).replicas.find((r) => r.id === id)?.tags['scalepilot:draining'],
    ).toBeUndefined();
    expect(emulator.calls('ListTagsForResource')).toBe(0);
    await expect(scaler.act(target, { type: 'delete', desired: 1, replica: MANUAL }, seen)).rejects.toThrow(
      /not a replica Scalepilot created/,
    );
    await scaler.act(target, { type: 'delete', desired: 1, replica: id }, seen);
    expect(
      (await scaler.observe(target)).replicas.filter((r) => r.status !== 'deleting').map((r) => r.id),
    ).toEqual([MANUAL]);
  });
});
