import {
  type Activity,
  AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribePoliciesCommand,
  DescribeScalingActivitiesCommand,
  type Instance,
} from '@aws-sdk/client-auto-scaling';
import { beforeEach, describe, expect, it } from 'vitest';
import { AutoScalingCapacity } from '../../../shared/adapters/AutoScalingCapacity';
import type { CapacityState } from '../../../shared/decision/types';
import type { Target } from '../../../shared/policy/schema';
import { examplePolicy } from '../../harness/fixtures';
import { mockedClient } from '../../harness/mockedClient';

// aws-sdk-client-mock, because moto never holds an instance in Pending:Wait (it keeps a lifecycle hook and launches
// every instance InService) and lists no launch in progress among a group's scaling activities; the AWS behaviour
// layer plays the hook end to end (tests/behaviour/asgLaunchHook.test.ts).
const asg = mockedClient(AutoScalingClient);
const target = examplePolicy().targets[0];
if (target?.kind !== 'asg') throw new Error('example policy has no group target');

/** A group of `desired` with these instances, each `[id, lifecycle state, weight?]`. */
const groupOf = (
  desired: number,
  instances: [string, string, string?][],
  name = target.autoScalingGroupName,
): AutoScalingGroup =>
  ({
    AutoScalingGroupName: name,
    MinSize: 2,
    MaxSize: 10,
    DesiredCapacity: desired,
    Instances: instances.map(
      ([InstanceId, LifecycleState, WeightedCapacity]): Instance =>
        ({ InstanceId, LifecycleState, ...(WeightedCapacity ? { WeightedCapacity } : {}) }) as Instance,
    ),
  }) as AutoScalingGroup; // the fields the adapter reads; the rest of the SDK shape is irrelevant here

/** A launch activity, as DescribeScalingActivities lists it (the fields the adapter reads). */
const launch = (description: string, startTime: string, statusCode = 'MidLifecycleAction'): Activity =>
  ({ Description: description, StartTime: new Date(startTime), StatusCode: statusCode }) as Activity;

const adapter = () =>
  new AutoScalingCapacity({ region: 'us-east-1' }, new AutoScalingClient({ region: 'us-east-1' }));

const operations = () => asg.calls().map((c) => c.args[0].constructor.name);

beforeEach(() => {
  asg.reset();
  asg.on(DescribePoliciesCommand).resolves({ ScalingPolicies: [] });
  asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
});

describe('AutoScalingCapacity: the instances a launch lifecycle hook holds (Pending:Wait), with their launch times', () => {
  it.each([
    {
      name: 'two of four in Pending:Wait: held, booting (not serving), each launched when its activity started',
      group: groupOf(4, [
        ['i-1', 'InService'],
        ['i-2', 'Pending:Wait'],
        ['i-3', 'InService'],
        ['i-4', 'Pending:Wait'],
      ]),
      activities: [
        launch('Launching a new EC2 instance: i-4', '2026-12-07T11:58:00Z'),
        launch('Launching a new EC2 instance: i-2', '2026-12-07T11:50:00Z'),
        launch('Launching a new EC2 instance: i-3', '2026-12-07T10:00:00Z', 'Successful'),
      ],
      want: {
        serving: 2,
        inLaunchHook: {
          instances: [
            { instanceId: 'i-2', units: 1, launchedAt: new Date('2026-12-07T11:50:00Z') },
            { instanceId: 'i-4', units: 1, launchedAt: new Date('2026-12-07T11:58:00Z') },
          ],
        },
      },
    },
    {
      name: 'one moved from the warm pool: launched when it left the pool, not when it went into it',
      group: groupOf(2, [
        ['i-1', 'InService'],
        ['i-5', 'Pending:Wait'],
      ]),
      activities: [
        launch('Launching a new EC2 instance from warm pool: i-5', '2026-12-07T11:55:00Z'),
        launch('Launching a new EC2 instance into warm pool: i-5', '2026-12-07T09:00:00Z', 'Successful'),
      ],
      want: {
        serving: 1,
        inLaunchHook: {
          instances: [{ instanceId: 'i-5', units: 1, launchedAt: new Date('2026-12-07T11:55:00Z') }],
        },
      },
    },
    {
      name: 'no activity names its launch (others only, a failed launch of no instance): held, no launch time',
      group: groupOf(2, [
        ['i-1', 'InService'],
        ['i-6', 'Pending:Wait'],
      ]),
      activities: [
        launch('Launching a new EC2 instance: i-66', '2026-12-07T11:55:00Z'),
        launch('Launching a new EC2 instance.  Status Reason: no capacity', '2026-12-07T11:54:00Z', 'Failed'),
        launch('Terminating EC2 instance: i-6', '2026-12-07T11:53:00Z', 'Successful'),
      ],
      want: { serving: 1, inLaunchHook: { instances: [{ instanceId: 'i-6', units: 1 }] } },
    },
    {
      name: 'a weighted group: its held instances in the group’s unit too',
      group: groupOf(8, [
        ['i-1', 'InService', '4'],
        ['i-2', 'Pending:Wait', '2'],
        ['i-3', 'Pending:Wait', '2'],
      ]),
      activities: [launch('Launching a new EC2 instance: i-3', '2026-12-07T11:40:00Z')],
      want: {
        serving: 4,
        unitLabel: 'unit',
        inLaunchHook: {
          instances: [
            { instanceId: 'i-2', units: 2 },
            { instanceId: 'i-3', units: 2, launchedAt: new Date('2026-12-07T11:40:00Z') },
          ],
        },
      },
    },
  ] as { name: string; group: AutoScalingGroup; activities: Activity[]; want: Partial<CapacityState> }[])(
    '$name',
    async ({ group, activities, want }) => {
      asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group] });
      asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: activities });
      const state = await adapter().describe(target);
      expect(state).toEqual({ current: group.DesiredCapacity, liveMin: 2, liveMax: 10, ...want });
    },
  );

  it('a read of the activities that fails fails nothing: the held instances say why they have no launch time', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        groupOf(2, [
          ['i-1', 'InService'],
          ['i-2', 'Pending:Wait'],
        ]),
      ],
    });
    asg.on(DescribeScalingActivitiesCommand).rejects(new Error('Rate exceeded'));
    const state = await adapter().describe(target);
    expect(state).toEqual({
      current: 2,
      serving: 1,
      liveMin: 2,
      liveMax: 10,
      inLaunchHook: {
        instances: [{ instanceId: 'i-2', units: 1 }],
        activitiesUnread: 'AutoScaling DescribeScalingActivities failed: Rate exceeded',
      },
    });
  });
});

describe('AutoScalingCapacity: the activities are read only for a group with instances in Pending:Wait (or short)', () => {
  const second: Target = { ...target, name: 'second', autoScalingGroupName: 'second-asg' };

  it.each([
    {
      name: 'booting (Pending), past the hook (Pending:Proceed), in service: no call beyond the group read',
      groups: [
        groupOf(3, [
          ['i-1', 'InService'],
          ['i-2', 'Pending'],
          ['i-3', 'Pending:Proceed'],
        ]),
        groupOf(1, [['i-9', 'InService']], 'second-asg'),
      ],
      want: [],
    },
    {
      name: 'one group of two holds an instance in Pending:Wait: one call, for it, the newest page of 100',
      groups: [
        groupOf(2, [
          ['i-1', 'InService'],
          ['i-2', 'Pending:Wait'],
        ]),
        groupOf(1, [['i-9', 'InService']], 'second-asg'),
      ],
      want: [{ AutoScalingGroupName: target.autoScalingGroupName, MaxRecords: 100 }],
    },
    {
      name: 'short of its desired capacity and holding one in Pending:Wait: still one call',
      groups: [
        groupOf(3, [
          ['i-1', 'InService'],
          ['i-2', 'Pending:Wait'],
        ]),
        groupOf(1, [['i-9', 'InService']], 'second-asg'),
      ],
      want: [{ AutoScalingGroupName: target.autoScalingGroupName, MaxRecords: 100 }],
    },
  ])('$name', async ({ groups, want }) => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: groups });
    asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: [] });
    const observed = await adapter().describeMany([target, second], 'first-look');
    expect([...observed.values()].every((o) => 'observation' in o)).toBe(true);
    expect(asg.commandCalls(DescribeScalingActivitiesCommand).map((c) => c.args[0].input)).toEqual(want);
    expect(operations().filter((op) => op !== DescribeScalingActivitiesCommand.name)).toEqual([
      DescribeAutoScalingGroupsCommand.name,
    ]);
  });
});
