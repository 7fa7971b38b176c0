import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { AutoScalingScheduledActions } from '../../shared/adapters/AutoScalingScheduledActions';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { forecastActionName } from '../../shared/decision/scheduledFloors';
import { deployedFunction } from '../harness/deployedFunction';
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

  /**
   * The stage's group and another stage's, each with three actions predict would put (moto stores them as given);
   * `deployed`: the stage's kill switch exists, as its stack creates it.
   */
  async function twoStagesWithActions(deployed = true) {
    const account = new DemoAccount(emulator.aws);
    if (deployed) await account.createPauseSwitch('test');
    // Hours ahead, as the forecast puts them (48 at most): one more than a week ahead is a set-back a pause held.
    const at = (hours: number) => new Date((Math.ceil(Date.now() / 3_600_000) + hours) * 3_600_000);
    for (const [group, stage] of [
      ['web', 'test'],
      ['batch', 'other'],
    ] as const) {
      await account.createAutoScalingGroup(group, { min: 1, max: 10, desired: 1 });
      const actions = new AutoScalingScheduledActions(emulator.aws, stage);
      await actions.markOwned(group);
      await actions.replace(
        group,
        [3, 4, 9].map((h) => ({
          name: `scalepilot-forecast-${group}-2030010${h}`,
          start: at(h),
          minSize: 3,
        })),
        [],
      );
    }
    return (group: string) => new AutoScalingScheduledActions(emulator.aws, 'test').scheduledActions(group);
  }
  const cli = (...args: string[]) =>
    run(CLI, [...args, '--endpoint', emulator.aws.endpoint ?? ''], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    });
  const pause = (...more: string[]) => cli('pause', '--stage', 'test', ...more);

  it("deletes the forecast's scheduled MinSize actions on the stage's groups, which AWS would run while paused", async () => {
    const actionsOf = await twoStagesWithActions();
    const { stdout } = await pause();
    expect(stdout).toContain(
      'group web: 3 scheduled MinSize action(s) from the forecast deleted; MinSize stays 1, and the first hourly forecast run after resume places them again',
    );
    expect(await actionsOf('web')).toEqual([]);
    // Another stage's group is not this stage's to touch.
    expect(stdout).not.toContain('batch');
    expect(await actionsOf('batch')).toHaveLength(3);
  });

  // Defect (docs/status.md): the set-back an earlier pause held, which this one keeps, was counted among those it
  // deleted (4 for 3), and not said to be kept.
  it('says the set-back an earlier pause held apart from the actions it deleted, and keeps it', async () => {
    const account = new DemoAccount(emulator.aws);
    await account.createPauseSwitch('test');
    await account.createAutoScalingGroup('web', { min: 5, max: 10, desired: 5 });
    const actions = new AutoScalingScheduledActions(emulator.aws, 'test');
    await actions.markOwned('web');
    // The forecast's next hours (raised to 5, back to 2), put by a run within the switch's cache after the pause
    // that held the set-back to 2 three hundred days ahead.
    const hour = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
    const at = (ms: number) => ({ start: new Date(ms), name: forecastActionName('api', new Date(ms)) });
    const held = { ...at(hour + 300 * 86_400_000), minSize: 2 };
    await actions.replace(
      'web',
      [held, ...[5, 5, 2].map((minSize, i) => ({ ...at(hour + (i + 1) * 3_600_000), minSize }))],
      [],
    );
    const { stdout } = await pause();
    expect(stdout).toContain(
      `group web: 3 scheduled MinSize action(s) from the forecast deleted; MinSize stays 5 (its set-back to 2, held at ${held.start.toISOString().slice(0, 16)}Z, is kept, and does not fire while paused), and the first hourly forecast run after resume places them again or sets it back`,
    );
    const left = await actions.scheduledActions('web');
    expect(left.map((a) => [a.name, a.minSize])).toEqual([[held.name, 2]]);
  });

  it('with --keep-schedule leaves them and says which still fire while paused', async () => {
    const actionsOf = await twoStagesWithActions();
    const { stdout } = await pause('--keep-schedule');
    // The switch says so: the hourly forecast run, which deletes them while paused, keeps them.
    expect(stdout).toContain(
      '/scalepilot/test/paused = keep-schedule: stage "test" stops acting within a minute',
    );
    const left = await actionsOf('web');
    expect(left).toHaveLength(3);
    const last = new Date(Math.max(...left.map((a) => a.start?.getTime() ?? 0))).toISOString().slice(0, 16);
    expect(stdout).toContain(
      `group web: 3 scheduled MinSize action(s) from the forecast still fire while paused, the last at ${last}Z`,
    );
    expect(stdout).not.toContain('batch');
  });

  // Defect: a stage without its switch (a typo, or not deployed yet) was "paused" (exit 0): the parameter was
  // created, the real stage went on scaling, and the first deploy of that stage failed on the parameter.
  it.each([
    { name: 'pause of a stage not deployed', args: ['pause', '--stage', 'test'] },
    {
      name: 'pause --keep-schedule of a stage not deployed',
      args: ['pause', '--stage', 'test', '--keep-schedule'],
    },
    { name: 'resume of a stage not deployed', args: ['resume', '--stage', 'test'] },
  ])('refuses $name in one line, and changes nothing', async ({ args }) => {
    const actionsOf = await twoStagesWithActions(false);
    const refused = await cli(...args).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused?.stderr).toBe(
      'stage "test" has no kill switch (/scalepilot/test/paused does not exist): is it deployed?\n',
    );
    const switches = await new SSMClient(clientOptions(emulator.aws)).send(
      new GetParametersCommand({ Names: ['/scalepilot/test/paused'] }),
    );
    expect(switches.InvalidParameters).toEqual(['/scalepilot/test/paused']);
    expect(await actionsOf('web')).toHaveLength(3);
  });

  // A deployed stage whose switch was deleted by hand holds (PauseUnknown) until it is set again: resume sets it.
  it('sets again the switch of a deployed stage that someone deleted', async () => {
    await deployedFunction(emulator.aws, 'test', 'scaleAsg', { LEDGER_TABLE: 'ledger' });
    const resumed = await cli('resume', '--stage', 'test');
    expect(resumed.stdout).toContain('/scalepilot/test/paused = false');
    const switches = await new SSMClient(clientOptions(emulator.aws)).send(
      new GetParametersCommand({ Names: ['/scalepilot/test/paused'] }),
    );
    expect(switches.Parameters?.[0]?.Value).toBe('false');
  });
});
