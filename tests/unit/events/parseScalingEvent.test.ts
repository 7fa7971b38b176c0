import { describe, expect, it } from 'vitest';
import { MalformedEventError } from '../../../shared/errors';
import { MAX_SNS_RECORDS, parseScalingEvent } from '../../../shared/events/parseScalingEvent';
import { alarmActionEvent } from '../../harness/fixtures';

const AT = new Date('2026-11-22T10:00:00.000Z');
const snsAlarm = (message: unknown) => ({
  Records: [
    {
      EventSource: 'aws:sns',
      Sns: { Message: typeof message === 'string' ? message : JSON.stringify(message) },
    },
  ],
});
const notification = {
  AlarmName: 'scalepilot-prod-api-cpu-gt70',
  AWSAccountId: '123456789012',
  Region: 'US East (N. Virginia)',
  NewStateValue: 'ALARM',
  OldStateValue: 'OK',
  StateChangeTime: '2026-11-22T10:00:00.000+0000',
  AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:scalepilot-prod-api-cpu-gt70',
};

describe('parseScalingEvent', () => {
  it.each([
    {
      name: 'a direct Lambda alarm action',
      event: alarmActionEvent('scalepilot-prod-api-cpu-gt70', 'ALARM', AT),
      want: [
        {
          trigger: 'alarm',
          alarmName: 'scalepilot-prod-api-cpu-gt70',
          account: '123456789012',
          region: 'us-east-1',
          state: 'ALARM',
          stateTimestamp: AT.toISOString(),
        },
      ],
    },
    {
      name: 'a direct alarm action of another account, with the account and region of its ARN',
      event: {
        ...alarmActionEvent('scalepilot-prod-api-cpu-gt70', 'ALARM', AT),
        alarmArn: 'arn:aws:cloudwatch:eu-west-1:999999999999:alarm:scalepilot-prod-api-cpu-gt70',
        accountId: '999999999999',
        region: 'eu-west-1',
      },
      want: [{ account: '999999999999', region: 'eu-west-1' }],
    },
    {
      name: 'an alarm notification through SNS',
      event: snsAlarm(notification),
      want: [
        {
          trigger: 'alarm',
          alarmName: 'scalepilot-prod-api-cpu-gt70',
          alarmArn: notification.AlarmArn,
          account: '123456789012',
          region: 'us-east-1',
          stateTimestamp: notification.StateChangeTime,
        },
      ],
    },
    {
      name: "an SNS notification without AlarmArn: the account is the message's, the region the function's (Region is a display name)",
      event: snsAlarm({ ...notification, AlarmArn: undefined }),
      want: [
        {
          alarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:scalepilot-prod-api-cpu-gt70',
          account: '123456789012',
          region: 'eu-west-1',
        },
      ],
    },
    {
      name: 'an alarm action stamped as CloudWatch stamps it (offset +0000, no colon)',
      event: {
        ...alarmActionEvent('a', 'ALARM', AT),
        alarmData: { alarmName: 'a', state: { value: 'ALARM', timestamp: '2023-08-04T12:36:15.490+0000' } },
      },
      want: [{ stateTimestamp: '2023-08-04T12:36:15.490+0000' }],
    },
    {
      name: 'an alarm action whose alarm has too little data (INSUFFICIENT_DATA, a state of CloudWatch’s)',
      event: {
        ...alarmActionEvent('a', 'ALARM', AT),
        alarmData: {
          alarmName: 'a',
          state: { value: 'INSUFFICIENT_DATA', timestamp: AT.toISOString() },
        },
      },
      want: [{ state: 'INSUFFICIENT_DATA' }],
    },
    {
      name: 'the one-minute schedule',
      event: {
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        time: AT.toISOString(),
        resources: [],
      },
      want: [{ trigger: 'schedule', time: AT.toISOString() }],
    },
  ])('recognises $name', ({ event, want }) => {
    const parsed = parseScalingEvent(event, 'eu-west-1');
    expect(parsed).toHaveLength(want.length);
    want.forEach((w, i) => {
      expect(parsed[i]).toMatchObject(w);
    });
  });

  it.each([
    { name: 'an empty object', event: {}, message: /neither a CloudWatch alarm action.*alarmArn/ },
    { name: 'null', event: null, message: /neither/ },
    {
      name: 'an alarm action without a state timestamp',
      event: {
        source: 'aws.cloudwatch',
        alarmArn: 'arn:x',
        alarmData: { alarmName: 'a', state: { value: 'ALARM' } },
      },
      message: /alarmData\.state\.timestamp/,
    },
    {
      name: 'an alarm action whose state timestamp is no time (its age could not be told)',
      event: {
        ...alarmActionEvent('a', 'ALARM', AT),
        alarmData: { alarmName: 'a', state: { value: 'ALARM', timestamp: 'soon' } },
      },
      message: /^alarmData\.state\.timestamp: "soon" is not a time \(CloudWatch stamps e\.g\. /,
    },
    {
      name: 'an alarm action stamped with a number V8 would read as a year',
      event: {
        ...alarmActionEvent('a', 'ALARM', AT),
        alarmData: { alarmName: 'a', state: { value: 'ALARM', timestamp: '1' } },
      },
      message: /^alarmData\.state\.timestamp: "1" is not a time/,
    },
    {
      name: "an alarm action stamped on a day past its month's end (Date.parse rolls it over to March 2)",
      event: {
        ...alarmActionEvent('a', 'ALARM', AT),
        alarmData: { alarmName: 'a', state: { value: 'ALARM', timestamp: '2026-02-30T12:00:00.000+0000' } },
      },
      message: /^alarmData\.state\.timestamp: "2026-02-30T12:00:00\.000\+0000" is not a time/,
    },
    {
      name: "an SNS notification stamped at hour 24 (V8 reads it as the next day's midnight)",
      event: snsAlarm({ ...notification, StateChangeTime: '2026-01-02T24:00:00.000+0000' }),
      message: /^Records\[0\]\.Sns\.Message\.StateChangeTime: "2026-01-02T24:00:00\.000\+0000" is not a time/,
    },
    {
      name: 'an SNS notification whose StateChangeTime is a date alone',
      event: snsAlarm({ ...notification, StateChangeTime: '2026-01-02' }),
      message: /^Records\[0\]\.Sns\.Message\.StateChangeTime: "2026-01-02" is not a time/,
    },
    {
      name: 'an SNS message that is not JSON',
      event: snsAlarm('hello'),
      message: /Records\[0\]\.Sns\.Message is not JSON/,
    },
    {
      name: 'an SNS message that is not an alarm',
      event: snsAlarm({ hello: 1 }),
      message: /not a CloudWatch alarm notification: AlarmName/,
    },
    {
      name: 'a direct alarm action whose accountId is not the account of its ARN',
      event: { ...alarmActionEvent('a', 'ALARM', AT), accountId: '999999999999' },
      message: /accountId 999999999999 is not the account of alarmArn .* \(123456789012\)/,
    },
    {
      name: 'a direct alarm action whose region is not the region of its ARN',
      event: { ...alarmActionEvent('a', 'ALARM', AT), region: 'eu-west-1' },
      message: /region eu-west-1 is not the region of alarmArn .* \(us-east-1\)/,
    },
    {
      name: 'an alarm ARN that is not a CloudWatch alarm ARN',
      event: { ...alarmActionEvent('a', 'ALARM', AT), alarmArn: 'arn:aws:sns:us-east-1:123456789012:topic' },
      message: /alarmArn: arn:aws:sns:us-east-1:123456789012:topic is not a CloudWatch alarm ARN/,
    },
    // Defect (fuzzing audit): any non-empty state was taken, so an event no CloudWatch alarm sent passed for one.
    ...['ALARMING', 'alarm', 'ok', '*', 'OK '].map((value) => ({
      name: `an alarm action whose state is "${value}", none of CloudWatch's`,
      event: {
        ...alarmActionEvent('a', 'ALARM', AT),
        alarmData: { alarmName: 'a', state: { value, timestamp: AT.toISOString() } },
      },
      message: `alarmData.state.value: "${value}" is not a CloudWatch alarm state (ALARM, OK, INSUFFICIENT_DATA)`,
    })),
    {
      name: 'an SNS notification whose NewStateValue is none of CloudWatch’s states',
      event: snsAlarm({ ...notification, NewStateValue: 'PANIC' }),
      message: /Records\[0\]\.Sns\.Message\.NewStateValue: "PANIC" is not a CloudWatch alarm state/,
    },
    {
      name: 'an SNS notification whose AWSAccountId is not the account of its AlarmArn',
      event: snsAlarm({ ...notification, AWSAccountId: '999999999999' }),
      message: /AWSAccountId 999999999999 is not the account of its AlarmArn/,
    },
  ])('refuses $name, saying what is wrong', ({ event, message }) => {
    expect(() => parseScalingEvent(event, 'us-east-1')).toThrow(MalformedEventError);
    expect(() => parseScalingEvent(event, 'us-east-1')).toThrow(message);
  });

  // Issue 11: the SNS shape accepted any number of records, and each became an evaluation (5,000 records,
  // 5,000 evaluations in one call). SNS delivers one message per invocation.
  it.each([
    { name: 'two records', count: 2 },
    { name: '5,000 records', count: 5000 },
  ])('refuses an SNS event with more records than SNS delivers ($name)', ({ count }) => {
    const one = snsAlarm(notification).Records[0];
    const event = { Records: Array.from({ length: count }, () => one) };
    expect(() => parseScalingEvent(event, 'us-east-1')).toThrow(MalformedEventError);
    expect(() => parseScalingEvent(event, 'us-east-1')).toThrow(
      `Records: ${count} records, but SNS delivers ${MAX_SNS_RECORDS} per invocation`,
    );
  });
});

describe('fan-out batches from SQS (issue 23)', () => {
  const QUEUE = 'arn:aws:sqs:us-east-1:123456789012:scalepilot-prod-scaleAsg-fanout';
  const sqs = (body: unknown, records = 1) => ({
    Records: Array.from({ length: records }, () => ({
      eventSource: 'aws:sqs',
      eventSourceARN: QUEUE,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })),
  });
  const batch = { kind: 'asg', batch: 1, targets: ['api', 'web'], at: AT.toISOString() };

  it('reads a batch: its kind, number, targets, tick and queue', () => {
    expect(parseScalingEvent(sqs(batch), 'us-east-1')).toEqual([
      { trigger: 'batch', ...batch, queueArn: QUEUE },
    ]);
  });

  it.each([
    { name: 'a body that is not JSON', event: sqs('{'), error: 'Records[0].body is not JSON' },
    {
      name: 'no targets',
      event: sqs({ ...batch, targets: [] }),
      error: 'Records[0].body is not a fan-out batch: targets',
    },
    {
      name: 'a tick that is not a time',
      event: sqs({ ...batch, at: 'soon' }),
      error: 'Records[0].body is not a fan-out batch: at',
    },
    {
      name: 'an unknown key',
      event: sqs({ ...batch, colour: 'red' }),
      error: 'Records[0].body is not a fan-out batch',
    },
    {
      name: 'a target named twice (evaluated twice: SqsFanOut never writes a name twice)',
      event: sqs({ ...batch, targets: ['api', 'web', 'api'] }),
      error: 'Records[0].body is not a fan-out batch: targets: "api" is named twice',
    },
    {
      name: 'two messages (the mapping sends one)',
      event: sqs(batch, 2),
      error: 'not a fan-out batch from SQS: Records',
    },
  ])('refuses $name in one line', ({ event, error }) => {
    expect(() => parseScalingEvent(event, 'us-east-1')).toThrow(MalformedEventError);
    expect(() => parseScalingEvent(event, 'us-east-1')).toThrow(error);
  });
});
