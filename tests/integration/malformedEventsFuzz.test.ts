import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fanOutQueueName } from '../../infra/fanOutResources';
import { alarmActionEvent } from '../harness/fixtures';
import { ACCOUNT, clock, everyHandlerOnEmulator, HUGE, queueArn } from './everyHandlerOnEmulator';
import {
  alarmOf,
  batchBody,
  costCases,
  predictCases,
  printable,
  scalerCases,
  scheduled,
  snsOf,
  sqsOf,
  targetOf,
  withAt,
} from './malformedEventCases';

// Every Lambda handler (the three scalers with their alarm, SNS, schedule and fan-out paths, alert-cost and
// predict), built as the deployed functions build them (middy, Powertools) against moto, fed fuzzed events:
// random JSON, and real-shaped events with a field removed, of the wrong type, an alarm or target no policy
// knows, a wildcard, a huge string. Each must come back as a documented result or a Scalepilot error whose
// one-line message names what is wrong, and reach no mutating call; a refused event reaches none at all.
// The asg group is hot throughout (95% CPU): a valid event would scale it, as the control at the end shows.

const RUNS = 150;
const { emulator, handler, check, accountState } = everyHandlerOnEmulator();

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
        event: sqsOf(batchBody('rds-replicas', [HUGE]), queueArn('rds-replicas')),
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
    // The fuzzing audit's findings, each a defect once.
    {
      name: 'scale-asg: an alarm action whose state changed an hour ahead of the function’s clock is refused (defect: its negative age counted as fresh, and the hot group scaled out)',
      fn: 'asg',
      c: {
        family: 'alarm from the future',
        event: alarmActionEvent(alarmOf('asg'), 'ALARM', new Date(clock.now().getTime() + 3_600_000)),
        names:
          /its state timestamp \S+ is 3600 s ahead of this function's clock \(\S+\), more than the 300 s/,
      },
      want: 'FutureEventError',
    },
    {
      name: 'scale-rds-replicas: a fan-out batch whose tick is a day ahead of the function’s clock is refused (defect: evaluated as fresh)',
      fn: 'rds-replicas',
      c: {
        family: 'batch from the future',
        event: sqsOf(
          batchBody(
            'rds-replicas',
            [targetOf('rds-replicas')],
            new Date(clock.now().getTime() + 86_400_000).toISOString(),
          ),
          queueArn('rds-replicas'),
        ),
        names: /fan-out batch 0: its tick \(at\) \S+ is 86400 s ahead of this function's clock/,
      },
      want: 'FutureEventError',
    },
    {
      name: 'scale-asg: a fan-out batch from another queue of the account is refused (defect: only the account and region were checked)',
      fn: 'asg',
      c: {
        family: 'batch from another queue',
        event: sqsOf(
          batchBody('asg', [targetOf('asg')]),
          `arn:aws:sqs:us-east-1:${ACCOUNT}:${fanOutQueueName('scalepilot', 'prod', 'asg')}`,
        ),
        names: /not this function's fan-out queue scalepilot-test-scaleAsg-fanout \(FANOUT_QUEUE_URL\)/,
      },
      want: 'MalformedEventError',
    },
    {
      name: 'scale-asg: an alarm action whose state is "ALARMING" is refused by name (defect: any non-empty state was taken, and the hot group scaled out)',
      fn: 'asg',
      c: {
        family: 'alarm state none of CloudWatch’s',
        event: withAt(
          alarmActionEvent(alarmOf('asg'), 'ALARM', clock.now()),
          ['alarmData', 'state', 'value'],
          'ALARMING',
        ),
        names:
          /alarmData\.state\.value: "ALARMING" is not a CloudWatch alarm state \(ALARM, OK, INSUFFICIENT_DATA\)/,
      },
      want: 'MalformedEventError',
    },
    {
      name: 'predict: a null event is refused, not run over every predictive target (defect: taken as {})',
      fn: 'predict',
      c: {
        family: 'null predict event',
        event: null,
        names: /predict event is neither .*: \(event\): Invalid input: expected object, received null/,
      },
      want: 'MalformedEventError',
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
