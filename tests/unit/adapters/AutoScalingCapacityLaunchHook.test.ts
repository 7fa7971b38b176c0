import {
  AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribePoliciesCommand,
  DescribeScalingActivitiesCommand,
  type Instance,
} from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AutoScalingCapacity } from '../../../shared/adapters/AutoScalingCapacity';
import type { CapacityState } from '../../../shared/decision/types';
import { examplePolicy } from '../../harness/fixtures';

// aws-sdk-client-mock, because moto never holds an instance in Pending:Wait (it keeps a lifecycle hook and launches
// every instance InService); the AWS behaviour layer plays the hook end to end (tests/behaviour/asgLaunchHook.test.ts).
const asg = mockClient(AutoScalingClient);
const target = examplePolicy().targets[0];
if (!target) throw new Error('example policy has no targets');

/** A group of `desired` with these instances, each `[id, lifecycle state, weight?]`. */
const groupOf = (desired: number, instances: [string, string, string?][]): AutoScalingGroup =>
  ({
    AutoScalingGroupName: 'event-platform-api',
    MinSize: 2,
    MaxSize: 10,
    DesiredCapacity: desired,
    Instances: instances.map(
      ([InstanceId, LifecycleState, WeightedCapacity]): Instance =>
        ({ InstanceId, LifecycleState, ...(WeightedCapacity ? { WeightedCapacity } : {}) }) as Instance,
    ),
  }) as AutoScalingGroup; // the fields the adapter reads; the rest of the SDK shape is irrelevant here

const adapter = () =>
  new AutoScalingCapacity({ region: 'us-east-1' }, new AutoScalingClient({ region: 'us-east-1' }));

beforeEach(() => {
  asg.reset();
  asg.on(DescribePoliciesCommand).resolves({ ScalingPolicies: [] });
  asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
});

describe('AutoScalingCapacity: the instances a launch lifecycle hook holds (Pending:Wait)', () => {
  it.each([
    {
      name: 'two of four in Pending:Wait: held, booting (not serving)',
      group: groupOf(4, [
        ['i-1', 'InService'],
        ['i-2', 'Pending:Wait'],
        ['i-3', 'InService'],
        ['i-4', 'Pending:Wait'],
      ]),
      want: { serving: 2, inLaunchHook: { instances: 2, units: 2, instanceIds: ['i-2', 'i-4'] } },
    },
    {
      name: 'Pending (booting before its hook) and Pending:Proceed (past it): none held',
      group: groupOf(4, [
        ['i-1', 'InService'],
        ['i-2', 'Pending'],
        ['i-3', 'InService'],
        ['i-4', 'Pending:Proceed'],
      ]),
      want: { serving: 2 },
    },
    {
      name: 'five held: all counted, the first three named',
      group: groupOf(6, [
        ['i-1', 'InService'],
        ['i-2', 'Pending:Wait'],
        ['i-3', 'Pending:Wait'],
        ['i-4', 'Pending:Wait'],
        ['i-5', 'Pending:Wait'],
        ['i-6', 'Pending:Wait'],
      ]),
      want: {
        serving: 1,
        inLaunchHook: { instances: 5, units: 5, instanceIds: ['i-2', 'i-3', 'i-4'] },
      },
    },
    {
      name: 'a weighted group: its held instances in the group’s unit too',
      group: groupOf(8, [
        ['i-1', 'InService', '4'],
        ['i-2', 'Pending:Wait', '2'],
        ['i-3', 'Pending:Wait', '2'],
      ]),
      want: {
        serving: 4,
        unitLabel: 'unit',
        inLaunchHook: { instances: 2, units: 4, instanceIds: ['i-2', 'i-3'] },
      },
    },
  ] as { name: string; group: AutoScalingGroup; want: Partial<CapacityState> }[])(
    '$name',
    async ({ group, want }) => {
      asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group] });
      const state = await adapter().describe(target);
      expect(state).toEqual({ current: group.DesiredCapacity, liveMin: 2, liveMax: 10, ...want });
    },
  );

  it('reads them from the first look’s DescribeAutoScalingGroups alone: no other call', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        groupOf(3, [
          ['i-1', 'InService'],
          ['i-2', 'Pending:Wait'],
          ['i-3', 'Pending:Wait'],
        ]),
      ],
    });
    const observed = await adapter().describeMany([target], 'first-look');
    expect(observed.get(target.name)).toEqual({
      observation: expect.objectContaining({
        inLaunchHook: { instances: 2, units: 2, instanceIds: ['i-2', 'i-3'] },
      }),
    });
    expect(asg.calls().map((c) => c.args[0].constructor.name)).toEqual([
      DescribeAutoScalingGroupsCommand.name,
    ]);
    expect(asg.commandCalls(DescribeScalingActivitiesCommand)).toHaveLength(0);
  });
});
