import { describe, expect, it } from 'vitest';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { testClock } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';
import { gatedPlanAccount } from './gatedPlanHarness';
import { SCOPE, SP1, showCreating } from './scaleRdsReplicasHarness';

// Issue 24, phase two, through the real handlers on the emulator: the example's API (scale-asg) and read
// replicas (scale-rds-replicas) in its plan, the API waiting for the replicas (a readiness gate). Each
// handler has only its own kind's AWS client, as each function has only its own role: what one knows of the
// other comes through the ledger (moto's DynamoDB) and the plan's demand through CloudWatch (moto's).
// moto shows a new replica `available` at once: the harness proxy shows it `creating` until the test says.

const emulator = useEmulator();

describe('a plan at work through the deployed handlers, on the emulator', () => {
  it('the replicas’ function requests the third replica; the API’s holds at 6 until it serves, then grows to 9', async () => {
    const s = await gatedPlanAccount(emulator, testClock(new Date()));
    const ledger = new DynamoLedger(emulator.aws, 'ledger', SCOPE);
    s.clock.advance(60);
    await s.putMinute(4500); // 9 instances, 3 replicas
    const groupsDescribed = emulator.calls('DescribeAutoScalingGroups');
    const db = await s.schedule(s.replicas);
    // Each function calls only its own service: what it knows of the other member is in the ledger.
    expect(emulator.calls('DescribeAutoScalingGroups')).toBe(groupsDescribed);
    expect(db).toMatchObject({ current: 2, desired: 3, reason: 'PredictiveFloor' });
    expect(emulator.calls('CreateDBInstanceReadReplica')).toBe(3); // two by hand, one by the scaler
    showCreating(emulator, [SP1]);
    const databasesDescribed = emulator.calls('DescribeDBInstances');
    const held = await s.schedule(s.asg);
    expect(emulator.calls('DescribeDBInstances')).toBe(databasesDescribed);
    expect(held).toMatchObject({ current: 6, desired: 6, reason: 'ReadinessGate' });
    expect(held?.message).toContain('api held at 6 until events-db serves 3 read replicas (serving 2)');
    expect(await s.desired()).toBe(6);

    // The members' states, as each function recorded them in the ledger for the other.
    const recorded = await ledger.readPlanMembers(['api', 'events-db']);
    expect(recorded.get('events-db')).toMatchObject({ ordered: 3, serving: 2, growing: { to: 3 } });
    expect(recorded.get('api')).toMatchObject({ ordered: 6, serving: 6 });

    // Fifteen minutes later the replica serves: the replicas' function learns its lead time; the API grows.
    s.clock.advance(15 * 60);
    showCreating(emulator, undefined);
    await s.putMinute(4500);
    expect((await s.schedule(s.replicas))?.reason).toBe('OperationCompleted');
    expect((await ledger.readPlanMembers(['events-db'])).get('events-db')?.leadSeconds).toEqual([900]);
    expect(await s.schedule(s.asg)).toMatchObject({ current: 6, desired: 9, reason: 'PredictiveFloor' });
    expect(await s.desired()).toBe(9);
    expect(emulator.calls('SetDesiredCapacity')).toBe(1);
  });
});
