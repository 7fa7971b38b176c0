import { z } from 'zod';
import { calendarDayStart, isTimeOfDay } from '../calendarTime';
import { clipped, MalformedEventError } from '../errors';

/** "Look at the targets of this alarm now": what an alarm delivery means to a scaler. */
export interface AlarmHint {
  readonly trigger: 'alarm';
  readonly alarmName: string;
  readonly alarmArn: string;
  /** The account and region the alarm lives in, from its ARN: a scaler acts only on its own. */
  readonly account: string;
  readonly region: string;
  readonly state: AlarmState;
  /** The state change's own timestamp: with the ARN, the key that recognises a duplicate delivery. */
  readonly stateTimestamp: string;
}

/** The states a CloudWatch alarm can be in (CloudWatch User Guide, "Alarm states"); no other is CloudWatch's. */
export const ALARM_STATES = ['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** "Re-evaluate every target": the one-minute schedule. */
export interface ScheduleTick {
  readonly trigger: 'schedule';
  readonly time: string;
  /** The account and region EventBridge names (every scheduled event has them; a test's may not). */
  readonly account?: string;
  readonly region?: string;
}

/**
 * "Evaluate these targets": a batch a scheduled run handed out (SQS, when the policy holds more targets
 * than one run takes). `at` is the tick it belongs to; `queueArn` the queue it came from.
 */
export interface FanOutBatch {
  readonly trigger: 'batch';
  readonly kind: string;
  readonly batch: number;
  readonly targets: readonly string[];
  readonly at: string;
  readonly queueArn: string;
}

export type ScalingEvent = AlarmHint | ScheduleTick | FanOutBatch;

/**
 * A list of target names each named once. A name given twice was evaluated (or forecast) twice, its second run
 * a `LeaseHeld` beside the first, or its floors written again: no sender of Scalepilot's repeats one.
 */
export const targetNames = (max = Number.POSITIVE_INFINITY) =>
  z
    .array(z.string().min(1))
    .min(1)
    .max(max)
    .superRefine((names, ctx) => {
      const seen = new Set<string>();
      const twice = names.find((name) => seen.size === seen.add(name).size);
      if (twice !== undefined)
        ctx.addIssue({ code: 'custom', message: `"${clipped(twice)}" is named twice` });
    });

/** The body of a fan-out message, as SqsFanOut writes it. */
export const fanOutMessage = z.strictObject({
  kind: z.string().min(1),
  batch: z.number().int().min(0),
  targets: targetNames(10_000),
  at: z.iso.datetime(),
});

/**
 * SQS invokes the scaler with up to its event source mapping's batch size of messages; the generated
 * mapping takes one (a fan-out batch is a run's worth of targets).
 */
export const MAX_SQS_RECORDS = 1;

const sqsEvent = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal('aws:sqs'),
        eventSourceARN: z.string().startsWith('arn:'),
        body: z.string(),
      }),
    )
    .min(1)
    .max(MAX_SQS_RECORDS),
});

/**
 * SNS invokes Lambda with one message per invocation (the `Records` array of its event holds one record;
 * SNS does not batch). More is not an event SNS sent, and each record would cost an evaluation.
 */
export const MAX_SNS_RECORDS = 1;

const stateSchema = z.object({ value: z.string().min(1), timestamp: z.string().min(1) });

/** The event CloudWatch sends to a Lambda alarm action (it names the alarm's account and region twice). */
const lambdaAlarmEvent = z.object({
  source: z.literal('aws.cloudwatch'),
  alarmArn: z.string().startsWith('arn:'),
  accountId: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  alarmData: z.object({
    alarmName: z.string().min(1),
    state: stateSchema,
    previousState: stateSchema.optional(),
  }),
});

/**
 * The alarm notification CloudWatch publishes to SNS (the SNS record's Message, parsed). Its `Region` is a
 * display name ("US East (N. Virginia)"); the region code is in `AlarmArn`.
 */
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

/**
 * EventBridge's scheduled event. Its `time` is always an ISO 8601 UTC time ("2015-10-08T16:53:06Z", EventBridge
 * event structure reference): any other value is not EventBridge's, and taking it as a tick would run (and
 * scale) on a malformed event.
 */
const scheduleEvent = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  time: z.iso.datetime({ offset: true }),
  account: z.string().optional(),
  region: z.string().optional(),
});

/** `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>` */
const ALARM_ARN = /^arn:[a-z-]+:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$/;

/**
 * Recognises the events a scaler subscribes to: a direct alarm action, an alarm arriving through SNS, the
 * schedule, and a fan-out batch from its own SQS queue. Anything else is a MalformedEventError that says what was expected and what is wrong.
 * `region` is the function's own, for an SNS notification that carries no alarm ARN.
 */
export function parseScalingEvent(event: unknown, region: string): ScalingEvent[] {
  const direct = lambdaAlarmEvent.safeParse(event);
  if (direct.success) return [directAlarm(direct.data)];
  const schedule = scheduleEvent.safeParse(event);
  if (schedule.success) {
    const { time, account, region } = schedule.data;
    return [
      {
        trigger: 'schedule',
        time,
        ...(account !== undefined ? { account } : {}),
        ...(region !== undefined ? { region } : {}),
      },
    ];
  }

  const records = (event as { Records?: unknown } | null)?.Records;
  if (
    Array.isArray(records) &&
    (records[0] as { eventSource?: unknown } | undefined)?.eventSource === 'aws:sqs'
  )
    return parseFanOutBatch(event);
  if (Array.isArray(records) && records.length > MAX_SNS_RECORDS)
    throw new MalformedEventError(
      `Records: ${records.length} records, but SNS delivers ${MAX_SNS_RECORDS} per invocation; refusing the event`,
    );
  const sns = snsEvent.safeParse(event);
  if (sns.success) return sns.data.Records.map((record, i) => snsAlarm(record.Sns.Message, i, region));
  throw new MalformedEventError(
    `event is neither a CloudWatch alarm action, an SNS alarm notification nor a scheduled event: ${describeIssues(closestFailure(event, direct.error, sns.error, schedule.error))}`,
  );
}

/** A direct alarm action; the alarm, account and region it names beside the ARN must tell the same story. */
function directAlarm(data: z.infer<typeof lambdaAlarmEvent>): AlarmHint {
  const { alarmArn, alarmData, accountId, region: eventRegion } = data;
  const where = alarmArnParts(alarmArn, 'alarmArn', alarmData.alarmName, 'alarmData.alarmName');
  if (accountId !== undefined && accountId !== where.account)
    throw new MalformedEventError(
      `accountId ${clipped(accountId)} is not the account of alarmArn ${clipped(alarmArn)} (${where.account})`,
    );
  if (eventRegion !== undefined && eventRegion !== where.region)
    throw new MalformedEventError(
      `region ${clipped(eventRegion)} is not the region of alarmArn ${clipped(alarmArn)} (${where.region})`,
    );
  return {
    trigger: 'alarm',
    alarmName: alarmData.alarmName,
    alarmArn,
    ...where,
    state: alarmState(alarmData.state.value, 'alarmData.state.value'),
    stateTimestamp: alarmTime(alarmData.state.timestamp, 'alarmData.state.timestamp'),
  };
}

/** The alarm notification in record i of an SNS delivery (its Message is CloudWatch's JSON). */
function snsAlarm(text: string, i: number, region: string): AlarmHint {
  let body: unknown;
  try {
    body = JSON.parse(text);
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
  // CloudWatch always sends AlarmArn; without it, the account is the message's and the region ours.
  const alarmArn = m.AlarmArn ?? `arn:aws:cloudwatch:${region}:${m.AWSAccountId}:alarm:${m.AlarmName}`;
  const where = alarmArnParts(
    alarmArn,
    `Records[${i}].Sns.Message.AlarmArn`,
    m.AlarmName,
    `Records[${i}].Sns.Message.AlarmName`,
  );
  if (m.AWSAccountId !== where.account)
    throw new MalformedEventError(
      `Records[${i}].Sns.Message.AWSAccountId ${clipped(m.AWSAccountId)} is not the account of its AlarmArn ${clipped(alarmArn)}`,
    );
  return {
    trigger: 'alarm',
    alarmName: m.AlarmName,
    alarmArn,
    ...where,
    state: alarmState(m.NewStateValue, `Records[${i}].Sns.Message.NewStateValue`),
    stateTimestamp: alarmTime(m.StateChangeTime, `Records[${i}].Sns.Message.StateChangeTime`),
  };
}

/**
 * CloudWatch stamps a state change in ISO 8601 to the millisecond, its offset without a colon
 * ("2023-08-04T12:36:15.490+0000"). Anything else was stamped by no alarm: refused by name, where its age,
 * which decides whether the alarm is acted on, could not be told.
 */
const ALARM_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

function alarmTime(value: string, field: string): string {
  const m = ALARM_TIME.exec(value);
  if (
    m &&
    isTimeOfDay(Number(m[4]), Number(m[5]), Number(m[6])) &&
    calendarDayStart(Number(m[1]), Number(m[2]), Number(m[3])) !== undefined &&
    !Number.isNaN(Date.parse(value))
  )
    return value;
  throw new MalformedEventError(
    `${field}: "${clipped(value)}" is not a time (CloudWatch stamps e.g. 2023-08-04T12:36:15.490+0000)`,
  );
}

/** The state an alarm event reports, refused by name when it is none of CloudWatch's. */
function alarmState(value: string, field: string): AlarmState {
  const state = ALARM_STATES.find((s) => s === value);
  if (state) return state;
  throw new MalformedEventError(
    `${field}: "${clipped(value)}" is not a CloudWatch alarm state (${ALARM_STATES.join(', ')})`,
  );
}

/** A fan-out batch from the scaler's own queue (one message per invocation). */
function parseFanOutBatch(event: unknown): FanOutBatch[] {
  const sqs = sqsEvent.safeParse(event);
  if (!sqs.success)
    throw new MalformedEventError(`not a fan-out batch from SQS: ${describeIssues(sqs.error)}`);
  return sqs.data.Records.map((record, i) => {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch (cause) {
      throw new MalformedEventError(`Records[${i}].body is not JSON`, { cause });
    }
    const message = fanOutMessage.safeParse(body);
    if (!message.success)
      throw new MalformedEventError(
        `Records[${i}].body is not a fan-out batch: ${describeIssues(message.error)}`,
      );
    return { trigger: 'batch' as const, ...message.data, queueArn: record.eventSourceARN };
  });
}

/**
 * The account and region of an alarm ARN, which must be the ARN of the alarm the event names: the policy's
 * alarm is looked up by name, the account and region checked on the ARN, so an ARN of another alarm would let
 * an event pass for one alarm and act as another.
 */
function alarmArnParts(
  arn: string,
  field: string,
  alarmName: string,
  nameField: string,
): { account: string; region: string } {
  const match = ALARM_ARN.exec(arn);
  if (!match?.[1] || !match[2])
    throw new MalformedEventError(
      `${field}: ${clipped(arn)} is not a CloudWatch alarm ARN (arn:aws:cloudwatch:<region>:<account>:alarm:<name>)`,
    );
  if (match[3] !== alarmName)
    throw new MalformedEventError(
      `${field}: ${clipped(arn)} is the ARN of alarm "${clipped(match[3] ?? '')}", not of ${nameField} "${clipped(alarmName)}"`,
    );
  return { region: match[1], account: match[2] };
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
