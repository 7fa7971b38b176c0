import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeScheduledActionsCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import fc from 'fast-check';
import { beforeAll, expect } from 'vitest';
import type { Emulator } from '../../bin/lib/emulator';
import { fanOutQueueName } from '../../infra/fanOutResources';
import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { elastiCacheShardScaler } from '../../shared/adapters/ElastiCacheShardCapacity';
import { rdsReplicaScaler } from '../../shared/adapters/RdsReplicaCapacity';
import { ScalingError } from '../../shared/errors';
import { costFunction } from '../../shared/lambda/costFunction';
import { predictFunction } from '../../shared/lambda/predictFunction';
import { scalerFunction } from '../../shared/lambda/scalerFunction';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { Policy, TargetKind } from '../../shared/policy/schema';
import type { KindScaler } from '../../shared/ports';
import {
  capturedLog,
  examplePolicy,
  lambdaContext,
  seedStepTargetInput,
  testClock,
} from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';
import { rdsPolicy } from './scaleRdsReplicasHarness';

// Every Lambda handler on moto, and the oracle each event is checked by, for malformedEventsFuzz.test.ts.

const SCOPE = '123456789012#us-east-1';
export const ACCOUNT = '123456789012';
/** Each scaler's own fan-out queue, named as serverless.yml names it in the function's FANOUT_QUEUE_URL. */
export const queueOf = (kind: TargetKind) => fanOutQueueName('scalepilot', 'test', kind);
export const queueArn = (kind: TargetKind) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${queueOf(kind)}`;
const GROUP = 'g';
/** What a handler may write when it returns a documented skip: its ledger records (decisions, idempotency). */
const LEDGER_WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'TransactWriteItems',
  'BatchWriteItem',
]);
const READ = /^(Describe|Get|List|Query|Scan|BatchGet)/;
/** The skips a handler documents for an event it takes but does not act on (createScalerHandler.ts). */
const SKIPS = new Set(['ForeignAlarm', 'StaleEvent', 'DuplicateEvent']);
/** A 300 kB string: an event must not be echoed back whole in a refusal. */
export const HUGE = 'x'.repeat(300_000);
/** The longest refusal the test accepts: one log line an operator reads, not the event echoed back. */
const MAX_MESSAGE = 2_000;

/** The hot asg group's policy: one step rule, predictive. */
export const asgPolicy: Policy = validatePolicy({
  version: 1,
  targets: [seedStepTargetInput({ autoScalingGroupName: GROUP, predictive: true })],
  predictive: { enabled: true, mode: 'forecast-and-scale', lookbackDays: 2 },
});
/** One replication group, scaled on engine CPU and memory. */
export const cachePolicy: Policy = validatePolicy({
  version: 1,
  targets: [
    {
      name: 'sessions',
      kind: 'cache-shards',
      replicationGroupId: 'sessions-rg',
      capacity: { min: 1, max: 6 },
      rules: [
        {
          name: 'engine-cpu',
          type: 'step',
          metric: { namespace: 'AWS/ElastiCache', name: 'EngineCPUUtilization' },
          scaleOut: [{ above: 70, add: 1 }],
          scaleIn: [{ below: 30, remove: 1 }],
        },
        {
          name: 'memory',
          type: 'step',
          metric: { namespace: 'AWS/ElastiCache', name: 'DatabaseMemoryUsagePercentage' },
          scaleOut: [{ above: 80, add: 1 }],
          scaleIn: [{ below: 40, remove: 1 }],
        },
      ],
    },
  ],
});
const costPolicy = (): Policy => ({
  ...examplePolicy(),
  notifications: { ...examplePolicy().notifications, webhookParameterName: undefined },
});

/** The functions' clock, and the time every event is stamped with. */
export const clock = testClock(new Date());
export type Handler = (event: unknown) => Promise<unknown>;
const env = (topicArn: string, kind: TargetKind) => ({
  LEDGER_TABLE: 'ledger',
  SCALEPILOT_STAGE: 'test',
  TOPIC_ARN: topicArn,
  SCALEPILOT_SCOPE: SCOPE,
  FANOUT_QUEUE_URL: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${queueOf(kind)}`,
});

/** A fuzzed event, its family, and what a refusal's message must name. */
export interface Case {
  readonly family: string;
  readonly event: unknown;
  readonly names: RegExp;
}

/**
 * The test file's emulator, set up once before its tests: the ledger, the pause switch, the topic, the hot
 * group, the RDS source, the replication group; every handler built on it as the deployed functions build
 * them, by name; and the oracle and the account's state, read on it.
 */
export function everyHandlerOnEmulator() {
  const emulator = useEmulator({ reset: false });
  const handlers = new Map<string, Handler>();

  beforeAll(async () => {
    await emulator.reset();
    emulator.answer('DescribeScalableTargets', () => ({ ScalableTargets: [] }));
    const account = new DemoAccount(emulator.aws);
    await account.createLedgerTable('ledger');
    await account.createPauseSwitch('test');
    const topicArn = await account.createTopic('scalepilot-test');
    await account.createAutoScalingGroup(GROUP, { min: 2, max: 10, desired: 2 });
    await account.createDbInstance('event-platform-db');
    await account.createReplicationGroup('sessions-rg', 3);
    const hot = [270, 210, 150, 90, 30].map((ago) => ({
      metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: GROUP } },
      value: 95,
      timestamp: new Date(clock.now().getTime() - ago * 1000),
    }));
    await account.putMetrics(hot);
    const overrides = (policy: Policy, kind: TargetKind = 'asg') => ({
      env: env(topicArn, kind),
      policy,
      aws: emulator.aws,
      clock,
    });
    const context = (id: string) => lambdaContext(id) as never;
    let n = 0;
    const wrap =
      (h: (event: never, context: never) => Promise<unknown>): Handler =>
      (event) => {
        n += 1;
        return h(event as never, context(`fuzz-${n}`));
      };
    // The same capacity ports as functions/*/handler.ts.
    handlers.set(
      'asg',
      wrap(
        scalerFunction('asg', (aws) => new AutoScalingCapacity(aws), overrides(asgPolicy), { emf: false }),
      ),
    );
    handlers.set(
      'rds-replicas',
      wrap(
        scalerFunction(
          'rds-replicas',
          (aws, stage) => rdsReplicaScaler(aws, { stage }),
          overrides(rdsPolicy(), 'rds-replicas'),
          {
            emf: false,
          },
        ),
      ),
    );
    handlers.set(
      'cache-shards',
      wrap(
        scalerFunction(
          'cache-shards',
          (aws) => elastiCacheShardScaler(aws) as KindScaler<unknown>,
          overrides(cachePolicy, 'cache-shards'),
          { emf: false },
        ),
      ),
    );
    handlers.set(
      'alert-cost',
      wrap(costFunction({ ...overrides(costPolicy()), logger: capturedLog().sink })),
    );
    handlers.set('predict', wrap(predictFunction({ ...overrides(asgPolicy), logger: capturedLog().sink })));
  });

  const handler = (name: string): Handler => {
    const h = handlers.get(name);
    if (!h) throw new Error(`no handler ${name}`);
    return h;
  };

  return {
    emulator,
    handler,
    check: (h: Handler, c: Case) => check(emulator, h, c),
    accountState: () => accountState(emulator),
  };
}

/**
 * Sends one event and checks the rule: a refusal is a Scalepilot error with a one-line message naming what is
 * wrong, and reached no mutating call at all; a result is a documented skip, and wrote nothing but its ledger
 * records. Returns the outcome, for the figures.
 */
async function check(emulator: Emulator, handler: Handler, c: Case): Promise<string> {
  const before = emulator.actions().length;
  const mutations = () =>
    emulator
      .actions()
      .slice(before)
      .filter((a) => !READ.test(a));
  let result: unknown;
  try {
    result = await handler(c.event);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const where = `${c.family}: ${fc.stringify(c.event).slice(0, 200)}`;
    if (!(error instanceof ScalingError))
      expect.fail(`${where}: ${(error as Error)?.name} is no Scalepilot error: ${message.slice(0, 300)}`);
    expect(message, where).toMatch(c.names);
    expect(message.length, `${where}: a ${message.length}-character message`).toBeLessThanOrEqual(
      MAX_MESSAGE,
    );
    expect(message, where).not.toMatch(/\n\s+at /);
    expect(mutations(), `${where}: refused, yet called`).toEqual([]);
    return error.name;
  }
  const where = `${c.family}: ${fc.stringify(c.event).slice(0, 200)} returned ${JSON.stringify(result).slice(0, 300)}`;
  expect(Array.isArray(result), where).toBe(true);
  const reasons = (result as { decision: { reason: string } }[]).map((e) => e.decision.reason);
  for (const reason of reasons) expect(SKIPS, where).toContain(reason);
  expect(
    mutations().filter((a) => !LEDGER_WRITES.has(a)),
    where,
  ).toEqual([]);
  return reasons.join('+') || 'nothing to do';
}

/** The account as an operator would look at it: the group, its scheduled actions, the DB instances. */
async function accountState(emulator: Emulator) {
  const autoscaling = new AutoScalingClient(clientOptions(emulator.aws));
  const groups = await autoscaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }),
  );
  const actions = await autoscaling.send(
    new DescribeScheduledActionsCommand({ AutoScalingGroupName: GROUP }),
  );
  const rds = await new RDSClient(clientOptions(emulator.aws)).send(new DescribeDBInstancesCommand({}));
  return {
    desired: groups.AutoScalingGroups?.map((g) => [g.MinSize, g.DesiredCapacity, g.MaxSize]),
    scheduled: actions.ScheduledUpdateGroupActions?.map((a) => a.ScheduledActionName),
    instances: rds.DBInstances?.map((i) => i.DBInstanceIdentifier).sort(),
  };
}
