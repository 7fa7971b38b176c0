import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { MalformedEventError, UnknownAlarmError } from '../../shared/errors';
import type { Policy } from '../../shared/policy/schema';
import { evaluateTargets } from '../../shared/usecases/evaluateTargets';
import {
  alarmActionEvent,
  asgScalerOnEmulator,
  examplePolicy,
  groupDesiredCapacity,
  lambdaContext,
  testClock,
} from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// Against moto. moto has no DescribeInstanceRefreshes (the harness proxy answers it); Lambda Invoke inside
// moto needs Docker, so the handler runs in-process with real-shaped events.
const GROUP = 'event-platform-api';
const ALARM_CPU_HIGH = 'scalepilot-test.api.cpu.gt70';
const MUTATIONS = ['SetDesiredCapacity', 'UpdateItem', 'Publish'];

const emulator = useEmulator();

const policy = (): Policy => ({
  ...examplePolicy(),
  targets: examplePolicy().targets.filter((t) => t.kind === 'asg'),
  // The example's plan links the group to targets left out here.
  plans: [],
});

const desiredCapacity = () => groupDesiredCapacity(emulator, GROUP);

async function setUp(scalerPolicy: Policy = policy()) {
  const clock = testClock(new Date());
  const scaler = await asgScalerOnEmulator(emulator, scalerPolicy, clock);
  await scaler.account.createAutoScalingGroup(GROUP, { min: 2, max: 10, desired: 2 });
  const putLoad = async (cpu: number, memory: number) => {
    // Inside the last complete minute: the minute still in progress is not read (a partial period).
    const at = new Date(clock.now().getTime() - 60_000);
    await scaler.account.putMetric(
      { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: GROUP } },
      cpu,
      at,
    );
    await scaler.account.putMetric(
      { namespace: 'CWAgent', name: 'mem_used_percent', dimensions: { AutoScalingGroupName: GROUP } },
      memory,
      at,
    );
  };
  return { ...scaler, clock, putLoad };
}

describe('scale-asg against the emulator', () => {
  it('raises the group on ALARM, and lowers it on OK with quiet metrics after the cooldown', async () => {
    const { handler, clock, putLoad } = await setUp();
    await putLoad(85, 50);
    const [first] = await handler(
      alarmActionEvent(ALARM_CPU_HIGH, 'ALARM', clock.now()),
      lambdaContext('r1'),
    );
    expect(first?.decision.reason).toBe('ScaleOut');
    expect(await desiredCapacity()).toBe(4);
    expect(emulator.calls('SetDesiredCapacity')).toBe(1);

    clock.advance(11 * 60);
    await putLoad(20, 30);
    const [second] = await handler(alarmActionEvent(ALARM_CPU_HIGH, 'OK', clock.now()), lambdaContext('r2'));
    expect(second?.decision.reason).toBe('ScaleIn');
    expect(await desiredCapacity()).toBe(3);
    expect(emulator.calls('SetDesiredCapacity')).toBe(2);

    const ledger = new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1');
    const logged = await ledger.decisions('api');
    expect(logged.map((d) => d.reason)).toEqual(['ScaleOut', 'ScaleIn']);
  });

  it('with scaleInAfterScaleOutSeconds, holds the group an hour after a scale-out, then lowers it', async () => {
    const held = policy();
    const api = held.targets[0] as Policy['targets'][number];
    held.targets[0] = {
      ...api,
      stabilization: { ...api.stabilization, scaleInAfterScaleOutSeconds: 3600 },
    } as typeof api;
    const { handler, clock, putLoad } = await setUp(held);
    await putLoad(85, 50);
    await handler(alarmActionEvent(ALARM_CPU_HIGH, 'ALARM', clock.now()), lambdaContext('r1'));
    expect(await desiredCapacity()).toBe(4);

    // Past the cooldown and the 300 s window that let the test above scale in after 11 minutes.
    clock.advance(11 * 60);
    await putLoad(20, 30);
    const [second] = await handler(alarmActionEvent(ALARM_CPU_HIGH, 'OK', clock.now()), lambdaContext('r2'));
    expect(second?.decision.reason).toBe('StabilizationWindow');
    expect(second?.decision.message).toContain('3600 s hold after a scale-out (scaleInAfterScaleOutSeconds)');
    expect(await desiredCapacity()).toBe(4);

    clock.advance(50 * 60);
    await putLoad(20, 30);
    const [third] = await handler(alarmActionEvent(ALARM_CPU_HIGH, 'OK', clock.now()), lambdaContext('r3'));
    expect(third?.decision.reason).toBe('ScaleIn');
    expect(await desiredCapacity()).toBe(3);
  });

  it('acts exactly once for 50 concurrent deliveries of the same alarm event', async () => {
    const { handler, clock, putLoad } = await setUp();
    await putLoad(85, 50);
    const event = alarmActionEvent(ALARM_CPU_HIGH, 'ALARM', clock.now());
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => handler(structuredClone(event), lambdaContext(`req-${i}`))),
    );
    expect(emulator.calls('SetDesiredCapacity')).toBe(1);
    expect(await desiredCapacity()).toBe(4);
    const reasons = results.flat().map((e) => e.decision.reason);
    expect(reasons.filter((r) => r === 'ScaleOut')).toHaveLength(1);
    // The other 49 are skips: mostly recognised duplicates (Powertools idempotency); an invocation that
    // slips past it (moto's conditional writes are not atomic under load) meets the lease or the warmup.
    const others = reasons.filter((r) => r !== 'ScaleOut');
    expect(others).toHaveLength(49);
    expect(
      others.filter(
        (r) => !['DuplicateEvent', 'LeaseHeld', 'InstancesWarming', 'ScaleOutCooldown'].includes(r),
      ),
    ).toEqual([]);
    expect(others.filter((r) => r === 'DuplicateEvent').length).toBeGreaterThan(40);
  });

  it('takes the same alarm through SNS, and re-evaluates every target on the schedule', async () => {
    const { handler, clock, putLoad } = await setUp();
    await putLoad(85, 50);
    const message = {
      AlarmName: ALARM_CPU_HIGH,
      AWSAccountId: '123456789012',
      NewStateValue: 'ALARM',
      StateChangeTime: clock.now().toISOString(),
    };
    const viaSns = { Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify(message) } }] };
    const [first] = await handler(viaSns, lambdaContext('sns'));
    expect(first?.decision).toMatchObject({ reason: 'ScaleOut', desired: 4 });
    expect(emulator.calls('Publish')).toBe(1);

    clock.advance(60);
    const tick = { source: 'aws.events', 'detail-type': 'Scheduled Event', time: clock.now().toISOString() };
    const [second] = await handler(tick, lambdaContext('tick'));
    // Still hot, but the two instances just ordered are warming and already answer this shortfall.
    expect(second?.decision.reason).toBe('InstancesWarming');
    expect(emulator.calls('GetMetricData')).toBe(2); // one batched read per evaluation
    expect(emulator.calls('SetDesiredCapacity')).toBe(1);
  });

  it('records a later duplicate delivery as a skip', async () => {
    const { handler, clock, putLoad } = await setUp();
    await putLoad(85, 50);
    const event = alarmActionEvent(ALARM_CPU_HIGH, 'ALARM', clock.now());
    await handler(event, lambdaContext('first'));
    const [again] = await handler(structuredClone(event), lambdaContext('second'));
    expect(again?.decision.reason).toBe('DuplicateEvent');
    const logged = await new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1').decisions('api');
    expect(logged.map((d) => d.reason)).toEqual(['ScaleOut', 'DuplicateEvent']);
  });

  it('in dry run decides, records and notifies, but changes nothing', async () => {
    const { handler, clock, putLoad } = await setUp({ ...policy(), dryRun: true });
    await putLoad(85, 50);
    const [result] = await handler(
      alarmActionEvent(ALARM_CPU_HIGH, 'ALARM', clock.now()),
      lambdaContext('dry'),
    );
    expect(result).toMatchObject({
      applied: false,
      dryRun: true,
      decision: { reason: 'ScaleOut', desired: 4 },
    });
    expect(emulator.calls('SetDesiredCapacity')).toBe(0);
    expect(await desiredCapacity()).toBe(2);
    expect(emulator.calls('Publish')).toBe(1);
    const [logged] = await new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1').decisions(
      'api',
    );
    expect(logged).toMatchObject({ dryRun: true, applied: false, reason: 'ScaleOut' });
  });

  it('plans without changing or recording anything', async () => {
    const { runtime, putLoad } = await setUp();
    await putLoad(85, 50);
    const before = emulator.actions().length;
    const [planned] = await evaluateTargets({ ...runtime, owner: 'plan' }, { trigger: 'plan' });
    expect(planned?.decision).toMatchObject({ current: 2, desired: 4, reason: 'ScaleOut' });
    expect(
      emulator
        .actions()
        .slice(before)
        .filter((a) => [...MUTATIONS, 'PutItem'].includes(a)),
    ).toEqual([]);
  });

  it.each([
    { name: 'a malformed event', event: () => ({ hello: 'world' }), error: MalformedEventError, group: true },
    {
      name: 'an unknown alarm',
      event: () => alarmActionEvent('somebody-elses-alarm', 'ALARM', new Date()),
      error: UnknownAlarmError,
      group: true,
    },
    {
      // Issue 23: a stage without threshold alarms (left over from an earlier deploy, or invoked by hand).
      name: 'an alarm of the policy’s thresholds when fleet.thresholdAlarms is false',
      event: () => alarmActionEvent(ALARM_CPU_HIGH, 'ALARM', new Date()),
      error: UnknownAlarmError,
      group: true,
      fleet: { thresholdAlarms: false },
      message:
        /is not one of the alarms generated from the policy: the policy generates none \(fleet\.thresholdAlarms: false/,
    },
  ])(
    'refuses $name with a logged error and changes nothing',
    async ({ event, error, group, fleet, message }) => {
      const clock = testClock(new Date());
      const scalerPolicy = { ...policy(), fleet: { ...policy().fleet, ...fleet } };
      const { handler, log, account } = await asgScalerOnEmulator(emulator, scalerPolicy, clock);
      if (group) await account.createAutoScalingGroup(GROUP, { min: 2, max: 10, desired: 2 });
      const before = emulator.actions().length;
      await expect(handler(event(), lambdaContext('bad'))).rejects.toThrow(error);
      if (message) await expect(handler(event(), lambdaContext('bad'))).rejects.toThrow(message);
      const after = emulator.actions().slice(before);
      expect(after.filter((a) => MUTATIONS.includes(a))).toEqual([]);
      expect(log.entries.filter((e) => e.level === 'error').length).toBeGreaterThan(0);
      const items = await new DynamoDBClient(clientOptions(emulator.aws)).send(
        new ScanCommand({ TableName: 'ledger' }),
      );
      expect(items.Count).toBe(0);
    },
  );

  it('defect 10: an alarm for a group that does not exist is recorded as DescribeFailed and backed off; the run succeeds and nothing changes', async () => {
    const clock = testClock(new Date());
    const { handler, log } = await asgScalerOnEmulator(emulator, policy(), clock);
    const before = emulator.actions().length;
    const [result] = await handler(
      alarmActionEvent(ALARM_CPU_HIGH, 'ALARM', clock.now()),
      lambdaContext('gone'),
    );
    expect(result?.decision).toMatchObject({ reason: 'DescribeFailed', current: 0, desired: 0 });
    expect(result?.decision.message).toContain('does not exist');
    expect(
      emulator
        .actions()
        .slice(before)
        .filter((a) => ['SetDesiredCapacity', 'Publish'].includes(a)),
    ).toEqual([]);
    expect(log.entries.filter((e) => e.level === 'error').length).toBeGreaterThan(0);

    // The next minute's tick finds the target backed off: no describe call at all.
    clock.advance(30);
    const describes = emulator.calls('DescribeAutoScalingGroups');
    const [tick] = await handler(
      { source: 'aws.events', 'detail-type': 'Scheduled Event', time: clock.now().toISOString() },
      lambdaContext('tick'),
    );
    expect(tick?.decision.reason).toBe('BackedOff');
    expect(emulator.calls('DescribeAutoScalingGroups')).toBe(describes);
    const logged = await new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1').decisions('api');
    expect(logged.map((d) => d.reason)).toEqual(['DescribeFailed', 'BackedOff']);
  });
});
