import {
  AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribePoliciesCommand,
  type ScalingPolicy,
} from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AutoScalingCapacity } from '../../../shared/adapters/AutoScalingCapacity';
import { changesCapacity } from '../../../shared/adapters/scalingPoliciesByGroup';
import { AwsCallError } from '../../../shared/errors';
import type { Target } from '../../../shared/policy/schema';
import { seedStepTarget } from '../../harness/fixtures';

// aws-sdk-client-mock: moto pages no DescribePolicies listing and cannot fail one; a group with a
// target-tracking policy is tested against moto in tests/integration/scaleAsgScalingPolicy.test.ts.
const asg = mockClient(AutoScalingClient);
const client = () => new AutoScalingClient({ region: 'us-east-1' });

beforeEach(() => asg.reset());
const capacity = () => new AutoScalingCapacity({ region: 'us-east-1' }, client());

describe('which of a group’s own scaling policies change its capacity', () => {
  it.each([
    {
      name: 'target tracking, enabled',
      policy: { PolicyType: 'TargetTrackingScaling', Enabled: true },
      want: true,
    },
    {
      name: 'target tracking, disabled',
      policy: { PolicyType: 'TargetTrackingScaling', Enabled: false },
      want: false,
    },
    { name: 'step scaling', policy: { PolicyType: 'StepScaling', Enabled: true }, want: true },
    { name: 'simple scaling, Enabled not given', policy: { PolicyType: 'SimpleScaling' }, want: true },
    {
      name: 'predictive, ForecastOnly',
      policy: {
        PolicyType: 'PredictiveScaling',
        Enabled: true,
        PredictiveScalingConfiguration: { Mode: 'ForecastOnly' },
      },
      want: false,
    },
    {
      name: 'predictive without a mode (AWS: ForecastOnly)',
      policy: { PolicyType: 'PredictiveScaling', Enabled: true, PredictiveScalingConfiguration: {} },
      want: false,
    },
    {
      name: 'predictive, ForecastAndScale',
      policy: {
        PolicyType: 'PredictiveScaling',
        Enabled: true,
        PredictiveScalingConfiguration: { Mode: 'ForecastAndScale' },
      },
      want: true,
    },
  ])('$name', ({ policy, want }) => {
    expect(changesCapacity(policy as ScalingPolicy)).toBe(want);
  });

  it('none: a group without policies has none', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves(groups(['a']));
    asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
    asg.on(DescribePoliciesCommand).resolves({ ScalingPolicies: [] });
    const state = await capacity().describe(targets[0] as Target);
    expect(state.scalingPolicies).toBeUndefined();
  });
});

const targets: Target[] = ['a', 'b', 'c'].map((g) =>
  seedStepTarget({ name: `t-${g}`, autoScalingGroupName: g }),
);
const groups = (names: readonly string[]) => ({
  AutoScalingGroups: names.map(
    (n) =>
      ({
        AutoScalingGroupName: n,
        MinSize: 1,
        MaxSize: 10,
        DesiredCapacity: 2,
        Instances: [{ LifecycleState: 'InService' }, { LifecycleState: 'InService' }],
      }) as AutoScalingGroup,
  ),
});

describe('AutoScalingCapacity reads the policies only for groups about to act, once for them all', () => {
  beforeEach(() => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves(groups(['a', 'b', 'c']));
    asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
  });

  it('a first look reads none', async () => {
    const seen = await capacity().describeMany(targets, 'first-look');
    expect(asg.commandCalls(DescribePoliciesCommand)).toHaveLength(0);
    expect([...seen.values()].every((s) => 'observation' in s && !s.observation.scalingPolicies)).toBe(true);
  });

  it('to act: one listing for three groups, each group given its own', async () => {
    asg.on(DescribePoliciesCommand).resolves({
      ScalingPolicies: [
        {
          AutoScalingGroupName: 'b',
          PolicyName: 'cpu50',
          PolicyType: 'TargetTrackingScaling',
          Enabled: true,
        },
        { AutoScalingGroupName: 'elsewhere', PolicyName: 'x', PolicyType: 'StepScaling', Enabled: true },
      ],
    });
    const seen = await capacity().describeMany(targets, 'to-act');
    expect(asg.commandCalls(DescribePoliciesCommand)).toHaveLength(1);
    const policies = Object.fromEntries(
      [...seen].map(([name, s]) => [name, 'observation' in s ? s.observation.scalingPolicies : 'error']),
    );
    expect(policies).toEqual({
      't-a': undefined,
      't-b': ['cpu50 (TargetTrackingScaling)'],
      't-c': undefined,
    });
  });

  it('to act: lists without a group name, 100 a page, following NextToken, keeping what changes capacity', async () => {
    asg
      .on(DescribePoliciesCommand, { NextToken: undefined })
      .resolves({
        ScalingPolicies: [
          {
            AutoScalingGroupName: 'a',
            PolicyName: 'cpu50',
            PolicyType: 'TargetTrackingScaling',
            Enabled: true,
          },
          { AutoScalingGroupName: 'b', PolicyName: 'off', PolicyType: 'StepScaling', Enabled: false },
        ],
        NextToken: 'page-2',
      })
      .on(DescribePoliciesCommand, { NextToken: 'page-2' })
      .resolves({
        ScalingPolicies: [
          { AutoScalingGroupName: 'a', PolicyName: 'out', PolicyType: 'StepScaling', Enabled: true },
          {
            AutoScalingGroupName: 'c',
            PolicyName: 'rush',
            PolicyType: 'PredictiveScaling',
            Enabled: true,
            PredictiveScalingConfiguration: { Mode: 'ForecastOnly', MetricSpecifications: [] },
          },
        ],
      });
    const seen = await capacity().describeMany(targets, 'to-act');
    const policies = Object.fromEntries(
      [...seen].map(([name, s]) => [name, 'observation' in s ? s.observation.scalingPolicies : 'error']),
    );
    expect(policies).toEqual({
      't-a': ['cpu50 (TargetTrackingScaling)', 'out (StepScaling)'],
      't-b': undefined,
      't-c': undefined,
    });
    const inputs = asg.commandCalls(DescribePoliciesCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([{ MaxRecords: 100 }, { MaxRecords: 100, NextToken: 'page-2' }]);
  });

  it('to act: a listing that fails is the error of every group about to act', async () => {
    asg.on(DescribePoliciesCommand).rejects(new Error('Rate exceeded'));
    const seen = await capacity().describeMany(targets, 'to-act');
    for (const name of ['t-a', 't-b', 't-c']) {
      const s = seen.get(name);
      expect(s && 'error' in s ? s.error : undefined).toBeInstanceOf(AwsCallError);
    }
  });

  it('one group (describe): its own policies, by name', async () => {
    asg.on(DescribePoliciesCommand).resolves({
      ScalingPolicies: [{ AutoScalingGroupName: 'a', PolicyName: 'up', PolicyType: 'SimpleScaling' }],
    });
    const state = await capacity().describe(targets[0] as Target);
    expect(state.scalingPolicies).toEqual(['up (SimpleScaling)']);
    expect(asg.commandCalls(DescribePoliciesCommand)[0]?.args[0].input).toEqual({
      AutoScalingGroupName: 'a',
      MaxRecords: 100,
    });
  });
});
