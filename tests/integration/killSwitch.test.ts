import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { asgScalerOnEmulator, lambdaContext, seedStepPolicy, testClock } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// The kill switch against moto's SSM, set by the real CLI (`scalepilot pause` / `resume`) in a child
// process, read by the handler as deployed (issue #15, item 6).

const run = promisify(execFile);
const CLI = new URL('../../bin/scalepilot', import.meta.url).pathname;
const tick = (at: Date) => ({
  source: 'aws.events',
  'detail-type': 'Scheduled Event',
  time: at.toISOString(),
});

const emulator = useEmulator();

describe('scalepilot pause / resume', () => {
  it('stops every mutating call within a minute, records Paused, and resume lets the next evaluation act', async () => {
    const clock = testClock(new Date());
    const { handler, account } = await asgScalerOnEmulator(emulator, seedStepPolicy(), clock);
    await account.createAutoScalingGroup('g', { min: 2, max: 10, desired: 2 });
    const cpu = { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: 'g' } };
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    const cli = (command: string) =>
      run(CLI, [command, '--stage', 'test', '--endpoint', emulator.aws.endpoint ?? ''], { env });

    // Running: one evaluation reads the switch (`false`, as the stack creates it).
    await handler(tick(clock.now()), lambdaContext('before'));

    const paused = await cli('pause');
    expect(paused.stdout).toContain('/scalepilot/test/paused = true');
    clock.advance(61); // past the function's 30-second cache of the switch (and the 60-s scale-out window)
    for (let minute = 0; minute < 3; minute += 1) {
      await account.putMetric(cpu, 95, new Date(clock.now().getTime() - 60_000));
      const [result] = await handler(tick(clock.now()), lambdaContext(`paused-${minute}`));
      expect(result?.decision.reason).toBe('Paused');
      clock.advance(60);
    }
    expect(emulator.calls('SetDesiredCapacity')).toBe(0);

    await cli('resume');
    clock.advance(31);
    await account.putMetric(cpu, 95, new Date(clock.now().getTime() - 60_000));
    const [resumed] = await handler(tick(clock.now()), lambdaContext('resumed'));
    expect(resumed?.decision.reason).toBe('ScaleOut');
    expect(emulator.calls('SetDesiredCapacity')).toBe(1);
    const logged = await new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1').decisions('api');
    expect(logged.filter((d) => d.reason === 'Paused')).toHaveLength(3);
  });
});
