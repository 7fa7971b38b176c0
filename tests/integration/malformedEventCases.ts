import fc from 'fast-check';
import { fanOutQueueName } from '../../infra/fanOutResources';
import { ALARM_STATES } from '../../shared/events/parseScalingEvent';
import { MAX_CLOCK_SKEW_SECONDS } from '../../shared/lambda/eventAge';
import { alarmDefinitions } from '../../shared/policy/alarmDefinitions';
import type { Policy, TargetKind } from '../../shared/policy/schema';
import { alarmActionEvent } from '../harness/fixtures';
import {
  ACCOUNT,
  asgPolicy,
  type Case,
  cachePolicy,
  clock,
  HUGE,
  queueArn,
  queueOf,
} from './everyHandlerOnEmulator';
import { rdsPolicy } from './scaleRdsReplicasHarness';

// The fuzzed events of malformedEventsFuzz.test.ts, and the real-shaped events its named rows are made of.

const policyOf: Record<TargetKind, Policy> = {
  asg: asgPolicy,
  'rds-replicas': rdsPolicy(),
  'cache-shards': cachePolicy,
};
/** One of the kind's alarms; cache shards have none (they scale on the schedule), so a name in the same style. */
export const alarmOf = (kind: TargetKind) =>
  alarmDefinitions(policyOf[kind], 'test').find((a) => a.kind === kind)?.alarmName ??
  `scalepilot-test.${targetOf(kind)}.engine-cpu.gt70`;
export const targetOf = (kind: TargetKind) => policyOf[kind].targets[0]?.name ?? '';

/** A value of a type no field of these events has, or an empty string where one must be non-empty. */
const wrongType = fc.oneof(
  fc.constantFrom(null, 0, -1, true, [], {}, '', [''], { value: 'ALARM' }),
  fc.integer(),
  fc.double(),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
);
/** A non-empty string that is none of CloudWatch's alarm states (a wrong case, a space, a made-up state). */
const notAlarmState = fc.oneof(
  fc.constantFrom('ALARMING', 'alarm', 'ok', 'Ok', 'OK ', ' ALARM', 'INSUFFICIENT-DATA', '*', 'PANIC', HUGE),
  fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !(ALARM_STATES as readonly string[]).includes(s)),
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

/** `base` with the field at `path` set to `value` (removed when undefined). */
export function withAt(base: unknown, path: readonly string[], value: unknown): unknown {
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

/** An SNS delivery of `message`, as Lambda gets it. */
export const snsOf = (message: string) => ({
  Records: [{ EventSource: 'aws:sns', Sns: { Message: message } }],
});
/** One SQS record of `body` from the queue `arn`, as Lambda gets it. */
export const sqsOf = (body: string, arn: string) => ({
  Records: [{ eventSource: 'aws:sqs', eventSourceARN: arn, body }],
});
/** An EventBridge schedule's event, now. */
export const scheduled = () => ({
  version: '0',
  source: 'aws.events',
  'detail-type': 'Scheduled Event',
  time: clock.now().toISOString(),
  region: 'us-east-1',
  resources: [],
  detail: {},
});
/** A fan-out batch's body (batch 0), ticked now unless `at` says otherwise. */
export const batchBody = (kind: string, targets: unknown, at: unknown = clock.now().toISOString()) =>
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
export function scalerCases(kind: TargetKind): fc.Arbitrary<Case> {
  const alarm = alarmOf(kind);
  const target = targetOf(kind);
  const message = { AlarmName: alarm, AWSAccountId: ACCOUNT, NewStateValue: 'ALARM' };
  const own = (body: string) => sqsOf(body, queueArn(kind));
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
    fc
      .constantFrom({ account: '210987654321' }, { region: 'eu-west-1' }, { account: '', region: '*' })
      .map((where) => ({
        family: 'schedule of another account or region (an Invoke with a copied event)',
        event: { ...scheduled(), ...where },
        names: /account|region/,
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
        event: own(body),
        names: /body/,
      })),
    // A name no target could have (a wildcard, a space, a capital); a valid name the policy lacks is a target a
    // redeploy removed: left out, the batch taken (tests/integration/fleet.test.ts).
    fc
      .oneof(wildcard(target), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }))
      .filter((name) => name !== target && !/^[a-z0-9][a-z0-9-]{0,39}$/.test(name))
      .map((name) => ({
        family: 'SQS batch naming a wildcard or a name no target could have',
        event: own(batchBody(kind, [target, name])),
        names: /not .* targets of the policy/,
      })),
    fc
      .constantFrom(...(['asg', 'rds-replicas', 'cache-shards', '*'] as const).filter((k) => k !== kind))
      .map((other) => ({
        family: 'SQS batch for another kind',
        event: own(batchBody(other, [target])),
        names: /reached the/,
      })),
    fc
      .tuple(fc.constantFrom('kind', 'batch', 'targets', 'at'), wrongType)
      // A batch number is any whole number from 0: those are not of the wrong type.
      .filter(([field, value]) => field !== 'batch' || !(Number.isInteger(value) && (value as number) >= 0))
      .map(([field, value]) => ({
        family: 'SQS body field of the wrong type',
        event: own(JSON.stringify({ ...JSON.parse(batchBody(kind, [target])), [field]: value })),
        names: new RegExp(field),
      })),
    notAlarmState.map((value) => ({
      family: 'alarm action whose state is none of CloudWatch’s',
      event: withAt(alarmActionEvent(alarm, 'ALARM', clock.now()), ['alarmData', 'state', 'value'], value),
      names: /alarmData\.state\.value: .* is not a CloudWatch alarm state/,
    })),
    notAlarmState.map((value) => ({
      family: 'SNS notification whose NewStateValue is none of CloudWatch’s',
      event: snsOf(
        JSON.stringify({ ...message, NewStateValue: value, StateChangeTime: clock.now().toISOString() }),
      ),
      names: /NewStateValue: .* is not a CloudWatch alarm state/,
    })),
    fc
      .tuple(
        fc.integer({ min: MAX_CLOCK_SKEW_SECONDS + 1, max: 10 * 365 * 86_400 }),
        fc.constantFrom('alarm action', 'SNS notification', 'fan-out batch', 'schedule'),
      )
      .map(([seconds, what]) => {
        const at = new Date(clock.now().getTime() + seconds * 1000).toISOString();
        const events = {
          'alarm action': () => alarmActionEvent(alarm, 'ALARM', new Date(at)),
          'SNS notification': () => snsOf(JSON.stringify({ ...message, StateChangeTime: at })),
          'fan-out batch': () => own(batchBody(kind, [target], at)),
          schedule: () => ({ ...scheduled(), time: at }),
        };
        return {
          family: `${what} stamped ahead of the function’s clock`,
          event: events[what](),
          names: new RegExp(`${at.replace(/\./g, '\\.')} is ${seconds} s ahead of this function's clock`),
        };
      }),
    fc
      .constantFrom(
        ...(['asg', 'rds-replicas', 'cache-shards'] as const)
          .filter((k) => k !== kind)
          .map((k) => queueOf(k)),
        fanOutQueueName('scalepilot', 'prod', kind),
        'scalepilot-test-DeadLetterQueue',
        `${queueOf(kind)}-copy`,
      )
      .map((name) => ({
        family: 'SQS batch from another queue of the account',
        event: sqsOf(batchBody(kind, [target]), `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`),
        names: new RegExp(`from arn:aws:sqs:us-east-1:${ACCOUNT}:${name}: not this function's fan-out queue`),
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
      event: own(batchBody(kind, [target, HUGE])),
      names: /not .* targets of the policy/,
    }),
    fc.constant({
      family: 'SQS batch of two records',
      event: {
        Records: [...own(batchBody(kind, [target])).Records, ...own(batchBody(kind, [target])).Records],
      },
      names: /Records/,
    }),
  );
}

/** The cost and predict functions' own inputs, wrong. */
export const costCases = fc.oneof(
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
export const predictCases = fc.oneof(
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
export function printable(c: Case): Case {
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

/** `{}` is the predict function's documented on-demand run over every target (`null` is refused). */
function isOnDemand(event: unknown): boolean {
  return (
    typeof event === 'object' &&
    event !== null &&
    !Array.isArray(event) &&
    Object.keys(event as object).length === 0
  );
}
