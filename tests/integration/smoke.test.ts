import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { CloudWatchMetricsReader } from '../../shared/adapters/CloudWatchMetricsReader';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { RdsReplicaCapacity } from '../../shared/adapters/RdsReplicaCapacity';
import { alarmDefinitions } from '../../shared/policy/alarmDefinitions';
import { examplePolicy } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// Every adapter against moto, through the one endpoint seam. moto's DescribeInstanceRefreshes is answered
// by the harness proxy (moto lacks it).
const emulator = useEmulator({ reset: false });

describe('the adapters against the emulator', () => {
  it('create and read back a group, a database with a replica, an alarm, metrics and a ledger lease', async () => {
    const policy = examplePolicy();
    const [api, db] = policy.targets;
    if (api?.kind !== 'asg' || db?.kind !== 'rds-replicas') throw new Error('example policy changed');
    const account = new DemoAccount(emulator.aws);

    await account.createAutoScalingGroup(api.autoScalingGroupName, { min: 2, max: 10, desired: 3 });
    const group = await new AutoScalingCapacity(emulator.aws).describe(api);
    expect(group).toMatchObject({ current: 3, liveMin: 2, liveMax: 10 });
    expect(group.busy).toBeUndefined();

    await account.createDbInstance(db.sourceDbInstanceIdentifier);
    const replicas = new RdsReplicaCapacity(emulator.aws);
    expect((await replicas.describe(db)).current).toBe(0);
    await replicas.setCapacity(db, 1);
    const afterCreate = await replicas.describe(db);
    expect(afterCreate.current).toBe(1);
    await replicas.setCapacity(db, 2); // fixed names: the second replica is -sp-2, the first untouched
    expect((await replicas.describe(db)).current).toBe(2);

    const alarm = alarmDefinitions(policy, 'smoke')[0];
    if (!alarm) throw new Error('no alarm');
    await account.putAlarm(alarm, 'arn:aws:lambda:us-east-1:123456789012:function:scalepilot-smoke-scaleAsg');
    const described = await new CloudWatchClient(clientOptions(emulator.aws)).send(
      new DescribeAlarmsCommand({ AlarmNames: [alarm.alarmName] }),
    );
    expect(described.MetricAlarms?.[0]).toMatchObject({
      Threshold: 70,
      ComparisonOperator: 'GreaterThanThreshold',
    });

    const now = new Date();
    await account.putMetric(alarm.metric, 42.5, new Date(now.getTime() - 60_000));
    const readings = await new CloudWatchMetricsReader(emulator.aws).recent(
      [{ id: 'cpu', metric: alarm.metric }],
      now,
      600,
    );
    expect(readings.values.get('cpu')?.at(-1)?.value).toBe(42.5);

    await account.createLedgerTable('ledger');
    const ledger = new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1');
    const first = await ledger.acquireLease('api', 'first', now, 60);
    expect(first?.token).toBe(1);
    expect(await ledger.acquireLease('api', 'second', now, 60)).toBeUndefined(); // the conditional write refuses
    const second = await ledger.acquireLease('api', 'second', new Date(now.getTime() + 61_000), 60); // expired
    expect(second?.token).toBe(2);
    if (first) await ledger.releaseLease(first); // no longer the holder: a no-op
    expect(await ledger.acquireLease('api', 'third', new Date(now.getTime() + 62_000), 60)).toBeUndefined();
  });
});
