import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { CloudWatchMetricsReader } from '../../shared/adapters/CloudWatchMetricsReader';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { floorAt } from '../../shared/decision/floors';
import { higherFloors } from '../../shared/decision/plans/higherFloors';
import type { Decision } from '../../shared/decision/types';
import { LeaseLostError } from '../../shared/errors';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import { asgScalerOnEmulator, lambdaContext, testClock } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// The safety issue's ledger and metric paths against moto's DynamoDB and CloudWatch (issue #11, items 3, 4).

const GROUP = 'five-minute-group';
const CPU = { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: GROUP } };

const emulator = useEmulator();

describe('metric freshness against the emulator', () => {
  it('defect 4: a 300-second period with the default staleness is accepted and acted on', async () => {
    // The policy keeps the default metricStaleAfterSeconds (300) with 300-second periods: validation
    // accepts it and the decision allows two periods, so the newest complete datapoint (ended 2 min ago,
    // started 7 min ago) is fresh. Before the fix it was 420 s old by its start and read as missing.
    const policy = validatePolicy({
      version: 1,
      targets: [
        {
          name: 'batch',
          kind: 'asg',
          autoScalingGroupName: GROUP,
          capacity: { min: 2, max: 10 },
          rules: [
            {
              name: 'cpu',
              type: 'step',
              metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', periodSeconds: 300 },
              scaleOut: [{ above: 70, add: 2 }],
              scaleIn: [{ below: 30, remove: 1 }],
            },
          ],
        },
      ],
    });
    const period = 300_000;
    const boundary = Math.floor(Date.now() / period) * period;
    const clock = testClock(new Date(boundary + 120_000)); // two minutes into the current period
    const { handler, account } = await asgScalerOnEmulator(emulator, policy, clock);
    await account.createAutoScalingGroup(GROUP, { min: 2, max: 10, desired: 2 });
    await account.putMetrics([
      { metric: CPU, value: 85, timestamp: new Date(boundary - 200_000) }, // the last complete period
      { metric: CPU, value: 5, timestamp: new Date(boundary + 60_000) }, // the period still filling
    ]);
    const [result] = await handler(
      { source: 'aws.events', 'detail-type': 'Scheduled Event', time: clock.now().toISOString() },
      lambdaContext('tick'),
    );
    expect(result?.decision).toMatchObject({
      reason: 'ScaleOut',
      current: 2,
      desired: 4,
      metrics: { cpu: 85 },
    });
    const group = await new AutoScalingClient(clientOptions(emulator.aws)).send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }),
    );
    expect(group.AutoScalingGroups?.[0]?.DesiredCapacity).toBe(4);
  });

  it('the reader drops the period in progress and aligns its start to the periods', async () => {
    const account = new DemoAccount(emulator.aws);
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const now = new Date(minute + 40_000);
    await account.putMetrics([
      { metric: CPU, value: 10, timestamp: new Date(minute - 120_000 + 5_000) },
      { metric: CPU, value: 20, timestamp: new Date(minute - 60_000 + 5_000) },
      { metric: CPU, value: 99, timestamp: new Date(minute + 10_000) }, // in progress
    ]);
    const read = await new CloudWatchMetricsReader(emulator.aws).recent(
      [{ id: 'cpu', metric: { ...CPU, statistic: 'Average', periodSeconds: 60 } }],
      now,
      600,
    );
    expect(read.failures).toEqual([]);
    expect(read.values.get('cpu')?.map((p) => [p.timestamp.getTime() - minute, p.value])).toEqual([
      [-120_000, 10],
      [-60_000, 20],
    ]);
  });
});

describe('the ledger on DynamoDB (defect 3)', () => {
  const context = (now: Date) => ({ trigger: 'schedule' as const, applied: true, dryRun: false, now });
  const decision = {
    target: 'api',
    kind: 'asg',
    current: 2,
    desired: 4,
    recommendation: 4,
    direction: 'out',
    reason: 'ScaleOut',
    message: 'm',
    metrics: {},
  } as Decision;

  it('fences writes by the lease token: a holder whose lease was taken over can neither write an intent nor record', async () => {
    const account = new DemoAccount(emulator.aws);
    await account.createLedgerTable('ledger');
    const ledger = new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1');
    const t0 = new Date('2026-11-22T12:00:00Z');
    const slow = await ledger.acquireLease('api', 'slow', t0, 60);
    const t1 = new Date(t0.getTime() + 61_000);
    const fast = await ledger.acquireLease('api', 'fast', t1, 60);
    if (!slow || !fast) throw new Error('no lease');
    expect(fast.token).toBe(slow.token + 1);

    const intent = (lease: typeof slow) => ({
      id: `${lease.owner}#${lease.token}`,
      from: 2,
      to: 4,
      at: t1,
      token: lease.token,
      reason: 'ScaleOut' as const,
    });
    await expect(ledger.writeIntent(slow, intent(slow), t1, 15)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(
      ledger.record(decision, context(t1), { lease: slow, clearIntent: true }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await ledger.decisions('api')).toEqual([]); // the refused record wrote no log entry either

    await ledger.writeIntent(fast, intent(fast), t1, 15);
    expect((await ledger.read('api')).intent).toMatchObject({ id: 'fast#2', from: 2, to: 4, at: t1 });
    await ledger.record(decision, context(t1), { lease: fast, clearIntent: true, failures: { count: 0 } });
    expect((await ledger.read('api')).intent).toBeUndefined();
    expect((await ledger.decisions('api')).map((d) => d.reason)).toEqual(['ScaleOut']);
  });

  it('refuses an intent when the lease has less time left than the call needs', async () => {
    const account = new DemoAccount(emulator.aws);
    await account.createLedgerTable('ledger');
    const ledger = new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1');
    const t0 = new Date('2026-11-22T12:00:00Z');
    const lease = await ledger.acquireLease('api', 'r', t0, 20);
    if (!lease) throw new Error('no lease');
    const late = new Date(t0.getTime() + 10_000); // 10 s left, 15 s needed
    await expect(
      ledger.writeIntent(
        lease,
        { id: 'r#1', from: 2, to: 4, at: late, token: lease.token, reason: 'ScaleOut' },
        late,
        15,
      ),
    ).rejects.toBeInstanceOf(LeaseLostError);
  });
});

describe('the ledger keeps a merged floor schedule’s sources (issue 24)', () => {
  it('a plan member’s floors read back from DynamoDB name, step by step, the floor each step took', async () => {
    const account = new DemoAccount(emulator.aws);
    await account.createLedgerTable('ledger');
    const ledger = new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1');
    const start = new Date('2026-11-22T12:00:00Z');
    const own = { start, stepMinutes: 5, units: [4, 4, 2], madeAt: start, source: 'forecast of cpu' };
    const plan = { start, stepMinutes: 5, units: [2, 6, 6], madeAt: start, source: 'plan rush' };
    await ledger.writeFloors('api', higherFloors(own, plan));
    const floors = (await ledger.read('api')).floors;
    expect(floors?.units).toEqual([4, 6, 6]);
    expect([0, 5, 10].map((m) => floorAt(floors, new Date(start.getTime() + m * 60_000))?.source)).toEqual([
      'forecast of cpu',
      'plan rush',
      'plan rush',
    ]);
  });
});
