import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateDBInstanceReadReplicaCommand, RDSClient } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { rdsReplicaScaler } from '../../shared/adapters/RdsReplicaCapacity';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { scalerRuntimeFromEnv } from '../../shared/lambda/scalerRuntimeFromEnv';
import type { Policy } from '../../shared/policy/schema';
import { capturedLog, examplePolicy, lambdaContext, testClock } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';
import { SCOPE, SOURCE, SP1, showCreating } from './scaleRdsReplicasHarness';

// Issue 24, phase two, through the real handlers on the emulator: the example's API (scale-asg) and read
// replicas (scale-rds-replicas) in its plan, the API waiting for the replicas (a readiness gate). Each
// handler has only its own kind's AWS client, as each function has only its own role: what one knows of the
// other comes through the ledger (moto's DynamoDB) and the plan's demand through CloudWatch (moto's).
// moto shows a new replica `available` at once: the harness proxy shows it `creating` until the test says.

const emulator = useEmulator();
const GROUP = 'event-platform-api';
const LOAD_BALANCER = 'app/event-platform/50dc6c495c0c9188';

/** The example policy, the cache left out, the API waiting for the replicas; no percentOf (moto has no metric math). */
function gatedPolicy(): Policy {
  const example = examplePolicy();
  const plan = example.plans[0];
  if (!plan) throw new Error('the example policy has no plan');
  const [api, db] = plan.members;
  return {
    ...example,
    targets: example.targets
      .filter((t) => t.kind !== 'cache-shards')
      .map((t) => ({
        ...t,
        rules: t.rules.map((r) => {
          const { percentOf: _, ...metric } = r.metric;
          return { ...r, metric };
        }),
      })) as Policy['targets'],
    plans: [{ ...plan, members: [{ ...api, waitFor: ['events-db'] }, db] as typeof plan.members }],
  };
}

async function setUp() {
  const clock = testClock(new Date());
  const policy = gatedPolicy();
  const account = new DemoAccount(emulator.aws);
  await account.createLedgerTable('ledger');
  await account.createPauseSwitch('test');
  const topicArn = await account.createTopic('scalepilot-test');
  await account.createAutoScalingGroup(GROUP, { min: 2, max: 10, desired: 6 });
  await account.createDbInstance(SOURCE);
  const rds = new RDSClient(clientOptions(emulator.aws));
  for (const id of [`${SOURCE}-manual-1`, `${SOURCE}-manual-2`])
    await rds.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: id,
        SourceDBInstanceIdentifier: SOURCE,
      }),
    );
  const env = {
    LEDGER_TABLE: 'ledger',
    SCALEPILOT_STAGE: 'test',
    TOPIC_ARN: topicArn,
    SCALEPILOT_SCOPE: SCOPE,
  };
  const asg = createScalerHandler(
    scalerRuntimeFromEnv({
      kind: 'asg',
      capacity: (aws) => new AutoScalingCapacity(aws),
      logger: capturedLog().sink,
      env,
      policy,
      aws: emulator.aws,
      clock,
    }),
  );
  const replicas = createScalerHandler(
    scalerRuntimeFromEnv({
      kind: 'rds-replicas',
      capacity: (aws) => rdsReplicaScaler(aws),
      logger: capturedLog().sink,
      env,
      policy,
      aws: emulator.aws,
      clock,
    }),
  );
  /** The last complete minute: the demand (requests a minute), every rule in its band, no lag. */
  const putMinute = async (demand: number) => {
    const at = new Date(clock.now().getTime() - 60_000);
    const readers = [`${SOURCE}-manual-1`, `${SOURCE}-manual-2`, SP1];
    await account.putMetrics([
      {
        metric: {
          namespace: 'AWS/ApplicationELB',
          name: 'RequestCount',
          dimensions: { LoadBalancer: LOAD_BALANCER },
        },
        value: demand,
        timestamp: at,
      },
      ...['CPUUtilization', 'mem_used_percent'].map((name) => ({
        metric: {
          namespace: name === 'CPUUtilization' ? 'AWS/EC2' : 'CWAgent',
          name,
          dimensions: { AutoScalingGroupName: GROUP },
        },
        value: 50,
        timestamp: at,
      })),
      ...[SOURCE, ...readers].flatMap((id) =>
        [
          ['DatabaseConnections', 60],
          ['CPUUtilization', 50],
          ['ReplicaLag', 0],
        ].map(([name, value]) => ({
          metric: { namespace: 'AWS/RDS', name: name as string, dimensions: { DBInstanceIdentifier: id } },
          value: value as number,
          timestamp: at,
        })),
      ),
    ]);
  };
  let runs = 0;
  const schedule = async (handler: typeof asg) => {
    runs += 1;
    const [evaluation] = await handler(
      {
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        time: clock.now().toISOString(),
        id: `tick-${runs}`,
        detail: {},
      } as never,
      lambdaContext(`run-${runs}`),
    );
    return evaluation?.decision;
  };
  const desired = async () =>
    (
      await new AutoScalingClient(clientOptions(emulator.aws)).send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }),
      )
    ).AutoScalingGroups?.[0]?.DesiredCapacity;
  return { clock, putMinute, asg, replicas, schedule, desired };
}

describe('a plan at work through the deployed handlers, on the emulator', () => {
  it('the replicas’ function requests the third replica; the API’s holds at 6 until it serves, then grows to 9', async () => {
    const s = await setUp();
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
