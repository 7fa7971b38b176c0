import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import { asgScalerOnEmulator, lambdaContext, testClock } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';
import { recordFigures } from './figures';

// Issue 15, item 6, measured: the real CLI sets /scalepilot/test/paused in moto's SSM while the handler
// evaluates every 10 s under high load; how long until nothing changes, and what is recorded meanwhile.
// (tests/integration/killSwitch.test.ts holds the switch's behaviour; this file measures it.)

const run = promisify(execFile);
const CLI = new URL('../../bin/scalepilot', import.meta.url).pathname;
const STEP = 10;
const PAUSED_FOR = 180;
/** A group that wants another step each minute while hot (short cooldown, no windows, a 1-s warmup). */
const eager = validatePolicy({
  version: 1,
  targets: [
    {
      name: 'api',
      kind: 'asg',
      autoScalingGroupName: 'g',
      capacity: { min: 2, max: 40 },
      instanceWarmupSeconds: 1,
      cooldowns: { scaleOutSeconds: 60, scaleInSeconds: 600 },
      stabilization: { scaleOutSeconds: 0, scaleInSeconds: 300 },
      rules: [
        {
          name: 'cpu',
          type: 'step',
          metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
          scaleOut: [{ above: 70, add: 2 }],
          scaleIn: [{ below: 30, remove: 1 }],
        },
      ],
    },
  ],
});

const emulator = useEmulator({ reset: false });

describe('kill switch, measured', () => {
  it('after `scalepilot pause`, mutating calls stop within a minute and every later decision is recorded Paused; `resume` lets the next evaluation act', async () => {
    const clock = testClock(new Date());
    const { handler, account } = await asgScalerOnEmulator(emulator, eager, clock);
    await account.createAutoScalingGroup('g', { min: 2, max: 10, desired: 2 });
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    const cli = (command: string) =>
      run(CLI, [command, '--stage', 'test', '--endpoint', emulator.aws.endpoint ?? ''], { env });
    const evaluate = async (name: string, cpu = 95) => {
      await account.putMetric(
        { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: 'g' } },
        cpu,
        new Date(clock.now().getTime() - 60_000),
      );
      const [result] = await handler(
        { source: 'aws.events', 'detail-type': 'Scheduled Event', time: clock.now().toISOString() },
        lambdaContext(name),
      );
      return result?.decision.reason ?? 'none';
    };

    // Running, quiet: the switch is read (and cached for 30 s) by this evaluation. Then the load rises.
    await evaluate('before', 50);
    await cli('pause');
    const pausedAt = clock.now().getTime();
    const timeline: { at: number; reason: string; calls: number }[] = [];
    for (let t = STEP; t <= PAUSED_FOR; t += STEP) {
      clock.advance(STEP);
      const calls = emulator.calls('SetDesiredCapacity');
      const reason = await evaluate(`paused-${t}`);
      timeline.push({ at: t, reason, calls: emulator.calls('SetDesiredCapacity') - calls });
    }
    const firstPaused = timeline.find((e) => e.reason === 'Paused')?.at;
    const lastChange = [...timeline].reverse().find((e) => e.calls > 0)?.at;
    // Mutating calls end within the minute (the cached switch may let one through in its first 30 s);
    // from the first Paused decision on, every evaluation wants to act and records Paused instead.
    expect(lastChange ?? 0).toBeLessThan(60);
    expect(timeline.filter((e) => e.at >= 60 && e.calls > 0)).toEqual([]);
    expect(firstPaused).toBeDefined();
    const afterStop = timeline.filter((e) => e.at >= (firstPaused as number));
    expect(afterStop.every((e) => e.reason === 'Paused' && e.calls === 0)).toBe(true);

    await cli('resume');
    clock.advance(31); // past the function's 30-second cache of the switch
    const resumed = await evaluate('resumed');
    expect(resumed).toBe('ScaleOut');
    const logged = await new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1').decisions('api');
    const recordedPaused = logged.filter((d) => d.reason === 'Paused').length;
    expect(recordedPaused).toBe(afterStop.length);

    recordFigures('kill-switch', 'pause and resume', {
      'evaluations while paused (every 10 s for 3 min, CPU 95%)': timeline.length,
      'last SetDesiredCapacity after `scalepilot pause` (the switch is cached 30 s; bound 60 s)':
        lastChange === undefined ? 'none' : `${lastChange} s`,
      'SetDesiredCapacity calls from 60 s after the pause': 0,
      'first Paused decision (the first wish to act once the cache expired)': `${firstPaused} s`,
      'decision reasons, every 10 s': timeline.map((e) => e.reason).join(', '),
      'decisions recorded as Paused': recordedPaused,
      'first evaluation after `scalepilot resume` (31 s later)': resumed,
      'pause/resume measured from the pause': `${Math.round((clock.now().getTime() - pausedAt) / 1000)} s of simulated time`,
    });
  });
});
