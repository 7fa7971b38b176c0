import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateDBInstanceReadReplicaCommand, RDSClient } from '@aws-sdk/client-rds';
import type { Emulator } from '../../bin/lib/emulator';
import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { rdsReplicaScaler } from '../../shared/adapters/RdsReplicaCapacity';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { scalerRuntimeFromEnv } from '../../shared/lambda/scalerRuntimeFromEnv';
import type { Policy } from '../../shared/policy/schema';
import { capturedLog, examplePolicy, lambdaContext, type testClock } from '../harness/fixtures';
import { SCOPE, SOURCE, SP1 } from './scaleRdsReplicasHarness';

// The example's plan of the API and the read replicas on the emulator, for tests/integration/plansAct.test.ts
// and planCommand.test.ts.

export const GROUP = 'event-platform-api';
export const LOAD_BALANCER = 'app/event-platform/50dc6c495c0c9188';

/** The example policy, the cache left out, the API waiting for the replicas; no percentOf (moto has no metric math). */
export function gatedPolicy(): Policy {
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
    // The gate waits for the replica to serve (gateTiming serving): the scenarios follow the API held until
    // then; the in-time gate is shown through the walk in tests/unit/usecases/evaluatePlans.test.ts.
    plans: [
      {
        ...plan,
        gateTiming: 'serving',
        members: [{ ...api, waitFor: ['events-db'] }, db] as typeof plan.members,
      },
    ],
  };
}

/**
 * The account both plan tests start from: the API's group at 6, the source and two manual replicas, the
 * ledger, the pause switch, the topic; each kind's handler with only its own kind's AWS client (as each
 * function has only its own role), on `clock`; `putMinute` writes the last complete minute's metrics.
 */
export async function gatedPlanAccount(emulator: Emulator, clock: ReturnType<typeof testClock>) {
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
      capacity: (aws, stage) => rdsReplicaScaler(aws, { stage }),
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
  return { clock, policy, putMinute, asg, replicas, schedule, desired };
}
