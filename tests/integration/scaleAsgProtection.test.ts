import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
  SetInstanceProtectionCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import { asgScalerOnEmulator, lambdaContext, testClock } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// Instance scale-in protection against moto: moto keeps NewInstancesProtectedFromScaleIn and
// SetInstanceProtection, reports each instance's ProtectedFromScaleIn, and, as AWS documents, lowers desired
// on a scale-in while terminating only the unprotected instances. Before, the scaler lowered this group from 6
// to 2 and moto kept the 4 protected instances running under a desired of 2.
const GROUP = 'protected-api';

const emulator = useEmulator();

async function group() {
  const answer = await new AutoScalingClient(clientOptions(emulator.aws)).send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }),
  );
  return answer.AutoScalingGroups?.[0];
}

describe('scale-asg on a group whose instances are protected from scale-in', () => {
  it('never lowers desired below the protected instances: cut to them, then held', async () => {
    const policy = validatePolicy({
      version: 1,
      maxUnitsPerDecision: 10,
      targets: [
        {
          name: 'api',
          kind: 'asg',
          autoScalingGroupName: GROUP,
          capacity: { min: 1, max: 10 },
          rules: [
            {
              name: 'cpu',
              type: 'step',
              metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
              scaleOut: [{ above: 70, add: 2 }],
              scaleIn: [{ below: 30, remove: 4 }],
            },
          ],
        },
      ],
    });
    const clock = testClock(new Date());
    const { handler, account } = await asgScalerOnEmulator(emulator, policy, clock);
    const asg = new AutoScalingClient(clientOptions(emulator.aws));
    // Two unprotected instances, then four launched protected (a job runner's long jobs).
    await account.createAutoScalingGroup(GROUP, { min: 1, max: 10, desired: 2 });
    await asg.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: GROUP,
        NewInstancesProtectedFromScaleIn: true,
      }),
    );
    await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: GROUP, DesiredCapacity: 6 }));
    expect((await group())?.Instances?.filter((i) => i.ProtectedFromScaleIn)).toHaveLength(4);

    const quietTick = async (id: string) => {
      await account.putMetric(
        { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: GROUP } },
        10,
        new Date(clock.now().getTime() - 60_000),
      );
      const tick = {
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        time: clock.now().toISOString(),
      };
      const [result] = await handler(tick, lambdaContext(id));
      return result?.decision;
    };

    // The rule asks for 6 − 4 = 2; four instances are protected: cut to 4, and moto terminates the other two.
    const cut = await quietTick('t1');
    expect(cut).toMatchObject({ current: 6, desired: 4, reason: 'ScaleInProtected' });
    expect(cut?.message).toContain('scale-in stopped at 4, not 2: 4 instances protected from scale-in');
    const after = await group();
    expect(after?.DesiredCapacity).toBe(4);
    expect(after?.Instances?.every((i) => i.ProtectedFromScaleIn)).toBe(true);
    expect(emulator.calls('SetDesiredCapacity')).toBe(2); // the harness's raise to 6, and the cut

    // Past the cooldowns and windows: still quiet, every instance protected: a skip, nothing asked of AWS.
    clock.advance(20 * 60);
    const held = await quietTick('t2');
    expect(held).toMatchObject({ current: 4, desired: 4, reason: 'ScaleInProtected' });
    expect(held?.message).toContain('no scale-in below 4: 4 instances protected from scale-in');
    expect((await group())?.DesiredCapacity).toBe(4);
    expect(emulator.calls('SetDesiredCapacity')).toBe(2);

    // Protection lifted (the jobs ended): the scale-in goes ahead.
    const ids = (await group())?.Instances?.map((i) => i.InstanceId ?? '') ?? [];
    await asg.send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: GROUP,
        InstanceIds: ids,
        ProtectedFromScaleIn: false,
      }),
    );
    clock.advance(20 * 60);
    expect(await quietTick('t3')).toMatchObject({ current: 4, desired: 1, reason: 'AtMinCapacity' });
    const ledger = new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1');
    expect((await ledger.decisions('api')).map((d) => d.reason)).toEqual([
      'ScaleInProtected',
      'ScaleInProtected',
      'AtMinCapacity',
    ]);
  });
});
