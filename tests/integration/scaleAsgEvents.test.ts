import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { callerScope } from '../../shared/adapters/callerScope';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { ledgerScope } from '../../shared/adapters/ledgerScope';
import { MalformedEventError } from '../../shared/errors';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { alarmDefinitions } from '../../shared/policy/alarmDefinitions';
import type { Policy } from '../../shared/policy/schema';
import {
  alarmActionEvent,
  asgScalerOnEmulator,
  examplePolicy,
  groupDesiredCapacity,
  lambdaContext,
  testClock,
} from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// The scaler's handling of who sent an alarm (issue 11), the dry-run flag of duplicate deliveries (issue 12)
// and the ledger scope shared with the CLI (issue 15), against moto. The handler runs in-process with
// real-shaped events (moto's Lambda Invoke needs Docker).
const GROUP = 'event-platform-api';
const OWN = '123456789012#us-east-1'; // the scope serverless.yml gives the functions in moto's account
const MUTATIONS = ['SetDesiredCapacity', 'Publish'];
const CLI = new URL('../../bin/scalepilot', import.meta.url).pathname;
const run = promisify(execFile);

const emulator = useEmulator();

const policy = (extra: Partial<Policy> = {}): Policy => ({
  ...examplePolicy(),
  targets: examplePolicy().targets.filter((t) => t.kind === 'asg'),
  // The example's plan names the database and the cache, which this policy leaves out.
  plans: [],
  ...extra,
});
/** The alarm the policy generates for the api group's CPU above its scale-out threshold. */
const cpuHigh = (p: Policy) => {
  const alarm = alarmDefinitions(p, 'test').find((a) => a.targetName === 'api' && a.direction === 'out');
  if (!alarm) throw new Error('no scale-out alarm for api');
  return alarm.alarmName;
};

const desiredCapacity = () => groupDesiredCapacity(emulator, GROUP);

/** The api group at 2 of 2..10, hot (85% CPU, 85% memory) for the last few minutes. */
async function hotGroup(scalerPolicy: Policy) {
  const clock = testClock(new Date());
  const scaler = await asgScalerOnEmulator(emulator, scalerPolicy, clock);
  await scaler.account.createAutoScalingGroup(GROUP, { min: 2, max: 10, desired: 2 });
  const points = [];
  for (const ago of [270, 210, 150, 90, 30])
    for (const metric of [
      { namespace: 'AWS/EC2', name: 'CPUUtilization' },
      { namespace: 'CWAgent', name: 'mem_used_percent' },
    ])
      points.push({
        metric: { ...metric, dimensions: { AutoScalingGroupName: GROUP } },
        value: 85,
        timestamp: new Date(clock.now().getTime() - ago * 1000),
      });
  await scaler.account.putMetrics(points);
  return { ...scaler, clock };
}

const mutations = (before: number) =>
  emulator
    .actions()
    .slice(before)
    .filter((a) => MUTATIONS.includes(a));

describe('scale-asg: alarms of other accounts and regions (issue 11)', () => {
  it.each([
    { name: 'another account', account: '999999999999', region: 'us-east-1' },
    { name: 'another region', account: '123456789012', region: 'eu-west-1' },
  ])(
    'ignores an alarm of $name with a recorded ForeignAlarm and changes nothing',
    async ({ account, region }) => {
      const p = policy();
      const { handler, clock } = await hotGroup(p);
      const event = {
        ...alarmActionEvent(cpuHigh(p), 'ALARM', clock.now()),
        alarmArn: `arn:aws:cloudwatch:${region}:${account}:alarm:${cpuHigh(p)}`,
        accountId: account,
        region,
      };
      const before = emulator.actions().length;
      const [result] = await handler(event, lambdaContext('foreign'));
      expect(result?.decision).toMatchObject({
        target: 'api',
        reason: 'ForeignAlarm',
        current: 2,
        desired: 2,
      });
      expect(result?.decision.message).toContain(`account ${account}, region ${region}`);
      expect(mutations(before)).toEqual([]);
      expect(emulator.calls('GetMetricData')).toBe(0); // not even evaluated
      expect(await desiredCapacity()).toBe(2);
      const logged = await new DynamoLedger(emulator.aws, 'ledger', OWN).decisions('api');
      expect(logged.map((d) => d.reason)).toEqual(['ForeignAlarm']);
    },
  );

  it('ignores a foreign alarm through SNS too', async () => {
    const p = policy();
    const { handler, clock } = await hotGroup(p);
    const message = {
      AlarmName: cpuHigh(p),
      AlarmArn: `arn:aws:cloudwatch:us-east-1:999999999999:alarm:${cpuHigh(p)}`,
      AWSAccountId: '999999999999',
      Region: 'US East (N. Virginia)',
      NewStateValue: 'ALARM',
      StateChangeTime: clock.now().toISOString(),
    };
    const event = { Records: [{ EventSource: 'aws:sns', Sns: { Message: JSON.stringify(message) } }] };
    const [result] = await handler(event, lambdaContext('foreign-sns'));
    expect(result?.decision.reason).toBe('ForeignAlarm');
    expect(emulator.calls('SetDesiredCapacity')).toBe(0);
  });

  it('logs and counts a foreign alarm that maps to no target, instead of refusing it as unknown', async () => {
    const p = policy();
    const { runtime, clock, log } = await hotGroup(p);
    const failed: string[] = [];
    const handler = createScalerHandler({
      ...runtime,
      decisionMetrics: { decided() {}, failed: (operation) => void failed.push(operation) },
    });
    const event = {
      ...alarmActionEvent('somebody-elses-alarm', 'ALARM', clock.now()),
      alarmArn: 'arn:aws:cloudwatch:us-east-1:999999999999:alarm:somebody-elses-alarm',
      accountId: '999999999999',
    };
    const before = emulator.actions().length;
    expect(await handler(event, lambdaContext('foreign-unknown'))).toEqual([]);
    expect(failed).toEqual(['foreign-alarm']);
    expect(log.entries.filter((e) => e.message === 'foreign alarm ignored')).toHaveLength(1);
    expect(mutations(before)).toEqual([]);
    expect(emulator.actions().slice(before)).not.toContain('PutItem');
  });

  it('refuses an SNS event of 5,000 records before evaluating anything', async () => {
    const p = policy();
    const { handler, clock } = await hotGroup(p);
    const message = {
      AlarmName: cpuHigh(p),
      AWSAccountId: '123456789012',
      NewStateValue: 'ALARM',
      StateChangeTime: clock.now().toISOString(),
    };
    const record = { EventSource: 'aws:sns', Sns: { Message: JSON.stringify(message) } };
    const before = emulator.actions().length;
    await expect(
      handler({ Records: Array.from({ length: 5000 }, () => record) }, lambdaContext('flood')),
    ).rejects.toThrow(MalformedEventError);
    expect(emulator.actions().slice(before)).toEqual([]);
  });
});

describe('scale-asg: duplicate deliveries (issue 12)', () => {
  it.each([
    { name: 'the policy', extra: { dryRun: true }, targetDryRun: undefined },
    { name: 'the target', extra: {}, targetDryRun: true },
  ])(
    'records a DuplicateEvent with the dryRun flag of the target when $name is in dry run',
    async ({ extra, targetDryRun }) => {
      const base = policy(extra);
      const p: Policy = {
        ...base,
        targets: base.targets.map((t) => (targetDryRun === undefined ? t : { ...t, dryRun: targetDryRun })),
      };
      const { handler, clock } = await hotGroup(p);
      const event = alarmActionEvent(cpuHigh(p), 'ALARM', clock.now());
      const [first] = await handler(event, lambdaContext('first'));
      expect(first).toMatchObject({ dryRun: true, applied: false });
      const [again] = await handler(structuredClone(event), lambdaContext('second'));
      expect(again).toMatchObject({ dryRun: true, decision: { reason: 'DuplicateEvent' } });
      const logged = await new DynamoLedger(emulator.aws, 'ledger', OWN).decisions('api');
      expect(logged.map((d) => [d.reason, d.dryRun])).toEqual([
        [first?.decision.reason, true],
        ['DuplicateEvent', true],
      ]);
    },
  );
});

describe('one ledger scope for the functions and the CLI (issue 15)', () => {
  it("computes the functions' scope for the CLI's account and region, from STS or --account", async () => {
    const { runtime } = await hotGroup(policy());
    expect(ledgerScope({ account: runtime.account, region: runtime.region })).toBe(OWN);
    expect(await callerScope(emulator.aws)).toBe(OWN); // moto's caller is account 123456789012
    expect(await callerScope(emulator.aws, '123456789012')).toBe(OWN);
    expect(await callerScope({ ...emulator.aws, region: 'eu-west-1' }, '210987654321')).toBe(
      '210987654321#eu-west-1',
    );
  });

  it('plan --table reads the history the functions wrote (it read local#<region> before)', async () => {
    const p = policy();
    const { handler, clock } = await hotGroup(p);
    const [first] = await handler(alarmActionEvent(cpuHigh(p), 'ALARM', clock.now()), lambdaContext('r1'));
    expect(first?.decision.reason).toBe('ScaleOut');
    const file = join(tmpdir(), `scalepilot-scope-${process.pid}.yml`);
    await writeFile(file, stringify(JSON.parse(JSON.stringify(p))));
    const plan = async (...extra: string[]) => {
      const { stdout } = await run(CLI, ['plan', file, '--endpoint', emulator.endpoint, '--json', ...extra], {
        env: {
          ...process.env,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
        },
      });
      return (JSON.parse(stdout) as { targets: { target: string; reason: string; current: number }[] })
        .targets;
    };
    // Without the ledger, the group at 4 looks hot and unscaled; with it, the scale-out just ordered is
    // warming (and in its cooldown), so the plan does not add again.
    const [blind] = await plan();
    expect(blind).toMatchObject({ target: 'api', current: 4, reason: 'ScaleOut' });
    const [informed] = await plan('--table', 'ledger');
    expect(informed?.current).toBe(4);
    expect(informed?.reason).not.toBe('ScaleOut');
    const [named] = await plan('--table', 'ledger', '--account', '123456789012');
    expect(named?.reason).toBe(informed?.reason);
  }, 60_000);
});
