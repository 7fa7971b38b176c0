import { describe, expect, it } from 'vitest';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { useEmulator } from '../harness/useEmulator';
import {
  MANUAL,
  rdsPolicy,
  rdsScalerOnEmulator,
  SCOPE,
  SOURCE,
  SP1,
  showCreating,
} from './scaleRdsReplicasHarness';

// The "How it will be checked", end to end with the example policy's `events-db` target on the
// emulator: the handler runs in-process (moto's Lambda needs Docker) against moto's RDS, CloudWatch,
// DynamoDB (the real lease and ledger) and SNS.
// Known moto behaviour, worked around here: new instances are `available` at once and never `creating`
// (a replica "still being created" is shown by the harness proxy rewriting DescribeDBInstances); a second
// CreateDBInstanceReadReplica with an existing id silently overwrites it, where AWS raises
// DBInstanceAlreadyExists (so "no second replica while one is pending" is asserted on the calls that
// reach the emulator, and the AlreadyExists path is tested with aws-sdk-client-mock in
// tests/unit/adapters/RdsReplicaCapacity.test.ts); `tag:` filters are not supported (the adapter filters
// by `db-instance-id` and reads tags from TagList).

const emulator = useEmulator();

const low = { connections: 10, cpu: 5, lag: 0 };

describe('scale-rds-replicas against the emulator (the issue’s scenario, example policy)', () => {
  it('alarm creates one tagged replica; none more while pending; lag blocks removal; low load drains and removes only the managed one', async () => {
    const s = await rdsScalerOnEmulator(emulator);
    const ledger = new DynamoLedger(emulator.aws, 'ledger', SCOPE);
    const madeByHand = emulator.calls('CreateDBInstanceReadReplica'); // the hand-made replica
    const creates = () => emulator.calls('CreateDBInstanceReadReplica') - madeByHand;
    const describesBefore = emulator.calls('DescribeDBInstances');

    // 1. An alarm with the hand-made reader at 95% of its connections: one managed, tagged replica.
    await s.putLoad({ [MANUAL]: { connections: 95, cpu: 50, lag: 0 } });
    const [created] = await s.alarm('alarm-1');
    expect(created?.decision).toMatchObject({ reason: 'ScaleOut', current: 1, desired: 2 });
    expect(creates()).toBe(1);
    // Two describe calls per look, filtered by identifier (never a scan of the account): the first look, and
    // the read under the lease every mutation is decided from (issue 20 item 4: never the first look's).
    expect(emulator.calls('DescribeDBInstances') - describesBefore).toBe(4);
    expect(await s.tagsOf(SP1)).toMatchObject({
      'scalepilot:managed': 'true',
      'scalepilot:target': 'events-db',
      'scalepilot:stage': 'test', // the function's stage: another stage on the source never takes it
    });
    expect(
      (await s.instances()).find((i) => i.DBInstanceIdentifier === SP1)
        ?.ReadReplicaSourceDBInstanceIdentifier,
    ).toBe(SOURCE);

    // 2. A second alarm while the replica is still being created: nothing new (the pending operation).
    showCreating(emulator, [SP1]);
    s.clock.advance(60);
    await s.putLoad({ [MANUAL]: { connections: 97, cpu: 60, lag: 0 } });
    const [pending] = await s.alarm('alarm-2');
    expect(pending?.decision.reason).toBe('OperationPending');
    expect(creates()).toBe(1);

    // 3. Available: the operation completes; load in between changes nothing.
    showCreating(emulator, undefined);
    s.clock.advance(6 * 60);
    await s.putLoad({
      [MANUAL]: { connections: 60, cpu: 50, lag: 0 },
      [SP1]: { connections: 60, cpu: 50, lag: 0 },
    });
    const settled = await s.schedule('tick-1');
    expect(settled.map((e) => e.decision.reason)).toEqual(['OperationCompleted', 'NoThresholdBreached']);

    // 4. Low load after the cooldown, but a replica lags past the limit (on a PostgreSQL source, past the
    // 5 minutes an idle one reports: 400 s): no removal.
    s.clock.advance(11 * 60);
    await s.putLoad({ [MANUAL]: { ...low, lag: 400 }, [SP1]: low });
    const [lagging] = await s.schedule('tick-2');
    expect(lagging?.decision.reason).toBe('ReplicaLagging');
    expect(emulator.calls('AddTagsToResource') + emulator.calls('DeleteDBInstance')).toBe(0);

    // 5. Lag back under the limit: the managed replica (never the hand-made one) drains first.
    s.clock.advance(60);
    await s.putLoad({ [MANUAL]: low, [SP1]: low });
    const [drain] = await s.schedule('tick-3');
    expect(drain?.decision.reason).toBe('Draining');
    expect((await s.tagsOf(SP1))['scalepilot:draining']).toBe(s.clock.now().toISOString());
    expect(emulator.calls('DeleteDBInstance')).toBe(0);

    // 6. Still low after drainSeconds (300): deleted; the hand-made replica stays.
    s.clock.advance(301);
    await s.putLoad({ [MANUAL]: low });
    const [removed] = await s.schedule('tick-4');
    expect(removed?.decision).toMatchObject({ reason: 'ScaleIn', current: 2, desired: 1 });
    expect(emulator.calls('DeleteDBInstance')).toBe(1);
    expect((await s.instances()).map((i) => i.DBInstanceIdentifier).sort()).toEqual([SOURCE, MANUAL]);

    // 7. Low for ever after: at the minimum, the hand-made replica is never deleted.
    s.clock.advance(15 * 60);
    await s.putLoad({ [MANUAL]: low });
    const later = await s.schedule('tick-5');
    expect(later.map((e) => e.decision.reason)).not.toContain('ScaleIn');
    expect(emulator.calls('DeleteDBInstance')).toBe(1);
    expect((await s.instances()).map((i) => i.DBInstanceIdentifier).sort()).toEqual([SOURCE, MANUAL]);

    const reasons = (await ledger.decisions('events-db')).map((d) => d.reason);
    expect(reasons).toEqual(
      expect.arrayContaining(['ScaleOut', 'OperationPending', 'ReplicaLagging', 'Draining', 'ScaleIn']),
    );
  });

  it('a hand-made replica above the minimum is a recorded NotOwned skip, never an error or a delete', async () => {
    const policy = rdsPolicy();
    const [db] = policy.targets;
    if (db?.kind !== 'rds-replicas') throw new Error('example policy changed');
    const s = await rdsScalerOnEmulator(emulator, {
      ...policy,
      targets: [{ ...db, capacity: { min: 0, max: 3 } }],
    });
    await s.putLoad({ [MANUAL]: low });
    s.clock.advance(60);
    await s.putLoad({ [MANUAL]: low });
    const [skip] = await s.schedule('tick-1');
    expect(skip?.decision.reason).toBe('NotOwned');
    expect(emulator.calls('DeleteDBInstance')).toBe(0);
    expect((await s.instances()).map((i) => i.DBInstanceIdentifier)).toContain(MANUAL);
  });
});
