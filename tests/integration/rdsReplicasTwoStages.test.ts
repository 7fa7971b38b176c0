import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { RdsReplicaCapacity } from '../../shared/adapters/RdsReplicaCapacity';
import { useEmulator } from '../harness/useEmulator';
import { rdsTarget } from '../unit/decision/rdsReplicasFixtures';
import {
  auroraCluster,
  MANUAL,
  rdsPolicy,
  rdsScalerOnEmulator,
  SCOPE,
  SOURCE,
  SP1,
} from './scaleRdsReplicasHarness';

// The same policy deployed as two stages against one source (a dev stage pointed at prod's database, a
// blue/green redeploy under a new stage name), on moto: each stage tags the replicas it creates with its name,
// reads the other's as the other's (moto returns each instance's TagList; the adapters use no `tag:` filter,
// which moto lacks), never drains or deletes them, and holds its target while they exist (OtherStageReplicas).

const emulator = useEmulator();

const tagsOf = async (rds: RDSClient, id: string) =>
  Object.fromEntries(
    (
      (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0]
        ?.TagList ?? []
    ).map((t) => [t.Key, t.Value]),
  );

describe('two stages against one source', () => {
  it('the adapters: blue’s replica carries its stage tag; green reads it as blue’s and will not drain or delete it', async () => {
    await new DemoAccount(emulator.aws).createDbInstance(SOURCE);
    const rds = new RDSClient(clientOptions(emulator.aws));
    const target = rdsTarget({ sourceDbInstanceIdentifier: SOURCE });
    const blue = new RdsReplicaCapacity(emulator.aws, { stage: 'blue' });
    const green = new RdsReplicaCapacity(emulator.aws, { stage: 'green' });
    await blue.setCapacity(target, 1);
    expect(await tagsOf(rds, SP1)).toMatchObject({
      'scalepilot:managed': 'true',
      'scalepilot:target': 'events-db',
      'scalepilot:stage': 'blue',
    });
    expect((await blue.observe(target)).replicas.map((r) => [r.id, r.otherStage])).toEqual([
      [SP1, undefined],
    ]);
    const seen = await green.observe(target);
    expect(seen.replicas.map((r) => [r.id, r.otherStage])).toEqual([[SP1, 'blue']]);

    const drain = { type: 'drain' as const, desired: 1, replica: SP1, at: new Date().toISOString() };
    await expect(green.act(target, drain, seen)).rejects.toThrow(/not a replica Scalepilot created/);
    await expect(green.act(target, { type: 'delete', desired: 0, replica: SP1 }, seen)).rejects.toThrow(
      /not a replica Scalepilot created/,
    );
    await expect(green.setCapacity(target, 0)).rejects.toThrow(/another stage's/);
    expect(emulator.calls('DeleteDBInstance') + emulator.calls('AddTagsToResource')).toBe(0);
    // Blue's own replica is still blue's to remove.
    await blue.setCapacity(target, 0);
    expect(emulator.calls('DeleteDBInstance')).toBe(1);
  });

  it('Aurora: blue’s reader carries its stage tag, and green reads it as blue’s', async () => {
    const rds = await auroraCluster(emulator.aws);
    const target = rdsTarget({ aurora: true, sourceDbInstanceIdentifier: 'events-cluster' });
    await new RdsReplicaCapacity(emulator.aws, { stage: 'blue' }).setCapacity(target, 1);
    expect(await tagsOf(rds, 'events-cluster-sp-1')).toMatchObject({ 'scalepilot:stage': 'blue' });
    const seen = await new RdsReplicaCapacity(emulator.aws, { stage: 'green' }).observe(target);
    expect(seen.replicas.map((r) => [r.id, r.otherStage])).toEqual([['events-cluster-sp-1', 'blue']]);
  });

  it('the scalers: stage green, load low, neither drains nor deletes blue’s replica, and records the hold, told once', async () => {
    const policy = rdsPolicy();
    const [db] = policy.targets;
    if (db?.kind !== 'rds-replicas') throw new Error('example policy changed');
    // No drain: a scale-in would delete at once, the worst a second stage could do.
    const quick = { ...policy, targets: [{ ...db, drainSeconds: 0 }] };
    const blue = await rdsScalerOnEmulator(emulator, quick);
    await blue.putLoad({ [MANUAL]: { connections: 96, cpu: 80, lag: 0 } });
    const [created] = await blue.schedule('blue-1');
    expect(created?.decision.reason).toBe('ScaleOut');
    expect(await blue.tagsOf(SP1)).toMatchObject({ 'scalepilot:stage': 'test' });

    const green = await rdsScalerOnEmulator(emulator, quick, emulator.aws, {
      stage: 'green',
      sourceMade: true,
    });
    const low = { connections: 5, cpu: 5, lag: 0 };
    const notices = () => emulator.calls('Publish') + emulator.calls('PublishBatch');
    const told = notices();
    for (const tick of ['green-1', 'green-2']) {
      green.clock.advance(10 * 60);
      await green.putLoad({ [MANUAL]: low, [SP1]: low });
      const [held] = await green.schedule(tick);
      expect(held?.decision).toMatchObject({ reason: 'OtherStageReplicas', current: 2, desired: 2 });
      expect(held?.decision.message).toContain(`${SOURCE} has replicas Scalepilot's stage test made (${SP1}`);
    }
    expect(emulator.calls('DeleteDBInstance') + emulator.calls('AddTagsToResource')).toBe(0);
    expect((await green.instances()).map((i) => i.DBInstanceIdentifier).sort()).toEqual(
      [SOURCE, MANUAL, SP1].sort(),
    );
    expect(notices() - told).toBe(1);
    // The hold is the notice green's ledger keeps (told once while it lasts).
    const recorded = await new DynamoLedger(emulator.aws, 'ledger-green', SCOPE).read('events-db');
    expect(recorded.lastNotice).toBe('OtherStageReplicas');
  });
});
