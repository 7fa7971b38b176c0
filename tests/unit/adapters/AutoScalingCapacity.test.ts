import {
  type Activity,
  AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribePoliciesCommand,
  DescribeScalingActivitiesCommand,
  type InstanceRefresh,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { beforeEach, describe, expect, it } from 'vitest';
import { AutoScalingCapacity } from '../../../shared/adapters/AutoScalingCapacity';
import { decideCapacity } from '../../../shared/decision/decideCapacity';
import { emptyHistory } from '../../../shared/decision/types';
import { AwsCallError, RequestRefusedError, ResourceNotFoundError } from '../../../shared/errors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import { examplePolicy } from '../../harness/fixtures';
import { mockedClient } from '../../harness/mockedClient';

// aws-sdk-client-mock, because moto has no DescribeInstanceRefreshes and cannot suspend processes in a
// way the busy rules see, and its groups report neither DesiredCapacityType nor the instances'
// WeightedCapacity (moto sizes a weighted group by its first override's weight, but its instances show no
// weight); everything else of this adapter is tested against moto (tests/integration).
const asg = mockedClient(AutoScalingClient);
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

beforeEach(() => {
  asg.reset();
  // No group has scaling policies of its own here (AutoScalingCapacityPolicies.test.ts has those).
  asg.on(DescribePoliciesCommand).resolves({ ScalingPolicies: [] });
});

describe('AutoScalingCapacity.describe', () => {
  it.each([
    { name: 'an idle group', extra: {}, refreshes: [], busy: undefined },
    {
      name: 'an instance refresh in progress: not busy (it scales out through it), the refresh told',
      extra: {},
      refreshes: [{ InstanceRefreshId: 'r-1', Status: 'InProgress' }],
      busy: undefined,
      instanceRefresh: 'r-1 is InProgress',
    },
    {
      name: 'a refresh baking after its replacements: still under way',
      extra: {},
      refreshes: [
        { InstanceRefreshId: 'r-2', Status: 'Baking' },
        { InstanceRefreshId: 'r-1', Status: 'Successful' },
      ],
      busy: undefined,
      instanceRefresh: 'r-2 is Baking',
    },
    {
      name: 'a finished refresh',
      extra: {},
      refreshes: [{ InstanceRefreshId: 'r-0', Status: 'Successful' }],
      busy: undefined,
    },
    {
      name: 'Terminate suspended during a refresh: both told',
      extra: { SuspendedProcesses: [{ ProcessName: 'Terminate' }] },
      refreshes: [{ InstanceRefreshId: 'r-3', Status: 'RollbackInProgress' }],
      suspendedProcesses: ['Terminate'],
      instanceRefresh: 'r-3 is RollbackInProgress',
    },
    {
      name: 'Launch suspended alone: not busy, its direction held by the gate',
      extra: { SuspendedProcesses: [{ ProcessName: 'Launch' }, { ProcessName: 'AZRebalance' }] },
      refreshes: [],
      suspendedProcesses: ['Launch'],
    },
    {
      name: 'Launch and Terminate suspended: busy',
      extra: { SuspendedProcesses: [{ ProcessName: 'Launch' }, { ProcessName: 'Terminate' }] },
      refreshes: [],
      busy: 'processes suspended: Launch, Terminate',
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
  ] as {
    name: string;
    extra: Record<string, unknown>;
    refreshes: InstanceRefresh[];
    busy?: string;
    instanceRefresh?: string;
    suspendedProcesses?: string[];
  }[])('$name', async ({ extra, refreshes, busy, instanceRefresh, suspendedProcesses }) => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves(group(extra));
    asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: refreshes as InstanceRefresh[] });
    const state = await new AutoScalingCapacity(
      { region: 'us-east-1' },
      new AutoScalingClient({ region: 'us-east-1' }),
    ).describe(target);
    expect(state).toEqual({
      current: 4,
      serving: 3,
      liveMin: 2,
      liveMax: 10,
      ...(busy ? { busy } : {}),
      ...(instanceRefresh ? { instanceRefresh } : {}),
      ...(suspendedProcesses ? { suspendedProcesses } : {}),
    });
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

/** A weighted group as DescribeAutoScalingGroups shows it: WeightedCapacity is a string per instance. */
function weightedGroup(
  desired: number,
  instances: { weight?: string; state?: string; protect?: boolean; health?: string }[],
  extra: Record<string, unknown> = {},
) {
  return {
    AutoScalingGroups: [
      {
        AutoScalingGroupName: 'event-platform-api',
        MinSize: 2,
        MaxSize: 64,
        DesiredCapacity: desired,
        Instances: instances.map((i) => ({
          LifecycleState: i.state ?? 'InService',
          ...(i.health === undefined ? {} : { HealthStatus: i.health }),
          ...(i.weight === undefined ? {} : { WeightedCapacity: i.weight }),
          ...(i.protect === undefined ? {} : { ProtectedFromScaleIn: i.protect }),
        })),
        ...extra,
      } as AutoScalingGroup,
    ],
  };
}

async function describeGroup(answer: ReturnType<typeof weightedGroup>) {
  if (!target) throw new Error('example policy has no targets');
  asg.on(DescribeAutoScalingGroupsCommand).resolves(answer);
  asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
  return new AutoScalingCapacity(
    { region: 'us-east-1' },
    new AutoScalingClient({ region: 'us-east-1' }),
  ).describe(target);
}

// Issue 11 item 9: current was read in the group's unit (DesiredCapacity) but serving in instances, so a
// group of weighted instances never scaled out and could scale in wrongly.
describe('AutoScalingCapacity.describe: serving was counted in instances, current in weights; now both in the group unit', () => {
  it.each([
    {
      name: 'two weight-4 instances for a desired 8',
      group: weightedGroup(8, [{ weight: '4' }, { weight: '4' }]),
      want: { current: 8, serving: 8 },
    },
    {
      name: 'weights 2 and 4, one weight-2 instance still pending',
      group: weightedGroup(12, [
        { weight: '4' },
        { weight: '4' },
        { weight: '2' },
        { weight: '2', state: 'Pending' },
      ]),
      want: { current: 12, serving: 10 },
    },
    {
      name: 'a vcpu group (DesiredCapacityType vcpu): two 8-vCPU instances',
      group: weightedGroup(16, [{ weight: '8' }, { weight: '8' }], { DesiredCapacityType: 'vcpu' }),
      want: { current: 16, serving: 16, unitLabel: 'vCPU' },
    },
    {
      name: 'a memory-mib group with one of two 16 GiB instances in service',
      group: weightedGroup(32768, [{ weight: '16384' }, { weight: '16384', state: 'Pending' }], {
        DesiredCapacityType: 'memory-mib',
        MaxSize: 65536,
      }),
      want: { current: 32768, serving: 16384, liveMax: 65536, unitLabel: 'MiB' },
    },
    {
      name: 'an overshoot (desired 7 on two weight-4 instances) is capped at current',
      group: weightedGroup(7, [{ weight: '4' }, { weight: '4' }]),
      want: { current: 7, serving: 7, unitLabel: 'unit' },
    },
    {
      // Review s51: an Unhealthy instance still InService counted as serving; AWS replaces it, and it serves no load.
      name: 'an instance InService but Unhealthy is not serving (it counts as booting until replaced)',
      group: weightedGroup(3, [{}, {}, { health: 'Unhealthy' }]),
      want: { current: 3, serving: 2 },
    },
    {
      name: 'instances without a weight count 1 each',
      group: weightedGroup(3, [{}, {}, { state: 'Pending' }]),
      want: { current: 3, serving: 2 },
    },
  ])('$name', async ({ group, want }) => {
    expect(await describeGroup(group)).toMatchObject({ liveMin: 2, liveMax: 64, ...want });
  });

  // Review s51: an instance of a vCPU group read without its weight counted 1 vCPU where it had 8: a group at
  // 64 vCPU read as serving 8 and scaled in to 7.
  it.each([
    { type: 'vcpu', unit: 'vCPUs' },
    { type: 'memory-mib', unit: 'MiB' },
  ])('refuses to count an instance of a $type group without its weight', async ({ type, unit }) => {
    const group = weightedGroup(16, [{ weight: '8' }, {}], { DesiredCapacityType: type });
    await expect(describeGroup(group)).rejects.toThrow(
      `an instance of a group counted in ${unit} has no WeightedCapacity: its units cannot be told`,
    );
  });

  it('says which weight it cannot read', async () => {
    await expect(describeGroup(weightedGroup(4, [{ weight: 'four' }]))).rejects.toThrow(
      'instance WeightedCapacity "four" is not a positive number',
    );
  });
});

// A group short of its desired capacity: moto places every instance at once, so it never is; the behaviour
// layer plays one end to end (tests/behaviour/asgShortfall.test.ts). These rows hold the adapter's reading of
// the activities AWS lists.
const launch = (status: string, minutesAgo: number, message = `launch ${status}`) => ({
  Description: 'Launching a new EC2 instance.  Status Reason: ...',
  StatusCode: status,
  StatusMessage: message,
  StartTime: new Date(Date.UTC(2026, 10, 22, 12, 0) - minutesAgo * 60_000),
});
const ICE =
  'We currently do not have sufficient m5.large capacity in the Availability Zone you requested (us-east-1b). Launching EC2 instance failed.';

describe('AutoScalingCapacity.describe: a group short of its desired capacity, its latest launch failed', () => {
  it.each([
    {
      name: 'two of four placed, the latest launch failed: told with AWS’s message',
      instances: [{}, { state: 'Pending' }],
      activities: [launch('Failed', 1, ICE), launch('Successful', 30)],
      want: { missing: 2, statusMessage: ICE, startedAt: new Date('2026-11-22T11:59:00Z') },
    },
    {
      name: 'the activities out of order: the newest launch decides',
      instances: [{}, {}, {}],
      activities: [launch('Successful', 20), launch('Failed', 2, 'vCPU limit')],
      want: { missing: 1, statusMessage: 'vCPU limit', startedAt: new Date('2026-11-22T11:58:00Z') },
    },
    {
      name: 'short, but the latest launch is in progress: not failing (it is coming)',
      instances: [{}, {}],
      activities: [launch('InProgress', 0), launch('Failed', 10)],
      want: undefined,
    },
    {
      name: 'short, the only failure is a termination: not a launch failing',
      instances: [{}, {}, {}],
      activities: [{ ...launch('Failed', 1), Description: 'Terminating EC2 instance: i-1' }],
      want: undefined,
    },
    {
      name: 'a terminating instance does not count toward desired',
      instances: [{}, {}, {}, { state: 'Terminating:Wait' }],
      activities: [launch('Failed', 1, 'no capacity')],
      want: { missing: 1, statusMessage: 'no capacity', startedAt: new Date('2026-11-22T11:59:00Z') },
    },
    {
      // EnterStandby without decrementing desired: AWS launches a replacement, so the standby one is not placed.
      name: 'an instance in Standby does not count toward desired (its replacement failed to launch)',
      instances: [{}, {}, {}, { state: 'Standby' }],
      activities: [launch('Failed', 1, 'no capacity')],
      want: { missing: 1, statusMessage: 'no capacity', startedAt: new Date('2026-11-22T11:59:00Z') },
    },
    {
      name: 'one entering standby does not count; one held by a launch hook (Pending:Wait) does',
      instances: [{}, { state: 'Pending:Wait' }, { state: 'EnteringStandby' }],
      activities: [launch('Failed', 1, 'no capacity')],
      want: { missing: 2, statusMessage: 'no capacity', startedAt: new Date('2026-11-22T11:59:00Z') },
    },
  ])('$name', async ({ instances, activities, want }) => {
    // The fields the adapter reads; the rest of the SDK shape is irrelevant here.
    asg.on(DescribeScalingActivitiesCommand).resolves({ Activities: activities as Activity[] });
    const state = await describeGroup(weightedGroup(4, instances));
    expect(state.launchesFailing).toEqual(want);
  });

  it('a read of the activities that fails tells nothing and fails nothing (it never holds an action)', async () => {
    asg.on(DescribeScalingActivitiesCommand).rejects(new Error('Rate exceeded'));
    const state = await describeGroup(weightedGroup(4, [{}, {}]));
    expect(state).toMatchObject({ current: 4, serving: 2 });
    expect(state.launchesFailing).toBeUndefined();
  });

  it('reads no activities for a group that holds every instance it asked for', async () => {
    asg.on(DescribeScalingActivitiesCommand).rejects(new Error('not expected'));
    const state = await describeGroup(weightedGroup(3, [{}, {}, { state: 'Pending' }]));
    expect(state.launchesFailing).toBeUndefined();
    expect(asg.commandCalls(DescribeScalingActivitiesCommand)).toHaveLength(0);
  });
});

/** The api group tracking 50% CPU, in the group's own unit (min, max and the cap are units too). */
const tracking = validatePolicy({
  version: 1,
  maxUnitsPerDecision: 16,
  targets: [
    {
      name: 'api',
      kind: 'asg',
      autoScalingGroupName: 'event-platform-api',
      capacity: { min: 2, max: 64 },
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
const NOW = new Date('2026-11-22T12:00:00Z');

describe('a weighted group never scaled out and scaled in wrongly; now decided in its own unit (describe, then decideCapacity)', () => {
  it.each([
    {
      name: 'desired 8 on two weight-4 instances at 90% scales out (8 × 1.8 = 14.4 → 15 units)',
      group: weightedGroup(8, [{ weight: '4' }, { weight: '4' }]),
      cpu: 90,
      want: { current: 8, desired: 15, reason: 'ScaleOut' },
    },
    {
      name: 'desired 8 on two weight-4 instances at 40% scales in to 7 units, not to 4',
      group: weightedGroup(8, [{ weight: '4' }, { weight: '4' }]),
      cpu: 40,
      want: { current: 8, desired: 7, reason: 'ScaleIn' },
    },
    {
      name: 'weights 2 and 4 (10 units) at 90% scale out to 18 units',
      group: weightedGroup(10, [{ weight: '4' }, { weight: '4' }, { weight: '2' }]),
      cpu: 90,
      want: { current: 10, desired: 18, reason: 'ScaleOut' },
    },
    {
      name: 'a vcpu group of 16 vCPU at 90% scales out to 29 vCPU',
      group: weightedGroup(16, [{ weight: '8' }, { weight: '8' }], { DesiredCapacityType: 'vcpu' }),
      cpu: 90,
      want: { current: 16, desired: 29, reason: 'ScaleOut' },
    },
  ])('$name', async ({ group, cpu, want }) => {
    const state = await describeGroup(group);
    const target = tracking.targets[0];
    if (!target) throw new Error('no target');
    // Two complete one-minute periods (CloudWatch stamps a datapoint with its period's start).
    const readings = [180, 120].map((s) => ({ value: cpu, timestamp: new Date(NOW.getTime() - s * 1000) }));
    const decision = decideCapacity({
      target,
      policyMaxUnitsPerDecision: tracking.maxUnitsPerDecision,
      state,
      readings: { cpu: readings },
      history: emptyHistory,
      now: NOW,
    });
    expect(decision).toMatchObject(want);
  });
});

// aws-sdk-client-mock: moto accepts any desired capacity (even outside Min/Max) and never answers
// ScalingActivityInProgress, so it cannot show Auto Scaling refusing SetDesiredCapacity.
describe('AutoScalingCapacity.setCapacity: what a failure says about the change', () => {
  const sdkError = (name: string, fault: 'client' | 'server', status: number) =>
    Object.assign(new Error(`${name}: no`), { name, $fault: fault, $metadata: { httpStatusCode: status } });
  it.each([
    {
      name: 'a ValidationError (above the group’s max): refused',
      error: sdkError('ValidationError', 'client', 400),
      refused: true,
    },
    {
      name: 'ScalingActivityInProgress: refused',
      error: sdkError('ScalingActivityInProgress', 'client', 400),
      refused: true,
    },
    {
      name: 'throttled: not a refusal (it may be retried)',
      error: sdkError('Throttling', 'client', 400),
      refused: false,
    },
    {
      name: 'a server error: not a refusal (it may have acted)',
      error: sdkError('InternalFailure', 'server', 500),
      refused: false,
    },
  ])('$name', async ({ error, refused }) => {
    asg.reset();
    asg.on(SetDesiredCapacityCommand).rejects(error);
    const failed = await new AutoScalingCapacity({ region: 'us-east-1' })
      .setCapacity(target, 6)
      .catch((e) => e);
    expect(failed).toBeInstanceOf(AwsCallError);
    expect(failed instanceof RequestRefusedError).toBe(refused);
    expect(failed.message).toMatch(/^AutoScaling SetDesiredCapacity/);
  });
});

// Scale-in protection: the units the scaler never lowers desired below. The emulator test
// (tests/integration/scaleAsgProtection.test.ts) shows moto's ProtectedFromScaleIn; these rows hold the states
// and weights moto does not show (it reports no WeightedCapacity and no instance leaving or in standby).
describe('AutoScalingCapacity.describe: the units protected from scale-in', () => {
  it.each([
    {
      name: 'none protected: not set',
      group: weightedGroup(3, [{}, { protect: false }, {}]),
      want: undefined,
    },
    {
      name: 'two of three protected, one still Pending: both count (placed toward desired)',
      group: weightedGroup(3, [{ protect: true }, { protect: true, state: 'Pending' }, {}]),
      want: 2,
    },
    {
      name: 'protected but leaving or in standby: not counted',
      group: weightedGroup(2, [
        { protect: true },
        { protect: true, state: 'Terminating' },
        { protect: true, state: 'Detaching' },
        { protect: true, state: 'Standby' },
        { protect: true, state: 'EnteringStandby' },
        {},
      ]),
      want: 1,
    },
    {
      name: 'weighted: a weight-4 and a weight-2 instance protected of 10 units count 6',
      group: weightedGroup(10, [
        { weight: '4', protect: true },
        { weight: '4' },
        { weight: '2', protect: true },
      ]),
      want: 6,
    },
  ])('$name', async ({ group, want }) => {
    expect((await describeGroup(group)).scaleInProtected).toBe(want);
  });
});
