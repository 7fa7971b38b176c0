import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  type DBInstance,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import type { Emulator } from '../../bin/lib/emulator';
import { type AwsConfig, clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { rdsReplicaScaler } from '../../shared/adapters/RdsReplicaCapacity';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { scalerRuntimeFromEnv } from '../../shared/lambda/scalerRuntimeFromEnv';
import type { Policy } from '../../shared/policy/schema';
import { alarmActionEvent, capturedLog, examplePolicy, lambdaContext, testClock } from '../harness/fixtures';

// The RDS scaler on the emulator, for tests/integration/scaleRdsReplicas*.test.ts.

export const SOURCE = 'event-platform-db';
export const MANUAL = `${SOURCE}-manual`;
export const SP1 = `${SOURCE}-sp-1`;
export const ALARM = 'scalepilot-test.events-db.connections.gt90';
export const SCOPE = '123456789012#us-east-1';

/**
 * The example policy's RDS target. moto's metric math evaluates only an expression that is a bare query id,
 * so the connections rule's `percentOf: 100` (CloudWatch math `100 * m / 100`) would read nothing there:
 * it reads the raw count, which for the example's pool of 100 connections is the same number.
 */
export const rdsPolicy = (): Policy => ({
  ...examplePolicy(),
  targets: examplePolicy()
    .targets.filter((t) => t.kind === 'rds-replicas')
    .map((t) => ({
      ...t,
      rules: t.rules.map((r) => {
        const { percentOf: _, ...metric } = r.metric;
        return { ...r, metric };
      }),
    })),
  // The example's plan links the replicas to targets left out here.
  plans: [],
});

/** A second stage of the same policy on the same account (its own ledger, kill switch and topic). */
export interface OtherStage {
  /** The stage's name (the first is `test`, with the ledger table `ledger`). */
  readonly stage: string;
  /** The source and its hand-made replica exist already (the first stage made them). */
  readonly sourceMade: true;
}

/**
 * The RDS scaler wired as in Lambda, on the emulator, with a test clock; the source and a hand-made replica.
 * `functionAws`: where the function's own clients go (a fault proxy in front of the emulator); the set-up and
 * the helpers below always reach the emulator itself. `other`: another stage's scaler on the same source.
 */
export async function rdsScalerOnEmulator(
  em: Emulator,
  policy: Policy = rdsPolicy(),
  functionAws: AwsConfig = em.aws,
  other?: OtherStage,
) {
  const clock = testClock(new Date());
  const log = capturedLog();
  const account = new DemoAccount(em.aws);
  const stage = other?.stage ?? 'test';
  const table = other ? `ledger-${stage}` : 'ledger';
  await account.createLedgerTable(table);
  await account.createPauseSwitch(stage);
  const topicArn = await account.createTopic(`scalepilot-${stage}`);
  const rds = new RDSClient(clientOptions(em.aws));
  if (!other) {
    await account.createDbInstance(SOURCE);
    await rds.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: MANUAL,
        SourceDBInstanceIdentifier: SOURCE,
      }),
    );
  }
  const runtime = scalerRuntimeFromEnv({
    kind: 'rds-replicas',
    capacity: (aws, deployed) => rdsReplicaScaler(aws, { stage: deployed }),
    logger: log.sink,
    env: { LEDGER_TABLE: table, SCALEPILOT_STAGE: stage, TOPIC_ARN: topicArn, SCALEPILOT_SCOPE: SCOPE },
    policy,
    aws: functionAws,
    clock,
  });
  const handler = createScalerHandler(runtime);
  /** Reader load (each reader's connections % and CPU) and lag, in the last complete minute. */
  const putLoad = async (readers: Record<string, { connections: number; cpu: number; lag: number }>) => {
    const at = new Date(clock.now().getTime() - 60_000);
    await account.putMetrics(
      Object.entries(readers).flatMap(([id, v]) => [
        {
          metric: {
            namespace: 'AWS/RDS',
            name: 'DatabaseConnections',
            dimensions: { DBInstanceIdentifier: id },
          },
          value: v.connections,
          timestamp: at,
        },
        {
          metric: { namespace: 'AWS/RDS', name: 'CPUUtilization', dimensions: { DBInstanceIdentifier: id } },
          value: v.cpu,
          timestamp: at,
        },
        {
          metric: { namespace: 'AWS/RDS', name: 'ReplicaLag', dimensions: { DBInstanceIdentifier: id } },
          value: v.lag,
          timestamp: at,
        },
      ]),
    );
  };
  const instances = async (): Promise<DBInstance[]> =>
    ((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).filter(
      (i) => i.DBInstanceStatus !== 'deleting',
    );
  const tagsOf = async (id: string) =>
    Object.fromEntries(
      ((await instances()).find((i) => i.DBInstanceIdentifier === id)?.TagList ?? []).map((t) => [
        t.Key,
        t.Value,
      ]),
    );
  const schedule = (id: string) =>
    handler(
      {
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        time: clock.now().toISOString(),
        id,
        detail: {},
      } as never,
      lambdaContext(id),
    );
  const alarm = (id: string) => handler(alarmActionEvent(ALARM, 'ALARM', clock.now()), lambdaContext(id));
  return { clock, log, account, rds, handler, putLoad, instances, tagsOf, schedule, alarm };
}

/** Shows these replicas as `creating` (moto never does), as AWS shows one for 10-20 minutes. */
export function showCreating(em: Emulator, ids: readonly string[] | undefined) {
  em.rewrite(
    'DescribeDBInstances',
    ids &&
      ((body) =>
        ids.reduce(
          (b, id) =>
            b.replace(
              new RegExp(
                `(<DBInstanceIdentifier>${id}</DBInstanceIdentifier>[\\s\\S]*?<DBInstanceStatus>)available(</DBInstanceStatus>)`,
              ),
              '$1creating$2',
            ),
          body,
        )),
  );
}

/** The Aurora cluster `events-cluster` with its writer `events-writer` (its create's extra fields given). */
export async function auroraCluster(
  aws: AwsConfig,
  writer: { PubliclyAccessible?: boolean } = {},
): Promise<RDSClient> {
  const rds = new RDSClient(clientOptions(aws));
  await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: 'events-cluster',
      Engine: 'aurora-postgresql',
      MasterUsername: 'scalepilot',
      MasterUserPassword: 'demo-password-1',
    }),
  );
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'events-writer',
      DBClusterIdentifier: 'events-cluster',
      Engine: 'aurora-postgresql',
      DBInstanceClass: 'db.r6g.large',
      ...writer,
    }),
  );
  return rds;
}
