import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../bin/lib/emulator';
import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import { clientOptions, emulatorConfig } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { scalerRuntimeFromEnv } from '../../shared/lambda/scalerRuntimeFromEnv';
import { type FaultProxy, faultKinds, startFaultProxy } from '../harness/faultProxy';
import { alarmActionEvent, capturedLog, lambdaContext, seedStepPolicy, testClock } from '../harness/fixtures';
import { recordFigures } from './figures';

// Issue 15, item 3: faults injected at the HTTP level between the scaler and moto, so the SDK's standard
// retry strategy (its attempts, backoff and retry quota) runs for real. Lambda's part is played here: an
// async invocation that throws is retried `maximumRetryAttempts` times (serverless.yml), then its event
// goes to the dead-letter queue (counted in-process: moto's SQS is not wired to the in-process handler).

const MINUTES = 24;
const RATE = 0.3;
const SEED = 1515;
const retries = Number(
  /maximumRetryAttempts: (\d+)/.exec(
    readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8'),
  )?.[1],
);
const ATTEMPTS = clientOptions(emulatorConfig('http://x')).maxAttempts;
/** CPU per minute: hot for 9 minutes (scale out), then quiet (scale in after the cooldowns). */
const load = (minute: number) => (minute < 9 ? 92 : 12);

let emulator: Emulator;
let proxy: FaultProxy;
beforeAll(async () => {
  emulator = await startEmulator();
  proxy = await startFaultProxy(emulator.endpoint, { rate: 0, seed: SEED });
});
afterAll(async () => {
  await proxy?.stop();
  await emulator?.stop();
});

describe('faults at the HTTP level', () => {
  it(`${Math.round(RATE * 100)}% of requests throttled, refused with 500, reset or timed out: every run completes or is dead-lettered, nothing acts twice, no call exceeds ${ATTEMPTS} attempts (defect: an attempt that never got an answer hung until the function timed out; the SDK only warned at its request timeout)`, async () => {
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const clock = testClock(start);
    const account = new DemoAccount(emulator.aws);
    await account.createLedgerTable('ledger');
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
    /** Lambda's async invocation: the event, then up to `retries` retries, then the dead-letter queue. */
    const invokeAsync = async (event: unknown) => {
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
      deadLetters.push({
        event,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    };

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
        await invokeAsync(alarmActionEvent('scalepilot-test.api.cpu.gt70', state, clock.now()));
      }
      events += 1;
      await invokeAsync({
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        time: clock.now().toISOString(),
      });
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

    // Every run completed or was dead-lettered; after the faults stop, one tick leaves a consistent ledger:
    // no intent left, no lease held, and the decisions that changed the group account for every change.
    expect(firstTime + afterRetry + deadLetters.length).toBe(events);
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
      'events completed on the first invocation': firstTime,
      'events completed on a Lambda retry': afterRetry,
      'events dead-lettered': `${deadLetters.length}${deadLetters.length ? ` (${tally(deadLetters.map((d) => d.error.split(':')[0] ?? ''))})` : ''}`,
      'decisions recorded': tally(logged.map((d) => d.reason)),
      'capacity changes (SetDesiredCapacity calls)': `${changes.length} (${setCalls.length})`,
      'changes made twice or inside a cooldown': 0,
      'intents or leases left after the run': 0,
    });
  });
});
