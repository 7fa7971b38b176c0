import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  PutScalingPolicyCommand,
} from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import type { Policy } from '../../shared/policy/schema';
import {
  alarmActionEvent,
  asgScalerOnEmulator,
  examplePolicy,
  lambdaContext,
  testClock,
} from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// Against moto (its groups keep their policies and never run them). A group with its own target-tracking
// policy: before, Scalepilot raised its desired capacity and the group's policy would set it back.
const GROUP = 'event-platform-api';
const ALARM_CPU_HIGH = 'scalepilot-test.api.cpu.gt70';

const emulator = useEmulator();

const policy = (): Policy => ({
  ...examplePolicy(),
  targets: examplePolicy().targets.filter((t) => t.kind === 'asg'),
  plans: [],
});

const autoScaling = () => new AutoScalingClient(clientOptions(emulator.aws));

async function desiredCapacity(): Promise<number | undefined> {
  const response = await autoScaling().send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }),
  );
  return response.AutoScalingGroups?.[0]?.DesiredCapacity;
}

describe('scale-asg: a group its own AWS scaling policy scales', () => {
  it('is not changed: the decision names the policy and what to do, and the operators are told once', async () => {
    const clock = testClock(new Date());
    const { handler, account } = await asgScalerOnEmulator(emulator, policy(), clock);
    await account.createAutoScalingGroup(GROUP, { min: 2, max: 10, desired: 2 });
    await autoScaling().send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: GROUP,
        PolicyName: 'cpu50',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingConfiguration: {
          PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
          TargetValue: 50,
        },
      }),
    );
    const hot = async () =>
      account.putMetric(
        { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: GROUP } },
        85,
        new Date(clock.now().getTime() - 60_000),
      );
    const notices = () => emulator.calls('Publish') + emulator.calls('PublishBatch');

    await hot();
    const [first] = await handler(
      alarmActionEvent(ALARM_CPU_HIGH, 'ALARM', clock.now()),
      lambdaContext('r1'),
    );
    expect(first?.decision).toMatchObject({ reason: 'ScalingPolicyConflict', current: 2, desired: 2 });
    expect(first?.decision.message).toContain(
      `Auto Scaling group "${GROUP}" has its own scaling policy (cpu50 (TargetTrackingScaling)) that changes its desired capacity: two autoscalers would fight; delete it or remove this target`,
    );
    expect(emulator.calls('SetDesiredCapacity')).toBe(0);
    expect(await desiredCapacity()).toBe(2);
    expect(notices()).toBe(1);

    // A minute later, still hot: still refused, not told again.
    clock.advance(60);
    await hot();
    const [second] = await handler(
      { source: 'aws.events', 'detail-type': 'Scheduled Event', time: clock.now().toISOString() },
      lambdaContext('tick'),
    );
    expect(second?.decision.reason).toBe('ScalingPolicyConflict');
    expect(emulator.calls('SetDesiredCapacity')).toBe(0);
    expect(await desiredCapacity()).toBe(2);
    expect(notices()).toBe(1);
    const logged = await new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1').decisions('api');
    expect(logged.map((d) => d.reason)).toEqual(['ScalingPolicyConflict', 'ScalingPolicyConflict']);
  });
});
