import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import { asgScalerOnEmulator, lambdaContext, testClock } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// Issue 11 item 9 against moto: a group with instance weights (mixed instances policy, c5.xlarge at weight
// 4). moto sizes such a group by the weight (8 units: 2 instances; 15 units: 4) but reports neither the
// group's DesiredCapacityType nor the instances' WeightedCapacity, so the harness proxy adds the
// WeightedCapacity AWS reports to each instance of the DescribeAutoScalingGroups answer. Everything else
// (the group, SetDesiredCapacity, CloudWatch, the ledger) is moto's.
const GROUP = 'weighted-api';

const emulator = useEmulator({ reset: false });

async function group() {
  const answer = await new AutoScalingClient(clientOptions(emulator.aws)).send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }),
  );
  return answer.AutoScalingGroups?.[0];
}

describe('scale-asg on a weighted group (units, not instances)', () => {
  it('a weighted group never scaled out: desired 8 on two weight-4 instances at 90% CPU against a 50% target goes to 15 units', async () => {
    const policy = validatePolicy({
      version: 1,
      maxUnitsPerDecision: 8,
      targets: [
        {
          name: 'api',
          kind: 'asg',
          autoScalingGroupName: GROUP,
          capacity: { min: 4, max: 40 },
          rules: [
            {
              name: 'cpu',
              type: 'target-tracking',
              metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
              target: 50,
            },
          ],
        },
      ],
    });
    const clock = testClock(new Date());
    const { handler, account } = await asgScalerOnEmulator(emulator, policy, clock);
    const aws = clientOptions(emulator.aws);
    await new EC2Client(aws).send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `${GROUP}-lt`,
        LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 'c5.xlarge' },
      }),
    );
    await new AutoScalingClient(aws).send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: GROUP,
        MinSize: 4,
        MaxSize: 40,
        DesiredCapacity: 8,
        AvailabilityZones: ['us-east-1a'],
        MixedInstancesPolicy: {
          LaunchTemplate: {
            LaunchTemplateSpecification: { LaunchTemplateName: `${GROUP}-lt`, Version: '$Latest' },
            Overrides: [{ InstanceType: 'c5.xlarge', WeightedCapacity: '4' }],
          },
        },
      }),
    );
    emulator.rewrite('DescribeAutoScalingGroups', (xml) =>
      xml.replace(/(<InstanceId>i-[0-9a-f]+<\/InstanceId>)/g, '$1<WeightedCapacity>4</WeightedCapacity>'),
    );
    try {
      const before = await group();
      expect(before?.Instances?.map((i) => i.WeightedCapacity)).toEqual(['4', '4']);
      await account.putMetrics(
        [150, 90, 30].map((ago) => ({
          metric: {
            namespace: 'AWS/EC2',
            name: 'CPUUtilization',
            dimensions: { AutoScalingGroupName: GROUP },
          },
          value: 90,
          timestamp: new Date(clock.now().getTime() - ago * 1000),
        })),
      );
      const tick = {
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        time: clock.now().toISOString(),
      };
      const [result] = await handler(tick, lambdaContext('tick'));
      // 8 units serving × 90 / 50 = 14.4 → 15 units (before: 2 "instances" × 1.8 → 4, held at 8).
      expect(result?.decision).toMatchObject({ current: 8, desired: 15, reason: 'ScaleOut' });
      expect(result?.decision.message).toContain('8 serving');
      const after = await group();
      expect(after?.DesiredCapacity).toBe(15);
      expect(after?.Instances).toHaveLength(4); // moto orders ceil(15 / 4) instances of weight 4
    } finally {
      emulator.rewrite('DescribeAutoScalingGroups', undefined);
    }
  });
});
