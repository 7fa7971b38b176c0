import { z } from 'zod';
import { MalformedEventError } from '../errors';

/** "Look at the targets of this alarm now": what an alarm delivery means to a scaler. */
export interface AlarmHint {
  readonly trigger: 'alarm';
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly state: string;
  /** The state change's own timestamp: with the ARN, the key that recognises a duplicate delivery. */
  readonly stateTimestamp: string;
}

/** "Re-evaluate every target": the one-minute schedule. */
export interface ScheduleTick {
  readonly trigger: 'schedule';
  readonly time: string;
}

export type ScalingEvent = AlarmHint | ScheduleTick;

const stateSchema = z.object({ value: z.string().min(1), timestamp: z.string().min(1) });

/** The event CloudWatch sends to a Lambda alarm action. */
const lambdaAlarmEvent = z.object({
  source: z.literal('aws.cloudwatch'),
  alarmArn: z.string().startsWith('arn:'),
  alarmData: z.object({
    alarmName: z.string().min(1),
    state: stateSchema,
    previousState: stateSchema.optional(),
  }),
});

/** The alarm notification CloudWatch publishes to SNS (the SNS record's Message, parsed). */
const snsAlarmMessage = z.object({
  AlarmName: z.string().min(1),
  AlarmArn: z.string().startsWith('arn:').optional(),
  AWSAccountId: z.string().min(1),
  Region: z.string().optional(),
  NewStateValue: z.string().min(1),
  StateChangeTime: z.string().min(1),
});

const snsEvent = z.object({
  Records: z
    .array(z.object({ EventSource: z.literal('aws:sns'), Sns: z.object({ Message: z.string() }) }))
    .min(1),
});

/** EventBridge's scheduled event. */
const scheduleEvent = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  time: z.string().min(1),
});

/**
 * Recognises the three events a scaler subscribes to: a direct alarm action, an alarm arriving through SNS,
 * and the schedule. Anything else is a MalformedEventError that says what was expected and what is wrong.
 */
export function parseScalingEvent(event: unknown, region: string): ScalingEvent[] {
  const direct = lambdaAlarmEvent.safeParse(event);
  if (direct.success) {
    const { alarmArn, alarmData } = direct.data;
    return [
      {
        trigger: 'alarm',
        alarmName: alarmData.alarmName,
        alarmArn,
        state: alarmData.state.value,
        stateTimestamp: alarmData.state.timestamp,
      },
    ];
  }
  const schedule = scheduleEvent.safeParse(event);
  if (schedule.success) return [{ trigger: 'schedule', time: schedule.data.time }];

  const sns = snsEvent.safeParse(event);
  if (sns.success) {
    return sns.data.Records.map((record, i) => {
      let body: unknown;
      try {
        body = JSON.parse(record.Sns.Message);
      } catch (cause) {
        throw new MalformedEventError(`Records[${i}].Sns.Message is not JSON`, { cause });
      }
      const message = snsAlarmMessage.safeParse(body);
      if (!message.success) {
        throw new MalformedEventError(
          `Records[${i}].Sns.Message is not a CloudWatch alarm notification: ${describeIssues(message.error)}`,
        );
      }
      const m = message.data;
      return {
        trigger: 'alarm' as const,
        alarmName: m.AlarmName,
        alarmArn:
          m.AlarmArn ?? `arn:aws:cloudwatch:${m.Region ?? region}:${m.AWSAccountId}:alarm:${m.AlarmName}`,
        state: m.NewStateValue,
        stateTimestamp: m.StateChangeTime,
      };
    });
  }
  throw new MalformedEventError(
    `event is neither a CloudWatch alarm action, an SNS alarm notification nor a scheduled event: ${describeIssues(closestFailure(event, direct.error, sns.error, schedule.error))}`,
  );
}

function closestFailure(
  event: unknown,
  alarm: z.ZodError,
  sns: z.ZodError,
  schedule: z.ZodError,
): z.ZodError {
  const e = (event ?? {}) as Record<string, unknown>;
  if (typeof e === 'object' && 'Records' in e) return sns;
  if (typeof e === 'object' && e.source === 'aws.events') return schedule;
  return alarm;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(event)'}: ${i.message}`)
    .join('; ');
}
