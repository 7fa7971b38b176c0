import { AutoScalingClient, CreateOrUpdateTagsCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { validatePolicy } from '../../shared/policy/parsePolicy';
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

// Against moto, which enforces no IAM: a stage whose roles grant by tag (fleet.grantGroupsBy: tag) may resize
// only groups tagged scalepilot:stage with its name. The scaler refuses any other group of its policy before
// taking its lease (AWS would answer AccessDenied), tells it once, and scales it once it is tagged.
const GROUP = 'event-platform-api';
const ALARM_CPU_HIGH = 'scalepilot-test.api.cpu.gt70';

const emulator = useEmulator();

const policy = (): Policy =>
  validatePolicy({
    ...JSON.parse(JSON.stringify(examplePolicy())),
    targets: examplePolicy().targets.filter((t) => t.kind === 'asg'),
    plans: [],
    fleet: { grantGroupsBy: 'tag' },
  });

const autoScaling = () => new AutoScalingClient(clientOptions(emulator.aws));

const desiredCapacity = () => groupDesiredCapacity(emulator, GROUP);

const tag = (value: string) =>
  autoScaling().send(
    new CreateOrUpdateTagsCommand({
      Tags: [
        {
          ResourceId: GROUP,
          ResourceType: 'auto-scaling-group',
          Key: 'scalepilot:stage',
          Value: value,
          PropagateAtLaunch: false,
        },
      ],
    }),
  );

describe('scale-asg, granted by tag', () => {
  it.each([
    { name: 'an untagged group', tagged: undefined, says: 'has no such tag' },
    { name: "a group tagged with another stage's name", tagged: 'prod', says: 'is tagged "prod"' },
  ])('$name is refused, told once, and scaled once tagged with the stage', async ({ tagged, says }) => {
    const clock = testClock(new Date());
    const { handler, account } = await asgScalerOnEmulator(emulator, policy(), clock);
    await account.createAutoScalingGroup(GROUP, { min: 2, max: 10, desired: 2 });
    if (tagged) await tag(tagged);
    const notices = () => emulator.calls('Publish') + emulator.calls('PublishBatch');
    const run = async (id: string) => {
      clock.advance(60);
      await account.putMetric(
        { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: GROUP } },
        85,
        new Date(clock.now().getTime() - 60_000),
      );
      const [result] = await handler(
        alarmActionEvent(ALARM_CPU_HIGH, 'ALARM', clock.now()),
        lambdaContext(id),
      );
      return result?.decision;
    };

    const first = await run('r1');
    expect(first).toMatchObject({ reason: 'GroupNotTagged', current: 2, desired: 2 });
    expect(first?.message).toContain(
      `Auto Scaling group "${GROUP}" ${says}: the roles of stage test may change only groups tagged scalepilot:stage=test (fleet.grantGroupsBy: tag); tag it to let Scalepilot scale it`,
    );
    expect(await run('r2')).toMatchObject({ reason: 'GroupNotTagged' });
    expect(emulator.calls('SetDesiredCapacity')).toBe(0);
    expect(notices()).toBe(1);

    await tag('test');
    expect((await run('r3'))?.reason).not.toBe('GroupNotTagged');
    expect(emulator.calls('SetDesiredCapacity')).toBe(1);
    expect(await desiredCapacity()).toBeGreaterThan(2);
  });
});
