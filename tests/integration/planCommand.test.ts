import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateDBInstanceReadReplicaCommand, RDSClient } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { rdsReplicaScaler } from '../../shared/adapters/RdsReplicaCapacity';
import type { PlanOverview } from '../../shared/decision/plans/planOverview';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { scalerRuntimeFromEnv } from '../../shared/lambda/scalerRuntimeFromEnv';
import type { Policy } from '../../shared/policy/schema';
import { capturedLog, examplePolicy, lambdaContext, testClock } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';
import { SCOPE, SOURCE, SP1, showCreating } from './scaleRdsReplicasHarness';

// `scalepilot plan` (the real CLI) on the emulator, in the middle of a rush: the replicas' function has
// requested the third replica (moto shows it `available` at once: the harness proxy shows it `creating`), the
// API's holds at its readiness gate. The CLI describes both members with the operator's credentials and reads
// the ledger the functions wrote and the demand from CloudWatch, as the walk does.

const emulator = useEmulator();
const CLI = new URL('../../bin/scalepilot', import.meta.url).pathname;
const run = promisify(execFile);
const GROUP = 'event-platform-api';

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

describe('scalepilot plan on the emulator', () => {
  it('shows the plan’s members, the gate holding the API and the order of the next steps; --json too', async () => {
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
    // The functions run a minute behind the CLI's own clock, so the CLI reads their minute as complete.
    const clock = testClock(new Date(Date.now() - 60_000));
    const at = new Date(clock.now().getTime() - 60_000);
    await account.putMetrics([
      {
        metric: {
          namespace: 'AWS/ApplicationELB',
          name: 'RequestCount',
          dimensions: { LoadBalancer: 'app/event-platform/50dc6c495c0c9188' },
        },
        value: 4500, // 9 instances, 3 replicas
        timestamp: at,
      },
      ...[
        ['AWS/EC2', 'CPUUtilization'],
        ['CWAgent', 'mem_used_percent'],
      ].map(([namespace, name]) => ({
        metric: {
          namespace: namespace as string,
          name: name as string,
          dimensions: { AutoScalingGroupName: GROUP },
        },
        value: 50,
        timestamp: at,
      })),
      ...[SOURCE, `${SOURCE}-manual-1`, `${SOURCE}-manual-2`, SP1].flatMap((id) =>
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
    const env = {
      LEDGER_TABLE: 'ledger',
      SCALEPILOT_STAGE: 'test',
      TOPIC_ARN: topicArn,
      SCALEPILOT_SCOPE: SCOPE,
    };
    const handler = (kind: 'asg' | 'rds-replicas') =>
      createScalerHandler(
        scalerRuntimeFromEnv({
          kind,
          capacity: kind === 'asg' ? (aws) => new AutoScalingCapacity(aws) : (aws) => rdsReplicaScaler(aws),
          logger: capturedLog().sink,
          env,
          policy,
          aws: emulator.aws,
          clock,
        }),
      );
    const tick = (id: string) =>
      ({
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        time: clock.now().toISOString(),
        id,
        detail: {},
      }) as never;
    const [db] = await handler('rds-replicas')(tick('t1'), lambdaContext('r1'));
    expect(db?.decision).toMatchObject({ current: 2, desired: 3 });
    showCreating(emulator, [SP1]);
    const [api] = await handler('asg')(tick('t2'), lambdaContext('r2'));
    expect(api?.decision.reason).toBe('ReadinessGate');

    const file = join(tmpdir(), `scalepilot-plan-${process.pid}.yml`);
    await writeFile(file, stringify(JSON.parse(JSON.stringify(policy))));
    const cli = async (...extra: string[]) =>
      (
        await run(
          CLI,
          [
            'plan',
            file,
            '--endpoint',
            emulator.endpoint,
            '--table',
            'ledger',
            '--account',
            '123456789012',
            ...extra,
          ],
          {
            env: {
              ...process.env,
              AWS_REGION: 'us-east-1',
              AWS_ACCESS_KEY_ID: 'testing',
              AWS_SECRET_ACCESS_KEY: 'testing',
            },
          },
        )
      ).stdout;
    const text = await cli();
    expect(text).toContain('plan ticket-rush: demand 4,500');
    expect(text).toContain(
      '  events-db: 3 read replicas (2 serving), wants 3, floor 3 PlanDemand; lead 15 min (the rds-replicas default)',
    );
    expect(text).toContain(
      '  api: 6 instances (6 serving), wants 9, floor 9 PlanDemand; lead 5 min (instanceWarmupSeconds)',
    );
    // The gate as the API's own decision gives it.
    expect(text).toMatch(
      /\n {2}gate: .*api held at 6 until events-db serves 3 read replicas \(serving 2\)\n/,
    );
    expect(text).toContain('  next: 1. api 6 → 9 (5 min lead), waits for events-db');

    const json = JSON.parse(await cli('--json')) as { targets: { target: string }[]; plans: PlanOverview[] };
    expect(json.targets.map((t) => t.target).sort()).toEqual(['api', 'events-db']);
    expect(json.plans).toMatchObject([
      {
        plan: 'ticket-rush',
        demand: 4500,
        members: [
          { member: 'events-db', current: 3, serving: 2, wanted: 3 },
          { member: 'api', current: 6, serving: 6, wanted: 9 },
        ],
        gates: [{ member: 'api' }],
        steps: [{ member: 'api', from: 6, to: 9, direction: 'out', leadMinutes: 5, waitsFor: ['events-db'] }],
      },
    ]);
    showCreating(emulator, undefined);
  }, 90_000);
});
