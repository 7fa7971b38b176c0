import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeScheduledActionsCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { elastiCacheShardScaler } from '../../shared/adapters/ElastiCacheShardCapacity';
import { rdsReplicaScaler } from '../../shared/adapters/RdsReplicaCapacity';
import { ScalingError } from '../../shared/errors';
import { costFunction } from '../../shared/lambda/costFunction';
import { predictFunction } from '../../shared/lambda/predictFunction';
import { scalerFunction } from '../../shared/lambda/scalerFunction';
import { alarmDefinitions } from '../../shared/policy/alarmDefinitions';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { Policy, TargetKind } from '../../shared/policy/schema';
import type { KindScaler } from '../../shared/ports';
import {
  alarmActionEvent,
  capturedLog,
  examplePolicy,
  lambdaContext,
  seedStepTargetInput,
  testClock,
} from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';
import { rdsPolicy } from './scaleRdsReplicasHarness';

// Every Lambda handler (the three scalers with their alarm, SNS, schedule and fan-out paths, alert-cost and
// predict), built as the deployed functions build them (middy, Powertools) against moto, fed fuzzed events:
// random JSON, and real-shaped events with a field removed, of the wrong type, an alarm or target no policy
// knows, a wildcard, a huge string. Each must come back as a documented result or a Scalepilot error whose
// one-line message names what is wrong, and reach no mutating call; a refused event reaches none at all.
// The asg group is hot throughout (95% CPU): a valid event would scale it, as the control at the end shows.

const emulator = useEmulator({ reset: false });
const SCOPE = '123456789012#us-east-1';
const ACCOUNT = '123456789012';
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:scalepilot-test-scale-asg-fanout`;
const GROUP = 'g';
const RUNS = 150;
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
const HUGE = 'x'.repeat(300_000);
/** The longest refusal the test accepts: one log line an operator reads, not the event echoed back. */
const MAX_MESSAGE = 2_000;

const asgPolicy: Policy = validatePolicy({
  version: 1,
  targets: [seedStepTargetInput({ autoScalingGroupName: GROUP, predictive: true })],
  predictive: { enabled: true, mode: 'forecast-and-scale', lookbackDays: 2 },
});
const cachePolicy: Policy = validatePolicy({
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

const clock = testClock(new Date());
type Handler = (event: unknown) => Promise<unknown>;
const handlers = new Map<string, Handler>();
const env = (topicArn: string) => ({
  LEDGER_TABLE: 'ledger',
  SCALEPILOT_STAGE: 'test',
  TOPIC_ARN: topicArn,
  SCALEPILOT_SCOPE: SCOPE,
});

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
  const overrides = (policy: Policy) => ({ env: env(topicArn), policy, aws: emulator.aws, clock });
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
    wrap(scalerFunction('asg', (aws) => new AutoScalingCapacity(aws), overrides(asgPolicy), { emf: false })),
  );
  handlers.set(
    'rds-replicas',
    wrap(
      scalerFunction('rds-replicas', (aws) => rdsReplicaScaler(aws), overrides(rdsPolicy()), { emf: false }),
    ),
  );
  handlers.set(
    'cache-shards',
    wrap(
      scalerFunction(
        'cache-shards',
        (aws) => elastiCacheShardScaler(aws) as KindScaler<unknown>,
        overrides(cachePolicy),
        { emf: false },
      ),
    ),
  );
  handlers.set('alert-cost', wrap(costFunction({ ...overrides(costPolicy()), logger: capturedLog().sink })));
  handlers.set('predict', wrap(predictFunction({ ...overrides(asgPolicy), logger: capturedLog().sink })));
});

// ---------------------------------------------------------------------------------------------------------
// The events

/** A fuzzed event, its family, and what a refusal's message must name. */
interface Case {
  readonly family: string;
  readonly event: unknown;
  readonly names: RegExp;
}

const policyOf: Record<TargetKind, Policy> = {
  asg: asgPolicy,
  'rds-replicas': rdsPolicy(),
  'cache-shards': cachePolicy,
};
/** One of the kind's alarms; cache shards have none (they scale on the schedule), so a name in the same style. */
const alarmOf = (kind: TargetKind) =>
  alarmDefinitions(policyOf[kind], 'test').find((a) => a.kind === kind)?.alarmName ??
  `scalepilot-test.${targetOf(kind)}.engine-cpu.gt70`;
const targetOf = (kind: TargetKind) => policyOf[kind].targets[0]?.name ?? '';

/** A value of a type no field of these events has, or an empty string where one must be non-empty. */
const wrongType = fc.oneof(
  fc.constantFrom(null, 0, -1, true, [], {}, '', [''], { value: 'ALARM' }),
  fc.integer(),
  fc.double(),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
);
/** A string that is neither an ISO 8601 time nor empty. */
const notATime = fc.oneof(
  fc.constantFrom('*', 'yesterday', 'now', '2026-13-45T99:99:99Z', HUGE, 'Scheduled Event'),
  fc.string({ minLength: 1, maxLength: 20 }).filter((s) => Number.isNaN(Date.parse(s))),
);
const wildcard = (name: string) =>
  fc
    .constantFrom('*', '?', '[a-z]')
    .chain((w) => fc.nat({ max: name.length }).map((at) => name.slice(0, at) + w + name.slice(at)));

function withAt(base: unknown, path: readonly string[], value: unknown): unknown {
  const [head, ...rest] = path as [string, ...string[]];
  const copy = { ...(base as Record<string, unknown>) };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
  } else copy[head] = withAt(copy[head], rest, value);
  return copy;
}

const ALARM_PATHS = [
  ['source'],
  ['alarmArn'],
  ['alarmData'],
  ['alarmData', 'alarmName'],
  ['alarmData', 'state'],
  ['alarmData', 'state', 'value'],
  ['alarmData', 'state', 'timestamp'],
] as const;
const last = (path: readonly string[]) => new RegExp(String(path[path.length - 1]));

const snsOf = (message: string) => ({ Records: [{ EventSource: 'aws:sns', Sns: { Message: message } }] });
const sqsOf = (body: string, arn = QUEUE_ARN) => ({
  Records: [{ eventSource: 'aws:sqs', eventSourceARN: arn, body }],
});
const scheduled = () => ({
  version: '0',
  source: 'aws.events',
  'detail-type': 'Scheduled Event',
  time: clock.now().toISOString(),
  region: 'us-east-1',
  resources: [],
  detail: {},
});
const batchBody = (kind: string, targets: unknown, at: unknown = clock.now().toISOString()) =>
  JSON.stringify({ kind, batch: 0, targets, at });

/**
 * Events every handler must refuse (or, for the scalers, skip). `says`: what the cost and predict functions'
 * refusal names instead of the field (their own input, which such an event is not).
 */
function commonCases(kind: TargetKind, says?: RegExp): fc.Arbitrary<Case> {
  const alarm = alarmOf(kind);
  const valid = () => alarmActionEvent(alarm, 'ALARM', clock.now());
  return fc
    .oneof(
      fc
        .jsonValue({ maxDepth: 4 })
        .map((event) => ({ family: 'random JSON', event, names: /event|Records/ })),
      fc.constantFrom(...ALARM_PATHS).map((path) => ({
        family: 'alarm field removed',
        event: withAt(valid(), path, undefined),
        names: last(path),
      })),
      fc.tuple(fc.constantFrom(...ALARM_PATHS), wrongType).map(([path, value]) => ({
        family: 'alarm field of the wrong type',
        event: withAt(valid(), path, value),
        names: last(path),
      })),
      fc.oneof(wildcard(alarm), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 })).map((name) => ({
        family: 'unknown or wildcard alarm',
        event: alarmActionEvent(name, 'ALARM', clock.now()),
        names: /alarm/,
      })),
      fc.oneof(fc.constantFrom('Scheduled', ' Scheduled Event', 'Object Created'), wrongType).map((type) => ({
        family: 'schedule with a wrong detail-type',
        event: { ...scheduled(), 'detail-type': type },
        names: /detail-type/,
      })),
      fc.constantFrom(HUGE, { source: HUGE }, { alarmArn: `arn:${HUGE}` }, snsOf(HUGE)).map((event) => ({
        family: 'a huge string',
        event,
        names: /event|source|Records|Message/,
      })),
      fc
        .tuple(
          fc.constantFrom(...ALARM_PATHS.filter((p) => p.length !== 2 || p[1] !== 'state')),
          fc.boolean(),
        )
        .map(([path, arn]) => ({
          family: 'a huge string in an alarm field',
          event: withAt(valid(), path, arn ? `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:${HUGE}` : HUGE),
          names: new RegExp(`${String(path[path.length - 1])}|alarm`),
        })),
    )
    .map((c) => ({ ...c, names: says ?? c.names }));
}

/** The scalers' own paths: SNS, the schedule's time, fan-out batches from SQS. */
function scalerCases(kind: TargetKind): fc.Arbitrary<Case> {
  const alarm = alarmOf(kind);
  const target = targetOf(kind);
  const message = { AlarmName: alarm, AWSAccountId: ACCOUNT, NewStateValue: 'ALARM' };
  return fc.oneof(
    commonCases(kind),
    fc
      .oneof(
        fc.string({ maxLength: 30 }).filter((s) => !isJson(s)),
        fc.constant(`{"AlarmName": "${alarm}"`),
      )
      .map((text) => ({ family: 'SNS message not JSON', event: snsOf(text), names: /Sns\.Message/ })),
    fc
      .tuple(fc.constantFrom('AlarmName', 'AWSAccountId', 'NewStateValue', 'StateChangeTime'), wrongType)
      .map(([field, value]) => ({
        family: 'SNS message field of the wrong type',
        event: snsOf(
          JSON.stringify({ ...message, StateChangeTime: clock.now().toISOString(), [field]: value }),
        ),
        names: new RegExp(field),
      })),
    fc.oneof(notATime, wrongType).map((time) => ({
      family: 'schedule whose time is not a time',
      event: { ...scheduled(), time },
      names: /time/,
    })),
    fc
      .string({ maxLength: 30 })
      .filter((s) => !isJson(s))
      .map((body) => ({
        family: 'SQS body not JSON',
        event: sqsOf(body),
        names: /body/,
      })),
    fc
      .oneof(wildcard(target), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }))
      .filter((name) => name !== target)
      .map((name) => ({
        family: 'SQS batch naming an unknown or wildcard target',
        event: sqsOf(batchBody(kind, [target, name])),
        names: /not .* targets of the policy/,
      })),
    fc
      .constantFrom(...(['asg', 'rds-replicas', 'cache-shards', '*'] as const).filter((k) => k !== kind))
      .map((other) => ({
        family: 'SQS batch for another kind',
        event: sqsOf(batchBody(other, [target])),
        names: /reached the/,
      })),
    fc
      .tuple(fc.constantFrom('kind', 'batch', 'targets', 'at'), wrongType)
      // A batch number is any whole number from 0: those are not of the wrong type.
      .filter(([field, value]) => field !== 'batch' || !(Number.isInteger(value) && (value as number) >= 0))
      .map(([field, value]) => ({
        family: 'SQS body field of the wrong type',
        event: sqsOf(JSON.stringify({ ...JSON.parse(batchBody(kind, [target])), [field]: value })),
        names: new RegExp(field),
      })),
    fc
      .constantFrom(
        `arn:aws:sqs:us-east-1:999999999999:scalepilot-test-scale-${kind}-fanout`,
        `arn:aws:sqs:eu-west-1:${ACCOUNT}:scalepilot-test-scale-${kind}-fanout`,
      )
      .map((arn) => ({
        family: 'SQS batch from another account or region',
        event: sqsOf(batchBody(kind, [target]), arn),
        names: /not a queue of account/,
      })),
    fc.constant({
      family: 'SQS batch naming a huge target',
      event: sqsOf(batchBody(kind, [target, HUGE])),
      names: /not .* targets of the policy/,
    }),
    fc.constant({
      family: 'SQS batch of two records',
      event: {
        Records: [...sqsOf(batchBody(kind, [target])).Records, ...sqsOf(batchBody(kind, [target])).Records],
      },
      names: /Records/,
    }),
  );
}

/** The cost and predict functions' own inputs, wrong. */
const costCases = fc.oneof(
  commonCases('asg', /cost event is neither/),
  fc.oneof(wrongType, fc.constantFrom('weekly', 'DAILY', '*', HUGE)).map((check) => ({
    family: 'cost check not daily or forecast',
    event: { check },
    names: /check/,
  })),
  fc.constant({
    family: 'cost check with an extra key',
    event: { check: 'daily', dryRun: true },
    names: /dryRun/,
  }),
);
const predictCases = fc.oneof(
  commonCases('asg', /predict event is neither/).filter((c) => !isOnDemand(c.event)),
  fc
    .oneof(wrongType, fc.constant([]))
    .filter((t) => t !== null)
    .map((targets) => ({
      family: 'predict targets not a list of names',
      event: { targets },
      names: /targets/,
    })),
  fc
    .oneof(wildcard('api'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), fc.constant(HUGE))
    .filter((name) => name !== 'api')
    .map((name) => ({
      family: 'predict target unknown or wildcard',
      event: { targets: [name] },
      names: /target/,
    })),
);

/** A case as a counterexample prints it: its family and the event cut short (some carry 300 kB strings). */
function printable(c: Case): Case {
  return Object.assign(c, {
    [fc.toStringMethod]: () => `${c.family}: ${fc.stringify(c.event).slice(0, 300)}`,
  });
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** `null` and `{}` are the predict function's documented on-demand run over every target. */
function isOnDemand(event: unknown): boolean {
  return (
    event === null ||
    (typeof event === 'object' && !Array.isArray(event) && Object.keys(event as object).length === 0)
  );
}

// ---------------------------------------------------------------------------------------------------------
// The oracle

/**
 * Sends one event and checks the rule: a refusal is a Scalepilot error with a one-line message naming what is
 * wrong, and reached no mutating call at all; a result is a documented skip, and wrote nothing but its ledger
 * records. Returns the outcome, for the figures.
 */
async function check(handler: Handler, c: Case): Promise<string> {
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
async function accountState() {
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

// ---------------------------------------------------------------------------------------------------------
// The tests

const handler = (name: string): Handler => {
  const h = handlers.get(name);
  if (!h) throw new Error(`no handler ${name}`);
  return h;
};

describe('malformed events, every handler, against moto', () => {
  /** Named cases, each a defect once: the fuzz below finds their like, these keep them. */
  it.each([
    {
      name: 'scale-asg: a scheduled event whose time is "*" is refused, not run as a tick (defect: any non-empty time was taken, and the hot group scaled out)',
      fn: 'asg',
      c: { family: 'schedule time', event: { ...scheduled(), time: '*' }, names: /time/ },
      want: 'MalformedEventError',
    },
    {
      name: 'scale-rds-replicas: a scheduled event whose time is "yesterday" is refused (defect: taken as a tick, and a replica created below the range)',
      fn: 'rds-replicas',
      c: { family: 'schedule time', event: { ...scheduled(), time: 'yesterday' }, names: /time/ },
      want: 'MalformedEventError',
    },
    {
      name: 'scale-asg: an alarm action whose alarmArn is another alarm’s than alarmData.alarmName is refused (defect: acted on as the named alarm, and the hot group scaled out)',
      fn: 'asg',
      c: {
        family: 'alarm ARN of another alarm',
        event: {
          ...alarmActionEvent(alarmOf('asg'), 'ALARM', clock.now()),
          alarmArn: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:*`,
        },
        names: /alarmArn.*alarmData\.alarmName/,
      },
      want: 'MalformedEventError',
    },
    {
      name: 'scale-asg: an SNS notification whose AlarmArn is another alarm’s than its AlarmName is refused (defect: acted on)',
      fn: 'asg',
      c: {
        family: 'SNS alarm ARN of another alarm',
        event: snsOf(
          JSON.stringify({
            AlarmName: alarmOf('asg'),
            AlarmArn: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:someone-else`,
            AWSAccountId: ACCOUNT,
            NewStateValue: 'ALARM',
            StateChangeTime: clock.now().toISOString(),
          }),
        ),
        names: /AlarmArn.*AlarmName/,
      },
      want: 'MalformedEventError',
    },
    {
      name: 'scale-cache-shards: an alarm named by a 300 kB string is refused in one short line (defect: the name was echoed whole)',
      fn: 'cache-shards',
      c: {
        family: 'huge alarm name',
        event: alarmActionEvent(HUGE, 'ALARM', clock.now()),
        names: /300000 characters/,
      },
      want: 'UnknownAlarmError',
    },
    {
      name: 'scale-rds-replicas: a fan-out batch naming a 300 kB target is refused in one short line (defect: echoed whole)',
      fn: 'rds-replicas',
      c: {
        family: 'huge batch target',
        event: sqsOf(batchBody('rds-replicas', [HUGE])),
        names: /300000 characters/,
      },
      want: 'MalformedEventError',
    },
    {
      name: 'predict: a run asked for a 300 kB target name is refused in one short line (defect: echoed whole)',
      fn: 'predict',
      c: { family: 'huge predict target', event: { targets: [HUGE] }, names: /300000 characters/ },
      want: 'ScalingError',
    },
  ])('$name', async ({ fn, c, want }) => {
    const before = await accountState();
    expect(await check(handler(fn), c)).toBe(want);
    expect(await accountState()).toEqual(before);
  });

  it.each([
    { name: 'scale-asg', fn: 'asg', cases: scalerCases('asg') },
    { name: 'scale-rds-replicas', fn: 'rds-replicas', cases: scalerCases('rds-replicas') },
    { name: 'scale-cache-shards', fn: 'cache-shards', cases: scalerCases('cache-shards') },
    { name: 'alert-cost', fn: 'alert-cost', cases: costCases },
    { name: 'predict', fn: 'predict', cases: predictCases },
  ])(
    `$name: ${RUNS} fuzzed events, each refused with a named error or skipped, none changing the account`,
    async ({ fn, cases }) => {
      const before = await accountState();
      const outcomes = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(cases.map(printable), async (c) => {
          const outcome = await check(handler(fn), c);
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }),
        { numRuns: RUNS, seed: 20261122, endOnFailure: true },
      );
      expect(await accountState()).toEqual(before);
      // Most of the events are refusals (the test would pass vacuously if the handler skipped them all).
      expect(outcomes.get('MalformedEventError') ?? 0).toBeGreaterThan(RUNS / 3);
    },
  );

  it('the control: on the same account a valid alarm event scales the hot group out', async () => {
    const before = emulator.calls('SetDesiredCapacity');
    const [evaluation] = (await handler('asg')(alarmActionEvent(alarmOf('asg'), 'ALARM', clock.now()))) as {
      decision: { reason: string };
    }[];
    expect(evaluation?.decision.reason).toBe('ScaleOut');
    expect(emulator.calls('SetDesiredCapacity')).toBe(before + 1);
  });
});
