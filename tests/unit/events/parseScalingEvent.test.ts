import { describe, expect, it } from 'vitest';
import { MalformedEventError } from '../../../shared/errors';
import { parseScalingEvent } from '../../../shared/events/parseScalingEvent';
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
          state: 'ALARM',
          stateTimestamp: AT.toISOString(),
        },
      ],
    },
    {
      name: 'an alarm notification through SNS',
      event: snsAlarm(notification),
      want: [
        {
          trigger: 'alarm',
          alarmName: 'scalepilot-prod-api-cpu-gt70',
          alarmArn: notification.AlarmArn,
          stateTimestamp: notification.StateChangeTime,
        },
      ],
    },
    {
      name: 'an SNS notification without AlarmArn gets one built from account and name',
      event: snsAlarm({ ...notification, AlarmArn: undefined, Region: undefined }),
      want: [{ alarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:scalepilot-prod-api-cpu-gt70' }],
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
      name: 'an SNS message that is not JSON',
      event: snsAlarm('hello'),
      message: /Records\[0\]\.Sns\.Message is not JSON/,
    },
    {
      name: 'an SNS message that is not an alarm',
      event: snsAlarm({ hello: 1 }),
      message: /not a CloudWatch alarm notification: AlarmName/,
    },
  ])('refuses $name, saying what is wrong', ({ event, message }) => {
    expect(() => parseScalingEvent(event, 'us-east-1')).toThrow(MalformedEventError);
    expect(() => parseScalingEvent(event, 'us-east-1')).toThrow(message);
  });
});
