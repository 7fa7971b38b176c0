import {
  type DBInstance,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
} from '@aws-sdk/client-rds';
import { beforeEach, describe, expect, it } from 'vitest';
import { rdsTarget } from '../decision/rdsReplicasFixtures';
import { adapter, rds, SOURCE, sp, tagged } from './rdsReplicaCapacityFixtures';

// RdsReplicaCapacity.observe on aws-sdk-client-mock; its create and delete paths are in RdsReplicaCapacity.test.ts.

beforeEach(() => rds.reset());

describe('RdsReplicaCapacity.observe: two describe calls, filtered by identifier', () => {
  it('an instance source: the source, then its replicas by id; tags from TagList', async () => {
    const sourceInstance: DBInstance = {
      DBInstanceIdentifier: SOURCE,
      DBInstanceStatus: 'available',
      Engine: 'mysql',
      DBInstanceClass: 'db.r6g.large',
      ReadReplicaDBInstanceIdentifiers: [sp(1), 'hand'],
      PendingModifiedValues: {},
      Endpoint: { Address: `${SOURCE}.x.rds.amazonaws.com` },
      TagList: [
        { Key: 'team', Value: 'events' },
        { Key: 'scalepilot:managed', Value: 'true' },
        { Key: 'aws:cloudformation:stack-name', Value: 'db' },
        { Key: 'rds:reserved', Value: 'x' }, // RDS refuses a create with a key or a value so prefixed
        { Key: 'origin', Value: 'aws:marketplace' },
      ],
      PubliclyAccessible: false,
      VpcSecurityGroups: [
        { VpcSecurityGroupId: 'sg-app-db', Status: 'active' },
        { VpcSecurityGroupId: 'sg-old', Status: 'removing' },
      ],
    };
    const replicas: DBInstance[] = [
      tagged({
        DBInstanceIdentifier: sp(1),
        DBInstanceStatus: 'creating',
        ReadReplicaSourceDBInstanceIdentifier: SOURCE,
      }),
      {
        DBInstanceIdentifier: 'hand',
        DBInstanceStatus: 'available',
        ReadReplicaSourceDBInstanceIdentifier: SOURCE,
      },
      { DBInstanceIdentifier: sp(2), DBInstanceStatus: 'available' },
    ];
    rds.on(DescribeDBInstancesCommand).callsFake(async (input) => ({
      DBInstances: input.DBInstanceIdentifier ? [sourceInstance] : replicas,
    }));
    const seen = await adapter().scaler.observe(rdsTarget());
    const calls = rds.commandCalls(DescribeDBInstancesCommand);
    expect(calls).toHaveLength(2);
    const filter = calls[1]?.args[0].input.Filters?.[0];
    expect(filter?.Name).toBe('db-instance-id');
    expect(filter?.Values).toEqual(expect.arrayContaining([sp(1), 'hand', sp(15)]));
    // Only the source's own tags are copied to its replicas.
    expect(seen.source.tags).toEqual({ team: 'events' });
    expect(seen.source).toMatchObject({
      id: SOURCE,
      engine: 'mysql',
      instanceClass: 'db.r6g.large',
      modifying: false,
      // What a new replica is named with: the groups in use, not one being removed.
      publiclyAccessible: false,
      vpcSecurityGroupIds: ['sg-app-db'],
    });
    expect(seen.replicas.map((r) => [r.id, r.status, r.tags['scalepilot:managed'] ?? '-'])).toEqual([
      [sp(1), 'creating', 'true'],
      ['hand', 'available', '-'],
    ]);
    expect(seen.otherIds).toEqual([sp(2)]); // not a replica of this source: its name is taken
  });

  it('an Aurora cluster: the cluster (writer by IsClusterWriter), then its instances; the writer is never a reader', async () => {
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'events-cluster',
          Status: 'available',
          Engine: 'aurora-postgresql',
          DBClusterMembers: [
            { DBInstanceIdentifier: 'events-1', IsClusterWriter: true },
            { DBInstanceIdentifier: 'events-2', IsClusterWriter: false },
          ],
        },
      ],
    });
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        { DBInstanceIdentifier: 'events-1', DBInstanceStatus: 'available', DBInstanceClass: 'db.r6g.large' },
        { DBInstanceIdentifier: 'events-2', DBInstanceStatus: 'available' },
      ],
    });
    const seen = await adapter().scaler.observe(
      rdsTarget({ aurora: true, sourceDbInstanceIdentifier: 'events-cluster' }),
    );
    expect(rds.commandCalls(DescribeDBInstancesCommand)[0]?.args[0].input.Filters).toEqual([
      { Name: 'db-cluster-id', Values: ['events-cluster'] },
    ]);
    // Then Scalepilot's reader names, wherever they are: one held outside the cluster is never tried.
    expect(rds.commandCalls(DescribeDBInstancesCommand)[1]?.args[0].input.Filters?.[0]?.Name).toBe(
      'db-instance-id',
    );
    expect(rds.calls()).toHaveLength(3);
    expect(seen.otherIds).toBeUndefined();
    expect(seen.writer).toBe('events-1');
    expect(seen.replicas.map((r) => r.id)).toEqual(['events-2']);
    expect(seen.source.instanceClass).toBe('db.r6g.large');
  });

  it('an instance source that is an Aurora member is a clear error naming the fix', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ DBInstanceIdentifier: SOURCE, DBClusterIdentifier: 'events-cluster' }],
    });
    await expect(adapter().scaler.observe(rdsTarget())).rejects.toThrow(
      /member of Aurora cluster events-cluster; set aurora: true/,
    );
  });
});

describe('RdsReplicaCapacity.observe: how long a busy source has been busy', () => {
  // moto's DescribeEvents answers every event in one page (no Marker): the paging is shown here.
  it('is read from its latest event of the day, on whatever page of DescribeEvents it comes', async () => {
    rds.on(DescribeDBInstancesCommand).callsFake(async (input) => ({
      DBInstances: input.DBInstanceIdentifier
        ? [{ DBInstanceIdentifier: SOURCE, DBInstanceStatus: 'modifying', Engine: 'mysql' }]
        : [],
    }));
    // A chatty day: 100 events in the morning on the first page (RDS pages at 100), the modification's on the next.
    const morning = Array.from({ length: 100 }, (_, i) => ({
      Date: new Date(Date.parse('2026-11-30T06:00:00Z') + i * 60_000),
      Message: 'Backing up DB instance',
    }));
    rds.on(DescribeEventsCommand).resolves({ Events: morning, Marker: 'page-2' });
    rds.on(DescribeEventsCommand, { Marker: 'page-2' }).resolves({
      Events: [
        {
          Date: new Date('2026-11-30T11:55:00Z'),
          Message: 'Applying modification to database instance class',
        },
      ],
    });
    const seen = await adapter().scaler.observe(rdsTarget());
    expect(rds.commandCalls(DescribeEventsCommand)).toHaveLength(2);
    expect(seen.source.busySince).toEqual(new Date('2026-11-30T11:55:00Z'));
  });
});
