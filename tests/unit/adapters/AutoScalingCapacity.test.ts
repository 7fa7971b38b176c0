import {
  AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  type InstanceRefresh,
} from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AutoScalingCapacity } from '../../../shared/adapters/AutoScalingCapacity';
import { ResourceNotFoundError } from '../../../shared/errors';
import { examplePolicy } from '../../harness/fixtures';

// aws-sdk-client-mock, because moto has no DescribeInstanceRefreshes and cannot suspend processes in a
// way the busy rules see; everything else of this adapter is tested against moto (tests/integration).
const asg = mockClient(AutoScalingClient);
const target = examplePolicy().targets[0];
if (!target) throw new Error('example policy has no targets');
const group = (extra: Record<string, unknown> = {}) => ({
  AutoScalingGroups: [
    {
      AutoScalingGroupName: 'event-platform-api',
      MinSize: 2,
      MaxSize: 10,
      DesiredCapacity: 4,
      Instances: [
        { LifecycleState: 'InService' },
        { LifecycleState: 'InService' },
        { LifecycleState: 'Pending' },
        { LifecycleState: 'InService' },
      ],
      ...extra,
    } as AutoScalingGroup, // the fields the adapter reads; the rest of the SDK shape is irrelevant here
  ],
});

beforeEach(() => asg.reset());

describe('AutoScalingCapacity.describe', () => {
  it.each([
    { name: 'an idle group', extra: {}, refreshes: [], busy: undefined },
    {
      name: 'an instance refresh in progress',
      extra: {},
      refreshes: [{ InstanceRefreshId: 'r-1', Status: 'InProgress' }],
      busy: 'instance refresh r-1 is InProgress',
    },
    {
      name: 'a finished refresh',
      extra: {},
      refreshes: [{ InstanceRefreshId: 'r-0', Status: 'Successful' }],
      busy: undefined,
    },
    {
      name: 'Launch suspended',
      extra: { SuspendedProcesses: [{ ProcessName: 'Launch' }, { ProcessName: 'AZRebalance' }] },
      refreshes: [],
      busy: 'processes suspended: Launch',
    },
    {
      name: 'AZRebalance alone suspended',
      extra: { SuspendedProcesses: [{ ProcessName: 'AZRebalance' }] },
      refreshes: [],
      busy: undefined,
    },
    {
      name: 'a group being deleted',
      extra: { Status: 'Delete in progress' },
      refreshes: [],
      busy: 'group status "Delete in progress"',
    },
  ])('$name', async ({ extra, refreshes, busy }) => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves(group(extra));
    asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: refreshes as InstanceRefresh[] });
    const state = await new AutoScalingCapacity(
      { region: 'us-east-1' },
      new AutoScalingClient({ region: 'us-east-1' }),
    ).describe(target);
    expect(state).toEqual({ current: 4, serving: 3, liveMin: 2, liveMax: 10, ...(busy ? { busy } : {}) });
  });

  it('says which group does not exist', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    await expect(new AutoScalingCapacity({ region: 'us-east-1' }).describe(target)).rejects.toThrow(
      ResourceNotFoundError,
    );
    await expect(new AutoScalingCapacity({ region: 'us-east-1' }).describe(target)).rejects.toThrow(
      'Auto Scaling group "event-platform-api" does not exist',
    );
  });
});
