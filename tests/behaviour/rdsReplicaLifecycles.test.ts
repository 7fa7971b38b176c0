import { RDSClient } from '@aws-sdk/client-rds';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { rdsPendingMaintenance } from '../../shared/adapters/RdsPendingMaintenance';
import { RdsReplicaCapacity } from '../../shared/adapters/RdsReplicaCapacity';
import { SsmReaderEndpoints } from '../../shared/adapters/SsmReaderEndpoints';
import { rdsReplicasModel } from '../../shared/decision/rdsReplicas';
import { ScalerWorld } from '../harness/awsBehaviour/scalerWorld';
import { replicasPolicy } from './worldPolicies';
import { calls, decisions, run, story } from './worldRuns';

// Issue 21's RDS defects, each played through the AWS behaviour layer with its life cycle on the virtual
// clock (moto alone shows every replica available at once and never refuses): each test fails without its
// fix.

const SP1 = 'db-sp-1';
const SP2 = 'db-sp-2';
let world: ScalerWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

async function start(options: Parameters<typeof ScalerWorld.start>[0]) {
  world = await ScalerWorld.start(options);
  return world;
}

describe('RDS read replicas through the AWS behaviour layer (issue 21)', () => {
  it.each([
    {
      name: 'ReplicaLag −1 (MySQL: replication not active), before StatusInfos shows it',
      engine: 'mysql' as const,
      shown: false,
    },
    { name: 'StatusInfos replication error (PostgreSQL: no −1)', engine: 'postgres' as const, shown: true },
  ])(
    '1: $name is unhealthy: the healthy replica is never drained for the stale one',
    async ({ engine, shown }) => {
      const w = await start({ policy: replicasPolicy(), sources: { reads: { engine } } });
      await w.existingReplica('reads', 'db', SP1);
      await w.existingReplica('reads', 'db', SP2);
      await run(w, 'rds-replicas', 4);
      w.layer.rds.stopReplication(SP1, shown ? 'error' : 'stopped', 'Error 1062: duplicate entry', { shown });
      w.demand.set('reads', 0.3); // low load: the scaler would like one replica fewer
      await run(w, 'rds-replicas', 30);
      const touched = [...calls(w, 'AddTagsToResource'), ...calls(w, 'DeleteDBInstance')];
      expect(
        touched.map((c) => c.resource),
        story(w),
      ).not.toContain(`arn:aws:rds:us-east-1:123456789012:db:${SP2}`);
      expect(calls(w, 'DeleteDBInstance').map((c) => c.resource)).not.toContain(SP2);
      // The stale replica is no capacity: removed as a failed replica of Scalepilot's.
      expect(calls(w, 'DeleteDBInstance').map((c) => c.resource)).toContain(SP1);
      expect(decisions(w).some((d) => d.reason === 'RemovingFailedReplica')).toBe(true);
      // That delete runs for minutes: an operation in flight like any other, nothing else meanwhile
      // (the soak found a replica created while a failed one was still being deleted).
      expect(
        decisions(w).some((d) => d.reason === 'OperationPending' && d.message.startsWith('deleteFailed')),
      ).toBe(true);
    },
  );

  it('2: a replica stuck in creating has a deadline: one notice, then a decision that acts again', async () => {
    const w = await start({
      policy: replicasPolicy({ replicaCreateDeadlineMinutes: 20 }),
      layer: { rds: { stuckCreating: 1, stuckMinutes: [600, 600] } },
    });
    await run(w, 'rds-replicas', 36);
    const creates = calls(w, 'CreateDBInstanceReadReplica').filter((c) => c.outcome === 'ok');
    expect(
      creates.map((c) => c.resource),
      story(w),
    ).toEqual([SP1, SP2]);
    // The replacement came after the first create's deadline, not before; the stuck one is Scalepilot's.
    expect((creates[1]?.at ?? 0) - (creates[0]?.at ?? 0)).toBeGreaterThanOrEqual(20 * 60_000);
    expect(decisions(w).some((d) => d.reason === 'ReplacingFailedReplica' && d.message.includes(SP1))).toBe(
      true,
    );
    const notices = w.layer.notices.filter((n) => n.reason === 'OperationFailed');
    expect(notices).toHaveLength(1);
    expect((notices[0]?.at ?? 0) - (creates[0]?.at ?? 0)).toBeLessThanOrEqual((20 + 30) * 60_000);
  });

  it('a new replica still loading its volumes (storage-initialization) past the create deadline serves: its create is done, never replaced', async () => {
    const w = await start({
      policy: replicasPolicy({ replicaCreateDeadlineMinutes: 20 }),
      layer: { rds: { storageInitialization: 1, storageInitializationMinutes: [180, 180] } },
    });
    await run(w, 'rds-replicas', 90);
    const creates = calls(w, 'CreateDBInstanceReadReplica').filter((c) => c.outcome === 'ok');
    expect(
      creates.map((c) => c.resource),
      story(w),
    ).toEqual([SP1]);
    expect(w.layer.rds.status(SP1)).toBe('storage-initialization');
    expect(w.layer.counts.get('rds.storageInitialization')).toBe(1);
    const reasons = decisions(w).map((d) => d.reason);
    expect(reasons).not.toContain('OperationFailed');
    expect(reasons).not.toContain('ReplacingFailedReplica');
    expect(calls(w, 'DeleteDBInstance')).toEqual([]);
  });

  it('a replica whose replacements keep failing is told once an hour, not once a replacement (no notice storm)', async () => {
    const w = await start({
      policy: replicasPolicy(),
      layer: { rds: { createFailure: 1, failureStates: ['failed'], createMinutes: [5, 6] } },
    });
    await run(w, 'rds-replicas', 50);
    const failed = decisions(w).filter((d) => d.reason === 'OperationFailed');
    expect(failed.length, story(w)).toBeGreaterThanOrEqual(2);
    expect(w.layer.notices.filter((n) => n.reason === 'OperationFailed')).toHaveLength(1);
  });

  it('3: InvalidDBInstanceState on delete is a refusal, recorded and retried with backoff, never an operation in flight for ever', async () => {
    const w = await start({ policy: replicasPolicy({ drainSeconds: 0 }) });
    await w.existingReplica('reads', 'db', SP1);
    await w.existingReplica('reads', 'db', SP2);
    await run(w, 'rds-replicas', 4);
    // Someone changes the newest replica's class: RDS refuses to delete it while it is modifying.
    w.layer.rds.consoleResize(SP2, 'db.r6g.xlarge', 20);
    w.demand.set('reads', 0.2);
    await run(w, 'rds-replicas', 60);
    const deletes = calls(w, 'DeleteDBInstance').filter((c) => c.resource === SP2);
    expect(
      deletes.some((d) => d.error === 'InvalidDBInstanceState'),
      story(w),
    ).toBe(true);
    expect(
      decisions(w).some(
        (d) => d.reason === 'ActionFailed' && /InvalidDBInstanceState|modifying/.test(d.message),
      ),
    ).toBe(true);
    // Once the modification ended, the retry deleted it.
    expect(deletes.at(-1)?.outcome).toBe('ok');
    expect([undefined, 'deleting']).toContain(w.layer.rds.status(SP2)); // deleting, or gone
    expect(w.layer.notices.filter((n) => n.reason === 'ActionFailed')).toHaveLength(1);
  });

  it('5: a source in maintenance holds the target, told once after 30 minutes; a change waiting for its window holds nothing', async () => {
    const w = await start({ policy: replicasPolicy() });
    await w.existingReplica('reads', 'db', SP1);
    // A class change waits for the maintenance window, 2 hours away, then takes 90 minutes to apply.
    w.layer.rds.pendingMaintenance('db', { instanceClass: 'db.r6g.xlarge' }, 120, 90);
    w.demand.set('reads', 1.6);
    await run(w, 'rds-replicas', 40);
    const created = calls(w, 'CreateDBInstanceReadReplica').filter((c) => c.outcome === 'ok');
    expect(created.length, story(w)).toBeGreaterThan(0);
    // `scalepilot plan` shows what waits for the window.
    const plan = await rdsPendingMaintenance(
      new RDSClient(clientOptions(w.layer.harnessAws)),
      w.policy.targets[0] as never,
    );
    expect(plan.join('; ')).toMatch(/DBInstanceClass db\.r6g\.xlarge/);
    await run(w, 'rds-replicas', 120, { step: 4 }); // into the window: modifying from minute 120
    const held = decisions(w).filter((d) => d.reason === 'SourceNotAvailable');
    expect(held.length).toBeGreaterThan(0);
    const notices = w.layer.notices.filter((n) => n.reason === 'SourceNotAvailable');
    expect(notices).toHaveLength(1);
    const windowOpens = Date.parse('2026-03-02T02:00:00Z');
    expect((notices[0]?.at ?? 0) - windowOpens).toBeGreaterThanOrEqual(30 * 60_000);
    expect((notices[0]?.at ?? 0) - windowOpens).toBeLessThanOrEqual(34 * 60_000);
  });

  it('6: a cross-Region replica (an ARN among the source’s replicas) is foreign: counted against the limit, never touched', async () => {
    const w = await start({ policy: replicasPolicy({ capacity: { min: 1, max: 15 } }) });
    w.layer.rds.addCrossRegionReplica('db', 'arn:aws:rds:us-west-2:123456789012:db:db-west');
    const adapter = new RdsReplicaCapacity(w.layer.harnessAws);
    const seen = await adapter.observe(w.policy.targets[0] as never);
    expect(seen.crossRegionReplicas).toEqual(['arn:aws:rds:us-west-2:123456789012:db:db-west']);
    expect(seen.replicas.map((r) => r.id)).not.toContain('arn:aws:rds:us-west-2:123456789012:db:db-west');
    // It uses up one of the source's 15 replicas: the scaler's ceiling is 14.
    expect(rdsReplicasModel.capacity(w.policy.targets[0] as never, seen, w.clock.now()).liveMax).toBe(14);
    expect(await adapter.prerequisites(w.policy.targets[0] as never)).toEqual([
      expect.stringMatching(/capacity\.max 15 plus 1 replica\(s\) .*exceeds the 15/),
    ]);
    await run(w, 'rds-replicas', 4);
    expect(w.layer.mutations.filter((m) => m.resource.includes('us-west-2'))).toEqual([]);
  });

  it('9: connections are read against each replica’s own class (a fallback class has its own max_connections)', async () => {
    const w = await start({
      policy: replicasPolicy({
        replicaInstanceClass: 'db.r6g.large',
        fallbackInstanceClasses: ['db.r6g.xlarge'],
        maxConnectionsByInstanceClass: { 'db.r6g.large': 100, 'db.r6g.xlarge': 200 },
        rules: [
          {
            name: 'connections',
            type: 'step',
            metric: {
              namespace: 'AWS/RDS',
              name: 'DatabaseConnections',
              statistic: 'Maximum',
              percentOf: 100,
            },
            scaleOut: [{ above: 90, add: 1 }],
            scaleIn: [{ below: 40, remove: 1 }],
          },
        ],
      }),
      layer: { rds: { noCapacityClasses: ['db.r6g.large'] } },
      maxConnections: (c) => (c === 'db.r6g.xlarge' ? 200 : 100),
    });
    w.demand.set('reads', 0.6); // 60% of the replica's own limit: 120 of 200 connections
    await run(w, 'rds-replicas', 50);
    const created = calls(w, 'CreateDBInstanceReadReplica').filter((c) => c.outcome === 'ok');
    expect(
      created.map((c) => c.detail.DBInstanceClass),
      story(w),
    ).toEqual(['db.r6g.xlarge']);
    expect(decisions(w).filter((d) => d.direction === 'out' && d.reason === 'ScaleOut')).toEqual([]);
  });

  it('11: an older failed replica with deletion protection is left in place, told once, and never deleted', async () => {
    const w = await start({ policy: replicasPolicy() });
    await w.existingReplica('reads', 'db', SP1, { deletionProtection: true });
    await w.existingReplica('reads', 'db', SP2);
    await run(w, 'rds-replicas', 4);
    w.layer.rds.fillStorage(SP1);
    await run(w, 'rds-replicas', 40);
    expect(
      calls(w, 'DeleteDBInstance').map((c) => c.resource),
      story(w),
    ).not.toContain(SP1);
    expect(w.layer.notices.filter((n) => n.reason === 'DeletionProtected')).toHaveLength(1);
  });

  it('a managed replica with a read replica of its own (a cascade someone made) is never drained or deleted: its delete would promote that replica', async () => {
    const w = await start({ policy: replicasPolicy() });
    await w.existingReplica('reads', 'db', SP1);
    await w.existingReplica('reads', 'db', SP2);
    await run(w, 'rds-replicas', 4);
    // Someone replicates the newest managed replica (MySQL cascading replicas): deleting SP2 now would
    // promote db-analytics to a standalone instance (RDS DeleteDBInstance).
    await w.manualReplica(SP2, 'db-analytics');
    w.demand.set('reads', 0.2); // low load: one replica fewer would do
    await run(w, 'rds-replicas', 40);
    const touched = [...calls(w, 'AddTagsToResource'), ...calls(w, 'DeleteDBInstance')].map(
      (c) => c.resource,
    );
    expect(
      touched.filter((r) => r.endsWith(SP2)),
      story(w),
    ).toEqual([]);
    // The scale-in takes the managed replica nobody replicates from instead.
    expect(calls(w, 'DeleteDBInstance').map((c) => c.resource)).toContain(SP1);
    // Whatever an action says, the adapter refuses the delete (tools' setCapacity bypasses the gates).
    const adapter = new RdsReplicaCapacity(w.layer.harnessAws);
    const target = w.policy.targets[0] as never;
    const seen = await adapter.observe(target);
    expect(seen.replicas.find((r) => r.id === SP2)?.replicas).toEqual(['db-analytics']);
    await expect(adapter.act(target, { type: 'delete', desired: 0, replica: SP2 }, seen)).rejects.toThrow(
      /read replicas of its own \(db-analytics\)/,
    );
    await expect(adapter.setCapacity(target, 0)).rejects.toThrow(/read replicas of their own/);
    expect(calls(w, 'DeleteDBInstance').map((c) => c.resource)).not.toContain(SP2);
  });

  it('a serving replica is never drained while the others only come up: min counts what serves (seed 12345)', async () => {
    const w = await start({ policy: replicasPolicy() });
    await w.existingReplica('reads', 'db', SP1);
    await run(w, 'rds-replicas', 4);
    // Someone adds a replica by hand: `creating` for 10-20 minutes, counted by the scaler as coming capacity.
    await w.manualReplica('db', 'db-by-hand');
    w.demand.set('reads', 0.2); // low load: one replica fewer would do
    let drainedWhileComingUp = false;
    await run(w, 'rds-replicas', 40, {
      each: () => {
        const comingUp = w.layer.rds.status('db-by-hand') !== 'available';
        if (comingUp && calls(w, 'AddTagsToResource').some((c) => c.resource.endsWith(`:db:${SP1}`)))
          drainedWhileComingUp = true;
      },
    });
    expect(drainedWhileComingUp, story(w)).toBe(false);
    expect(decisions(w).some((d) => d.reason === 'AtMinCapacity' && d.message.includes(SP1))).toBe(true);
  });
});

describe('reader discovery while a replica is being created (the RDS kind’s step while an operation runs)', () => {
  it('a replica that lags during another’s 10–20 minute create leaves discovery at once, not when the create ends', async () => {
    const w = await start({
      policy: replicasPolicy({ readerDiscovery: { ssmParameterName: '/reads/readers' } }),
    });
    const readers = () => new SsmReaderEndpoints(w.layer.harnessAws).published('/reads/readers');
    await w.existingReplica('reads', 'db', SP1);
    await run(w, 'rds-replicas', 4);
    const [sp1] = (await readers()) ?? [];
    expect(sp1, story(w)).toContain(SP1);
    w.demand.set('reads', 2); // twice what one replica takes: one more
    await run(w, 'rds-replicas', 4);
    expect(calls(w, 'CreateDBInstanceReadReplica').map((c) => c.resource)).toEqual([SP2]);
    w.layer.rds.lagEpisode(SP1, 900, 30);
    await run(w, 'rds-replicas', 4);
    // SP2 still creating: the create is the operation in flight, and discovery has left SP1 all the same.
    expect(w.layer.rds.status(SP2)).toBe('creating');
    const during = (await readers()) ?? [];
    expect(during, story(w)).not.toContain(sp1);
    expect(
      decisions(w).some(
        (d) => d.reason === 'OperationPending' && d.message.includes('reader discovery set to'),
      ),
    ).toBe(true);
  });
});
