import { readFileSync } from 'node:fs';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import { clientOptions, emulatorConfig } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { scalerRuntimeFromEnv } from '../../shared/lambda/scalerRuntimeFromEnv';
import { emulatorBehindFaults } from '../harness/emulatorBehindFaults';
import { faultKinds } from '../harness/faultProxy';
import { alarmActionEvent, capturedLog, lambdaContext, seedStepPolicy, testClock } from '../harness/fixtures';
import { exampleTemplate } from '../harness/slsPackage';
import { recordFigures } from './figures';

// Issue 15, item 3: faults injected at the HTTP level between the scaler and moto, so the SDK's standard
// retry strategy (its attempts, backoff and retry quota) runs for real. Lambda's part is played here, as AWS
// documents it: an async invocation that throws is retried MaximumRetryAttempts times (read from the packaged
// template), then its event is sent to the dead-letter queue, a real SQS queue in moto (moto cannot invoke
// the functions without Docker, so the harness plays Lambda's side). Issue 20, items 10–12: every kind of
// fault must have been injected; each event is accounted for exactly once from evidence the harness does not
// keep (the ledger's decisions, the queue's messages); the retry limit is the template's, as the function saw
// its attempts (its own log).

const MINUTES = 24;
const RATE = 0.3;
const SEED = 1515;
const ATTEMPTS = clientOptions(emulatorConfig('http://x')).maxAttempts;
/** CPU per minute: hot for 9 minutes (scale out), then quiet (scale in after the cooldowns). */
const load = (minute: number) => (minute < 9 ? 92 : 12);
/** The minute the poison event is delivered. */
const POISON_MINUTE = 5;

const world = emulatorBehindFaults(SEED);
/** The scaler's MaximumRetryAttempts as CloudFormation receives it (the packaged template). */
let retries: number;
beforeAll(async () => {
  const template = JSON.parse(readFileSync(await exampleTemplate(), 'utf8')).Resources as Record<
    string,
    { Type: string; Properties: { FunctionName?: { Ref?: string }; MaximumRetryAttempts?: number } }
  >;
  retries = Number(
    Object.values(template).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventInvokeConfig' &&
        r.Properties.FunctionName?.Ref === 'ScaleAsgLambdaFunction',
    )?.Properties.MaximumRetryAttempts,
  );
}, 240_000);

describe('faults at the HTTP level', () => {
  it(`${Math.round(RATE * 100)}% of requests throttled, refused with 500, reset or timed out, every kind at least once: each event completes (a decision in the ledger) or lands in the dead-letter queue, exactly once; the retry limit is the template's; nothing acts twice, no call exceeds ${ATTEMPTS} attempts (defects: a hung attempt waited for the function's timeout; a run with no fault passed; the accounting was a sum that could not fail; the retry limit was compared with itself)`, async () => {
    const { emulator, proxy } = world;
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const clock = testClock(start);
    const account = new DemoAccount(emulator.aws);
    await account.createLedgerTable('ledger');
    const sqs = new SQSClient(clientOptions(emulator.aws));
    const queueUrl =
      (await sqs.send(new CreateQueueCommand({ QueueName: 'scalepilot-test-dlq' }))).QueueUrl ?? '';
    await account.createPauseSwitch('test');
    const topicArn = await account.createTopic('scalepilot-test');
    await account.createAutoScalingGroup('g', { min: 2, max: 10, desired: 2 });
    const policy = seedStepPolicy();
    const target = policy.targets[0];
    if (!target) throw new Error('no target');
    const log = capturedLog();
    // Every client of the function goes through the proxy; a hung attempt is dropped after 0.7 s here.
    const runtime = scalerRuntimeFromEnv({
      kind: 'asg',
      capacity: (aws) => new AutoScalingCapacity(aws),
      logger: log.sink,
      env: {
        LEDGER_TABLE: 'ledger',
        SCALEPILOT_STAGE: 'test',
        TOPIC_ARN: topicArn,
        SCALEPILOT_SCOPE: '123456789012#us-east-1',
      },
      policy,
      aws: { ...emulatorConfig(proxy.endpoint), requestTimeoutMs: 700 },
      clock,
    });
    const handler = createScalerHandler(runtime);

    let invocations = 0;
    let firstTime = 0;
    let afterRetry = 0;
    const deadLetters: { event: unknown; error: string }[] = [];
    const marks: { from: number; at: number }[] = [];
    const delivered: { id: string; event: unknown }[] = [];
    /**
     * Lambda's async invocation: the event, then up to `retries` retries, then the event is sent to the
     * dead-letter queue with the attributes Lambda gives it (RequestID, ErrorCode, ErrorMessage).
     */
    const invokeAsync = async (id: string, event: unknown) => {
      delivered.push({ id, event });
      let error: unknown;
      for (let attempt = 0; attempt <= retries; attempt += 1) {
        invocations += 1;
        marks.push({ from: proxy.requests.length, at: clock.now().getTime() });
        try {
          await handler(structuredClone(event), lambdaContext(`inv-${invocations}`));
          if (attempt === 0) firstTime += 1;
          else afterRetry += 1;
          return;
        } catch (e) {
          error = e;
        }
      }
      const message = error instanceof Error ? error.message : String(error);
      deadLetters.push({ event, error: error instanceof Error ? `${error.name}: ${message}` : message });
      // The queue is reached with injection off: Lambda's own delivery to it is not what is under test.
      const rate = proxy.rate;
      proxy.setRate(0);
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(event),
          MessageAttributes: {
            RequestID: { DataType: 'String', StringValue: `inv-${invocations}` },
            ErrorCode: { DataType: 'String', StringValue: '200' },
            ErrorMessage: { DataType: 'String', StringValue: message.slice(0, 1000) },
          },
        }),
      );
      proxy.setRate(rate);
    };
    /** The event's identity as the ledger and the queue show it: the schedule's time, or the alarm and its state time. */
    const idOf = (event: {
      source?: string;
      time?: string;
      alarmData?: { alarmName: string; state: { timestamp: string } };
    }) =>
      event.source === 'aws.events'
        ? `schedule@${event.time}`
        : `alarm ${event.alarmData?.alarmName}@${event.alarmData?.state.timestamp}`;

    proxy.setRate(RATE);
    let alarm: 'OK' | 'ALARM' = 'OK';
    let events = 0;
    for (let minute = 0; minute < MINUTES; minute += 1) {
      await account.putMetric(
        { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: 'g' } },
        load(minute),
        new Date(clock.now().getTime() - 60_000),
      );
      const state = load(minute) > 70 ? 'ALARM' : 'OK';
      if (state !== alarm) {
        alarm = state;
        events += 1;
        const event = alarmActionEvent('scalepilot-test.api.cpu.gt70', state, clock.now());
        await invokeAsync(idOf(event), event);
      }
      events += 1;
      const tick = {
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        time: clock.now().toISOString(),
      };
      await invokeAsync(idOf(tick), tick);
      // Once, a poison event (an alarm of this account the policy does not generate): every attempt fails.
      if (minute === POISON_MINUTE) {
        events += 1;
        const poison = alarmActionEvent('scalepilot-test.gone.cpu.gt70', 'ALARM', clock.now());
        await invokeAsync(idOf(poison), poison);
      }
      clock.advance(60);
    }
    proxy.setRate(0);
    const requests = [...proxy.requests];

    // No call made more attempts than configured.
    const calls = new Map<string, typeof requests>();
    for (const r of requests) calls.set(r.invocation, [...(calls.get(r.invocation) ?? []), r]);
    expect(requests.every((r) => r.maxAttempts === ATTEMPTS)).toBe(true);
    const attemptsPerCall = [...calls.values()].map((c) => c.length);
    expect(Math.max(...attemptsPerCall)).toBeLessThanOrEqual(ATTEMPTS);
    expect(Math.max(...requests.map((r) => r.attempt))).toBeLessThanOrEqual(ATTEMPTS);
    const failedCalls = [...calls.values()].filter((c) => c.at(-1)?.fault !== undefined);

    // Nothing acted twice: the group's changes as the emulator received them (a retried call sets the same
    // value again, which changes nothing), each direction's changes a cooldown apart.
    const timeOf = (index: number) => [...marks].reverse().find((m) => m.from <= index)?.at ?? 0;
    let desired = 2;
    const changes: { at: number; from: number; to: number }[] = [];
    requests.forEach((r, index) => {
      if (r.action !== 'SetDesiredCapacity' || !r.reachedEmulator) return;
      const value = Number(/DesiredCapacity=(\d+)/.exec(r.body)?.[1]);
      if (value !== desired) changes.push({ at: timeOf(index), from: desired, to: value });
      desired = value;
    });
    for (const direction of ['out', 'in'] as const) {
      const times = changes.filter((c) => c.to > c.from === (direction === 'out')).map((c) => c.at);
      const cooldown =
        direction === 'out' ? target.cooldowns.scaleOutSeconds : target.cooldowns.scaleInSeconds;
      times.slice(1).forEach((t, i) => {
        expect(
          (t - (times[i] as number)) / 1000,
          `${direction} changes ${i} and ${i + 1}`,
        ).toBeGreaterThanOrEqual(cooldown);
      });
    }
    const setCalls = [...calls.values()].filter((c) => c[0]?.action === 'SetDesiredCapacity');
    expect(changes.length).toBeGreaterThan(0);

    // Every kind of fault was injected, resets and timeouts both before and after the emulator acted (issue
    // 20, item 10: a run with no fault passed as well).
    for (const kind of faultKinds)
      expect(requests.filter((r) => r.fault === kind).length, kind).toBeGreaterThan(0);
    for (const kind of ['reset', 'timeout'] as const)
      for (const reached of [false, true])
        expect(
          requests.some((r) => r.fault === kind && r.reachedEmulator === reached),
          `${kind} ${reached ? 'after' : 'before'}`,
        ).toBe(true);

    // The retry limit as the function saw it (its own log of the poison event's attempts) is the template's.
    const poisonAttempts = log.entries.filter(
      (e) => e.message === 'event refused' && JSON.stringify(e.extra).includes('UnknownAlarmError'),
    ).length;
    expect(retries).toBeGreaterThanOrEqual(0);
    expect(poisonAttempts).toBe(retries + 1);

    // Every event is accounted for exactly once from what the account holds (issue 20, item 11: the check was
    // a sum that could not fail): a message in the dead-letter queue, or else a decision in the ledger.
    const queued: string[] = [];
    for (;;) {
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
      );
      if (!received.Messages?.length) break;
      queued.push(...received.Messages.map((m) => idOf(JSON.parse(m.Body ?? '{}'))));
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: received.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
    const ledgerOf = new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1');
    const recorded = new Set(
      (await ledgerOf.decisions('api')).map((d) =>
        d.trigger === 'schedule' ? `schedule@${d.at}` : `alarm ${d.alarmName}@${d.at}`,
      ),
    );
    const accounted = delivered.map(({ id }) => {
      const inQueue = queued.filter((q) => q === id).length;
      return {
        id,
        inQueue,
        inLedger: recorded.has(id),
        once: inQueue === 1 || (inQueue === 0 && recorded.has(id)),
      };
    });
    expect(accounted.filter((a) => !a.once)).toEqual([]);
    expect(queued.filter((q) => !delivered.some((d) => d.id === q))).toEqual([]);
    expect(queued).toHaveLength(deadLetters.length);
    expect(queued).toContain(
      idOf(
        alarmActionEvent(
          'scalepilot-test.gone.cpu.gt70',
          'ALARM',
          new Date(start.getTime() + POISON_MINUTE * 60_000),
        ),
      ),
    );
    expect(firstTime + afterRetry + deadLetters.length).toBe(events);

    // After the faults stop, one tick leaves a consistent ledger: no intent left, no lease held, and the
    // decisions that changed the group account for every change.
    await handler(
      { source: 'aws.events', 'detail-type': 'Scheduled Event', time: clock.now().toISOString() },
      lambdaContext('after'),
    );
    const ledger = new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1');
    const record = await ledger.read('api');
    expect(record.intent).toBeUndefined();
    expect(await ledger.acquireLease('api', 'checker', clock.now(), 1)).toBeDefined();
    const logged = await ledger.decisions('api');
    const applied = logged.filter((d) => d.applied && d.desired !== d.current);
    expect(
      applied.map((d) => `${d.current}→${d.desired}`),
      logged.map((d) => `${d.at} ${d.reason} ${d.current}→${d.desired} ${d.applied}`).join('\n'),
    ).toEqual(changes.map((c) => `${c.from}→${c.to}`));
    expect(applied.at(-1)?.desired ?? 2).toBe(desired);

    const tally = (values: string[]) => {
      const counts = new Map<string, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      return [...counts]
        .sort((a, b) => b[1] - a[1])
        .map(([v, n]) => `${v} ${n}`)
        .join(', ');
    };
    recordFigures('faults', 'faults on 30% of requests', {
      'simulated minutes (a tick each, plus the alarm changes)': MINUTES,
      'events delivered': events,
      'requests through the proxy': requests.length,
      'faults injected': `${requests.filter((r) => r.fault).length} (${faultKinds.map((k) => `${k} ${requests.filter((r) => r.fault === k).length}`).join(', ')})`,
      'resets and timeouts after the emulator acted (answer lost)': requests.filter(
        (r) => r.fault && r.reachedEmulator,
      ).length,
      'SDK calls': calls.size,
      'calls retried by the SDK': [...calls.values()].filter((c) => c.length > 1).length,
      'calls that failed after their attempts (or the retry quota)': failedCalls.length,
      'most attempts by one call (configured)': `${Math.max(...attemptsPerCall)} (${ATTEMPTS})`,
      'Lambda invocations (with retries)': invocations,
      'fault kinds injected (of them)': `${faultKinds.filter((k) => requests.some((r) => r.fault === k)).length} (${faultKinds.length})`,
      'events completed on the first invocation': firstTime,
      'events completed on a Lambda retry': afterRetry,
      'events dead-lettered (messages in the dead-letter queue)': `${queued.length}${deadLetters.length ? ` (${tally(deadLetters.map((d) => d.error.split(':')[0] ?? ''))})` : ''}`,
      'events accounted for exactly once (a queue message, else a decision in the ledger)': `${accounted.filter((a) => a.once).length} of ${delivered.length}`,
      'attempts of the poison event (template MaximumRetryAttempts + 1)': `${poisonAttempts} (${retries} + 1)`,
      'decisions recorded': tally(logged.map((d) => d.reason)),
      'capacity changes (SetDesiredCapacity calls)': `${changes.length} (${setCalls.length})`,
      'changes made twice or inside a cooldown': 0,
      'intents or leases left after the run': 0,
    });
  });
});
