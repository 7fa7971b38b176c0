import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Emulator } from '../../bin/lib/emulator';
import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import { emulatorConfig } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { scalerRuntimeFromEnv } from '../../shared/lambda/scalerRuntimeFromEnv';
import { type FaultProxy, startFaultProxy } from '../harness/faultProxy';
import { capturedLog, lambdaContext, seedStepPolicy, testClock } from '../harness/fixtures';
import { startTestEmulator } from '../harness/motoPool';
import { recordFigures } from './figures';

// Issue 20, item 13: ActionFailed was never exercised. SetDesiredCapacity fails at the HTTP level (HTTP 500
// on every attempt, from the fault proxy in front of moto), with the scaler wired as in Lambda, its EMF
// metrics included: the failure is recorded in the ledger, counted in the metric the stack alarms on, and
// the target backs off before it is tried again.

const SCOPE = '123456789012#us-east-1';
let emulator: Emulator;
let proxy: FaultProxy;
beforeAll(async () => {
  emulator = await startTestEmulator();
  proxy = await startFaultProxy(emulator.endpoint, { rate: 0 });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await proxy?.stop();
  await emulator?.stop();
});

/** The EMF documents the function printed (Powertools writes them to stdout), while `run` ran. */
async function emf(run: () => Promise<unknown>) {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    write.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('an action AWS refuses (defect: ActionFailed was never exercised)', () => {
  it('SetDesiredCapacity fails on every attempt: ActionFailed recorded, TargetFailures counted, backed off, then acted once it works', async () => {
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const clock = testClock(start);
    const account = new DemoAccount(emulator.aws);
    await account.createLedgerTable('ledger');
    await account.createPauseSwitch('test');
    const topicArn = await account.createTopic('scalepilot-test');
    await account.createAutoScalingGroup('g', { min: 2, max: 10, desired: 2 });
    const cpu = { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: 'g' } };
    // The test run turns EMF off (vitest.config.ts); this test reads it, as CloudWatch would (each single
    // metric is a Metrics of its own, reading the environment when made).
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const metrics = new Metrics({ namespace: 'Scalepilot', serviceName: 'scale-asg' });
    const runtime = scalerRuntimeFromEnv({
      kind: 'asg',
      capacity: (aws) => new AutoScalingCapacity(aws),
      logger: capturedLog().sink,
      metrics,
      env: { LEDGER_TABLE: 'ledger', SCALEPILOT_STAGE: 'test', TOPIC_ARN: topicArn, SCALEPILOT_SCOPE: SCOPE },
      policy: seedStepPolicy(),
      // The attempts a deployed function makes (3: awsConfigFromEnv sets none), not the emulator's extra ones.
      aws: { ...emulatorConfig(proxy.endpoint), maxAttempts: 3 },
      clock,
    });
    const handler = createScalerHandler(runtime);
    const ledger = new DynamoLedger(emulator.aws, 'ledger', SCOPE);
    const tick = async (name: string) => {
      await account.putMetric(cpu, 92, new Date(clock.now().getTime() - 60_000));
      const results = await handler(
        { source: 'aws.events', 'detail-type': 'Scheduled Event', time: clock.now().toISOString() },
        lambdaContext(name),
      );
      reasons.push(results.map((r) => r.decision.reason).join(', '));
      return results.at(-1)?.decision;
    };
    const reasons: string[] = [];
    const sets = () => proxy.requests.filter((r) => r.action === 'SetDesiredCapacity');

    proxy.failAction('SetDesiredCapacity', 'http-500');
    let failed: Awaited<ReturnType<typeof tick>>;
    const documents = await emf(async () => {
      failed = await tick('refused');
    });
    expect(failed?.reason).toBe('ActionFailed');
    expect(failed?.message).toMatch(
      /could not change api: AutoScaling SetDesiredCapacity failed: .*; attempt 1, next after /,
    );
    const attempts = sets().length;
    expect(attempts).toBe(3); // the SDK's attempts, each refused
    // The record: the decision in the ledger, and the backoff on the target.
    const record = await ledger.read('api');
    expect(record.failures).toBe(1);
    expect(record.backoffUntil?.getTime()).toBe(start.getTime() + 60_000);
    // When it was told, kept in DynamoDB: the same failure is not told again within the hour (issue 21).
    expect(record.noticesToldAt).toEqual({ ActionFailed: start });
    expect((await ledger.decisions('api')).at(-1)).toMatchObject({ reason: 'ActionFailed', applied: false });
    // The metric the stack's alarm watches (TargetFailures by service), and Errors by operation.
    const failures = documents.filter((d) => 'TargetFailures' in d);
    expect(failures.map((d) => [d.service, d.TargetFailures])).toEqual([['scale-asg', 1]]);
    expect(documents.some((d) => d.operation === 'act' && d.Errors === 1)).toBe(true);

    // Within the backoff: not tried again.
    clock.advance(30);
    const held = await tick('backed-off');
    expect(held?.reason).toBe('BackedOff');
    expect(sets()).toHaveLength(attempts);

    // AWS answers again; after the backoff the change is made, once.
    proxy.failAction('SetDesiredCapacity', undefined);
    clock.advance(31);
    const acted = await tick('after');
    // The intent written before the refused call is reconciled first (it did not take effect), then the change.
    expect(reasons.at(-1)).toBe('IntentReconciled, ScaleOut');
    expect(acted?.reason).toBe('ScaleOut');
    expect(sets().filter((r) => !r.fault)).toHaveLength(1);
    expect((await ledger.read('api')).failures).toBe(0);
    recordFigures('faults', 'an action AWS refuses', {
      'SetDesiredCapacity answered': 'HTTP 500 on every attempt (fault proxy)',
      'attempts by the SDK, then recorded': `${attempts}, ActionFailed (attempt 1, backed off 60 s)`,
      'TargetFailures (service scale-asg), the stack alarm’s metric': 1,
      'tick 30 s later (inside the backoff)': `${held?.reason}, no call`,
      'tick after the backoff, AWS answering again': `${reasons.at(-1)}, 1 call`,
    });
  });
});
