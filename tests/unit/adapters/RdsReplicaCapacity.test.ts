import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  InsufficientDBInstanceCapacityFault,
  InvalidDBInstanceStateFault,
  RDSClient,
  RemoveTagsFromResourceCommand,
} from '@aws-sdk/client-rds';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ReaderDiscovery } from '../../../shared/adapters/RdsReaderDiscovery';
import {
  type CreateAttempt,
  RdsReplicaCapacity,
  ReplicaPlacementError,
} from '../../../shared/adapters/RdsReplicaCapacity';
import type { Placement, ReplicaAction } from '../../../shared/decision/rdsReplicas';
import { AwsCallError, RequestRefusedError } from '../../../shared/errors';
import { managed, observation, rdsTarget, replica } from '../decision/rdsReplicasFixtures';
import { adapter, aws, noNativeScaling, rds, SOURCE, sp, tagged } from './rdsReplicaCapacityFixtures';

// moto answers CreateDBInstanceReadReplica for an existing id by overwriting it (AWS raises
// DBInstanceAlreadyExists), has no InsufficientDBInstanceCapacity and never shows `creating`: those paths
// are tested here with aws-sdk-client-mock; everything moto has is tested against it in
// tests/integration/scaleRdsReplicas*.test.ts (observe: RdsReplicaCapacityObserve.test.ts).

beforeEach(() => rds.reset());

describe('RdsReplicaCapacity.act', () => {
  const create = (candidates: string[], placements: Placement[]): ReplicaAction => ({
    type: 'create',
    desired: 2,
    candidates,
    placements,
  });

  it('creates with Scalepilot’s tags, the placement’s class, and syncs reader discovery', async () => {
    rds.on(CreateDBInstanceReadReplicaCommand).resolves({});
    const { scaler, published } = adapter();
    await scaler.act(
      rdsTarget(),
      { ...create([sp(1)], [{ instanceClass: 'db.t4g.medium' }]), discovery: ['a'] },
      observation([]),
    );
    expect(rds.commandCalls(CreateDBInstanceReadReplicaCommand)[0]?.args[0].input).toEqual({
      DBInstanceIdentifier: sp(1),
      SourceDBInstanceIdentifier: SOURCE,
      DBInstanceClass: 'db.t4g.medium',
      Tags: [
        { Key: 'scalepilot:managed', Value: 'true' },
        { Key: 'scalepilot:target', Value: 'events-db' },
      ],
    });
    expect(published).toEqual([['a']]);
  });

  it('a discovery write refused after the create is no refusal of the create (defect: its intent was cleared while it ran)', async () => {
    rds.on(CreateDBInstanceReadReplicaCommand).resolves({});
    const discovery: ReaderDiscovery = {
      published: async () => undefined,
      publish: async () => {
        throw new RequestRefusedError(
          'Route 53 ChangeResourceRecordSets',
          new Error('a plain CNAME is there'),
        );
      },
    };
    const scaler = new RdsReplicaCapacity(aws, {
      client: new RDSClient(aws),
      discovery,
      scalableTargets: noNativeScaling,
    });
    const failed = await scaler
      .act(rdsTarget(), { ...create([sp(1)], [{}]), discovery: ['a'] }, observation([]))
      .catch((e: unknown) => e);
    expect(rds.commandCalls(CreateDBInstanceReadReplicaCommand)).toHaveLength(1);
    expect(failed).toBeInstanceOf(AwsCallError);
    expect(failed).not.toBeInstanceOf(RequestRefusedError);
    expect((failed as Error).message).toContain('a plain CNAME is there');
  });

  it('copies the source’s own tags to the replica (not Scalepilot’s, not AWS’s) next to its two', async () => {
    rds.on(CreateDBInstanceReadReplicaCommand).resolves({});
    const obs = observation([]);
    const source = { ...obs.source, tags: { team: 'events', 'cost-center': '42' } };
    await adapter().scaler.act(rdsTarget(), create([sp(1)], []), { ...obs, source });
    expect(rds.commandCalls(CreateDBInstanceReadReplicaCommand)[0]?.args[0].input.Tags).toEqual([
      { Key: 'team', Value: 'events' },
      { Key: 'cost-center', Value: '42' },
      { Key: 'scalepilot:managed', Value: 'true' },
      { Key: 'scalepilot:target', Value: 'events-db' },
    ]);
  });

  it('names the source’s VPC security groups and public access (the API’s default is the VPC’s default group)', async () => {
    rds.on(CreateDBInstanceReadReplicaCommand).resolves({});
    const obs = observation([]);
    const source = { ...obs.source, vpcSecurityGroupIds: ['sg-app-db'], publiclyAccessible: false };
    await adapter().scaler.act(rdsTarget(), create([sp(1)], []), { ...obs, source });
    const input = rds.commandCalls(CreateDBInstanceReadReplicaCommand)[0]?.args[0].input;
    expect(input?.VpcSecurityGroupIds).toEqual(['sg-app-db']);
    expect(input?.PubliclyAccessible).toBe(false);
  });

  it('a source with more tags than RDS lets a replica carry: as many as fit beside Scalepilot’s, the draining tag to come included', async () => {
    rds.on(CreateDBInstanceReadReplicaCommand).resolves({});
    const obs = observation([]);
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, `v${i}`]));
    await adapter().scaler.act(rdsTarget(), create([sp(1)], []), {
      ...obs,
      source: { ...obs.source, tags: many },
    });
    const tags = rds.commandCalls(CreateDBInstanceReadReplicaCommand)[0]?.args[0].input.Tags ?? [];
    expect(tags).toHaveLength(49); // the draining tag a scale-in adds makes 50, RDS's most
    expect(tags.slice(-2)).toEqual([
      { Key: 'scalepilot:managed', Value: 'true' },
      { Key: 'scalepilot:target', Value: 'events-db' },
    ]);
  });

  it('DBInstanceAlreadyExists for this source’s replica with this target’s tags: adopted, nothing else created', async () => {
    rds
      .on(CreateDBInstanceReadReplicaCommand)
      .rejects(new DBInstanceAlreadyExistsFault({ message: 'exists', $metadata: {} }));
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: sp(1) }).resolves({
      DBInstances: [tagged({ DBInstanceIdentifier: sp(1), ReadReplicaSourceDBInstanceIdentifier: SOURCE })],
    });
    const attempts: CreateAttempt[] = [];
    const { scaler } = adapter({ onAttempt: (a) => attempts.push(a) });
    await scaler.act(rdsTarget(), create([sp(1), sp(2)], [{}]), observation([]));
    expect(rds.commandCalls(CreateDBInstanceReadReplicaCommand)).toHaveLength(1);
    expect(attempts.map((a) => a.outcome)).toEqual(['adopted']);
  });

  it.each([
    {
      name: 'a replica of another source',
      existing: tagged({ DBInstanceIdentifier: sp(1), ReadReplicaSourceDBInstanceIdentifier: 'other-db' }),
    },
    {
      name: 'an untagged replica of this source',
      existing: { DBInstanceIdentifier: sp(1), ReadReplicaSourceDBInstanceIdentifier: SOURCE },
    },
    {
      name: 'another target’s replica',
      existing: tagged(
        { DBInstanceIdentifier: sp(1), ReadReplicaSourceDBInstanceIdentifier: SOURCE },
        'other',
      ),
    },
  ])(
    'DBInstanceAlreadyExists for $name: not adopted, the next name is tried (bounded)',
    async ({ existing }) => {
      rds
        .on(CreateDBInstanceReadReplicaCommand, { DBInstanceIdentifier: sp(1) })
        .rejects(new DBInstanceAlreadyExistsFault({ message: 'exists', $metadata: {} }))
        .on(CreateDBInstanceReadReplicaCommand, { DBInstanceIdentifier: sp(2) })
        .resolves({});
      rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [existing] });
      await adapter().scaler.act(rdsTarget(), create([sp(1), sp(2), sp(3)], [{}]), observation([]));
      expect(
        rds.commandCalls(CreateDBInstanceReadReplicaCommand).map((c) => c.args[0].input.DBInstanceIdentifier),
      ).toEqual([sp(1), sp(2)]);
    },
  );

  it('DBInstanceAlreadyExists for another stage’s replica with this target’s tags: not adopted, the next name is tried', async () => {
    rds
      .on(CreateDBInstanceReadReplicaCommand, { DBInstanceIdentifier: sp(1) })
      .rejects(new DBInstanceAlreadyExistsFault({ message: 'exists', $metadata: {} }))
      .on(CreateDBInstanceReadReplicaCommand, { DBInstanceIdentifier: sp(2) })
      .resolves({});
    const prods = tagged({ DBInstanceIdentifier: sp(1), ReadReplicaSourceDBInstanceIdentifier: SOURCE });
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        { ...prods, TagList: [...(prods.TagList ?? []), { Key: 'scalepilot:stage', Value: 'prod' }] },
      ],
    });
    const attempts: CreateAttempt[] = [];
    await adapter({ stage: 'dev', onAttempt: (a) => attempts.push(a) }).scaler.act(
      rdsTarget(),
      create([sp(1), sp(2), sp(3)], [{}]),
      observation([]),
    );
    expect(attempts.map((a) => [a.replica, a.outcome])).toEqual([
      [sp(1), 'name-taken'],
      [sp(2), 'created'],
    ]);
    expect(rds.commandCalls(CreateDBInstanceReadReplicaCommand)[1]?.args[0].input.Tags).toContainEqual({
      Key: 'scalepilot:stage',
      Value: 'dev',
    });
  });

  it('every name taken by others: fails after the bounded attempts, naming each', async () => {
    rds
      .on(CreateDBInstanceReadReplicaCommand)
      .rejects(new DBInstanceAlreadyExistsFault({ message: 'exists', $metadata: {} }));
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'x' }] });
    await expect(
      adapter().scaler.act(rdsTarget(), create([sp(1), sp(2), sp(3)], [{}]), observation([])),
    ).rejects.toThrow(ReplicaPlacementError);
    expect(rds.commandCalls(CreateDBInstanceReadReplicaCommand)).toHaveLength(3);
  });

  it('InsufficientDBInstanceCapacity: each fallback class and AZ in order, each attempt recorded', async () => {
    const noCapacity = new InsufficientDBInstanceCapacityFault({ message: 'no capacity', $metadata: {} });
    rds
      .on(CreateDBInstanceReadReplicaCommand, {
        DBInstanceClass: 'db.r6g.large',
        AvailabilityZone: undefined,
      })
      .rejects(noCapacity)
      .on(CreateDBInstanceReadReplicaCommand, { DBInstanceClass: 'db.r5.large' })
      .rejects(noCapacity)
      .on(CreateDBInstanceReadReplicaCommand, { AvailabilityZone: 'us-east-1b' })
      .resolves({});
    const attempts: CreateAttempt[] = [];
    const { scaler } = adapter({ onAttempt: (a) => attempts.push(a) });
    const placements = [
      { instanceClass: 'db.r6g.large' },
      { instanceClass: 'db.r5.large' },
      { instanceClass: 'db.r6g.large', availabilityZone: 'us-east-1b' },
    ];
    const result = await scaler.act(rdsTarget(), create([sp(1)], placements), observation([]));
    // The fallbacks it had to take join the recorded decision's message, not only the logs.
    expect(result?.note).toMatch(
      /^created .* after: .*db\.r6g\.large in any AZ: no capacity; .*db\.r5\.large/,
    );
    expect(attempts.map((a) => [a.placement.instanceClass, a.placement.availabilityZone, a.outcome])).toEqual(
      [
        ['db.r6g.large', undefined, 'insufficient-capacity'],
        ['db.r5.large', undefined, 'insufficient-capacity'],
        ['db.r6g.large', 'us-east-1b', 'created'],
      ],
    );
  });

  it('InsufficientDBInstanceCapacity everywhere: one error listing every attempt', async () => {
    rds
      .on(CreateDBInstanceReadReplicaCommand)
      .rejects(new InsufficientDBInstanceCapacityFault({ message: 'no capacity', $metadata: {} }));
    const run = adapter().scaler.act(
      rdsTarget(),
      create([sp(1), sp(2)], [{ instanceClass: 'db.r6g.large' }, { availabilityZone: 'us-east-1c' }]),
      observation([]),
    );
    await expect(run).rejects.toThrow(/db\.r6g\.large in any AZ.*the source class in us-east-1c/);
    expect(rds.commandCalls(CreateDBInstanceReadReplicaCommand)).toHaveLength(2); // another name would not help
  });

  it('Aurora: a reader is CreateDBInstance in the cluster with promotion tier 15', async () => {
    rds.on(CreateDBInstanceCommand).resolves({});
    const o = {
      ...observation([]),
      aurora: true,
      source: {
        ...observation([]).source,
        id: 'events-cluster',
        engine: 'aurora-postgresql',
        instanceClass: 'db.r6g.large',
      },
    };
    await adapter().scaler.act(
      rdsTarget({ aurora: true, sourceDbInstanceIdentifier: 'events-cluster' }),
      create(['events-cluster-sp-1'], [{}]),
      o,
    );
    expect(rds.commandCalls(CreateDBInstanceCommand)[0]?.args[0].input).toMatchObject({
      DBInstanceIdentifier: 'events-cluster-sp-1',
      DBClusterIdentifier: 'events-cluster',
      Engine: 'aurora-postgresql',
      DBInstanceClass: 'db.r6g.large',
      PromotionTier: 15,
    });
    expect(rds.commandCalls(CreateDBInstanceReadReplicaCommand)).toHaveLength(0);
  });

  it('drain tags scalepilot:draining with the time; cancel removes it; delete only our tagged replica', async () => {
    rds
      .on(AddTagsToResourceCommand)
      .resolves({})
      .on(RemoveTagsFromResourceCommand)
      .resolves({})
      .on(DeleteDBInstanceCommand)
      .resolves({});
    const o = observation([managed(sp(1), 1), replica('hand', 2)]);
    const { scaler } = adapter();
    await scaler.act(
      rdsTarget(),
      { type: 'drain', desired: 2, replica: sp(1), at: '2026-11-30T12:00:00.000Z' },
      o,
    );
    expect(rds.commandCalls(AddTagsToResourceCommand)[0]?.args[0].input).toEqual({
      ResourceName: `arn:aws:rds:us-east-1:123456789012:db:${sp(1)}`,
      Tags: [{ Key: 'scalepilot:draining', Value: '2026-11-30T12:00:00.000Z' }],
    });
    await scaler.act(rdsTarget(), { type: 'cancelDrain', desired: 2, replica: sp(1) }, o);
    expect(rds.commandCalls(RemoveTagsFromResourceCommand)[0]?.args[0].input.TagKeys).toEqual([
      'scalepilot:draining',
    ]);
    await scaler.act(rdsTarget(), { type: 'delete', desired: 1, replica: sp(1) }, o);
    expect(rds.commandCalls(DeleteDBInstanceCommand)[0]?.args[0].input).toMatchObject({
      DBInstanceIdentifier: sp(1),
      SkipFinalSnapshot: true,
    });
    await expect(scaler.act(rdsTarget(), { type: 'delete', desired: 1, replica: 'hand' }, o)).rejects.toThrow(
      /not a replica Scalepilot created/,
    );
    await expect(scaler.act(rdsTarget(), { type: 'delete', desired: 1, replica: SOURCE }, o)).rejects.toThrow(
      /not a replica Scalepilot created/,
    );
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(1);
  });
});

describe('a delete and reader discovery', () => {
  const endpoint = (id: string) => `${id}.abc.us-east-1.rds.amazonaws.com`;
  const o = observation([managed(sp(1), 1), managed(sp(2), 2)]);
  const action: ReplicaAction = { type: 'delete', desired: 1, replica: sp(2), discovery: [endpoint(sp(1))] };
  // A failed replica the same way: still listed, its clients read stale data, then found no instance.
  const failed: ReplicaAction = {
    type: 'deleteFailed',
    desired: 1,
    replica: sp(2),
    pending: true,
    discovery: [endpoint(sp(1))],
  };

  it.each([
    { name: 'a delete', act: action },
    { name: 'a failed replica’s delete', act: failed },
  ])('$name takes the replica out of discovery before it deletes it', async ({ act }) => {
    const order: string[] = [];
    rds.on(DeleteDBInstanceCommand).callsFake(async () => void order.push('delete'));
    const discovery: ReaderDiscovery = {
      published: async () => undefined,
      publish: async (_t, endpoints) => void order.push(`publish ${endpoints.join(',')}`),
    };
    const scaler = new RdsReplicaCapacity(aws, {
      client: new RDSClient(aws),
      discovery,
      scalableTargets: noNativeScaling,
    });
    await scaler.act(rdsTarget(), act, o);
    expect(order).toEqual([`publish ${endpoint(sp(1))}`, 'delete']);
  });

  it('deletes nothing when the publish fails (clients would be sent to an instance that is going)', async () => {
    const discovery: ReaderDiscovery = {
      published: async () => undefined,
      publish: async () => {
        throw new Error('Route 53 throttled');
      },
    };
    const scaler = new RdsReplicaCapacity(aws, {
      client: new RDSClient(aws),
      discovery,
      scalableTargets: noNativeScaling,
    });
    await expect(scaler.act(rdsTarget(), action, o)).rejects.toThrow('Route 53 throttled');
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
  });
});

// aws-sdk-client-mock: moto deletes at once, so it cannot answer a retried delete with InvalidDBInstanceState.
describe('a delete answered InvalidDBInstanceState: what the instance is then decides', () => {
  const busy = () =>
    new InvalidDBInstanceStateFault({ message: 'Instance is not in available state', $metadata: {} });
  it.each([
    { name: 'deleting (a retry of our own delete): done', found: 'deleting' as const, refused: false },
    {
      name: 'gone by the time we look (our first attempt deleted it): done',
      found: 'gone' as const,
      refused: false,
    },
    { name: 'backing-up: refused, tried again later', found: 'backing-up' as const, refused: true },
  ])('$name', async ({ found, refused }) => {
    rds.on(DeleteDBInstanceCommand).rejects(busy());
    if (found === 'gone')
      rds
        .on(DescribeDBInstancesCommand)
        .rejects(new DBInstanceNotFoundFault({ message: 'gone', $metadata: {} }));
    else rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: found }] });
    const o = observation([managed(sp(1), 1), managed(sp(2), 2)]);
    const deleting = adapter().scaler.act(rdsTarget(), { type: 'delete', desired: 1, replica: sp(2) }, o);
    if (refused) await expect(deleting).rejects.toBeInstanceOf(RequestRefusedError);
    else await deleting;
  });
});
