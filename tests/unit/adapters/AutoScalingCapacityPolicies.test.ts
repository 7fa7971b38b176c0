import {
  AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribePoliciesCommand,
  type ScalingPolicy,
} from '@aws-sdk/client-auto-scaling';
import { beforeEach, describe, expect, it } from 'vitest';
import { AutoScalingCapacity } from '../../../shared/adapters/AutoScalingCapacity';
import { changesCapacity } from '../../../shared/adapters/scalingPoliciesByGroup';
import { AwsCallError } from '../../../shared/errors';
import type { Target } from '../../../shared/policy/schema';
import { seedStepTarget } from '../../harness/fixtures';
import { mockedClient } from '../../harness/mockedClient';

// aws-sdk-client-mock: moto pages no DescribePolicies listing and cannot fail one; a group with a
// target-tracking policy is tested against moto in tests/integration/scaleAsgScalingPolicy.test.ts.
const asg = mockedClient(AutoScalingClient);
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

describe('AutoScalingCapacity reads every policy only for groups about to act, once for them all; on a first look, those that refused a group', () => {
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

  const arn = (group: string, name: string) =>
    `arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:0f0e:autoScalingGroupName/${group}:policyName/${name}`;
  const policyOf = (group: string, name: string, extra: Partial<ScalingPolicy> = {}): ScalingPolicy => ({
    AutoScalingGroupName: group,
    PolicyName: name,
    PolicyARN: arn(group, name),
    PolicyType: 'TargetTrackingScaling',
    Enabled: true,
    ...extra,
  });
  const policiesSeen = (seen: ReadonlyMap<string, unknown>) =>
    Object.fromEntries(
      [...seen].map(([name, s]) => [
        name,
        s && typeof s === 'object' && 'observation' in s
          ? (s.observation as { scalingPolicyArns?: string[] }).scalingPolicyArns
          : 'error',
      ]),
    );

  it('to act: each group’s policies with their ARNs, which its record keeps when refused', async () => {
    asg.on(DescribePoliciesCommand).resolves({ ScalingPolicies: [policyOf('b', 'cpu50')] });
    const seen = await capacity().describeMany(targets, 'to-act');
    expect(policiesSeen(seen)).toEqual({ 't-a': undefined, 't-b': [arn('b', 'cpu50')], 't-c': undefined });
  });

  it('a first look asks again, by ARN, for the policies that refused groups: one call for them all, keeping those that still change capacity', async () => {
    asg.on(DescribePoliciesCommand).resolves({
      ScalingPolicies: [
        policyOf('a', 'cpu50'),
        policyOf('b', 'steps', { PolicyType: 'StepScaling', Enabled: false }), // disabled since
        // (b's `cpu50` was deleted: AWS ignores a name it does not know)
      ],
    });
    const refusedBy = new Map([
      ['t-a', [arn('a', 'cpu50')]],
      ['t-b', [arn('b', 'cpu50'), arn('b', 'steps')]],
    ]);
    const seen = await capacity().describeMany(targets, 'first-look', refusedBy);
    expect(asg.commandCalls(DescribePoliciesCommand).map((c) => c.args[0].input)).toEqual([
      { PolicyNames: [arn('a', 'cpu50'), arn('b', 'cpu50'), arn('b', 'steps')], MaxRecords: 100 },
    ]);
    expect(policiesSeen(seen)).toEqual({ 't-a': [arn('a', 'cpu50')], 't-b': undefined, 't-c': undefined });
    const a = seen.get('t-a');
    expect(a && 'observation' in a ? a.observation.scalingPolicies : undefined).toEqual([
      'cpu50 (TargetTrackingScaling)',
    ]);
    // What only an action needs is still left out.
    expect(asg.commandCalls(DescribeInstanceRefreshesCommand)).toHaveLength(0);
  });

  it('a first look asks for 50 ARNs a call (the most PolicyNames takes), and keeps only the policies it asked for', async () => {
    const many = Array.from({ length: 60 }, (_, i) => arn('a', `p${i}`));
    asg.on(DescribePoliciesCommand).resolves({
      // A policy it did not ask for (another group's, by the same name) is not the group's.
      ScalingPolicies: [policyOf('a', 'p0'), { ...policyOf('c', 'p1'), PolicyARN: arn('c', 'p1') }],
    });
    const seen = await capacity().describeMany(targets, 'first-look', new Map([['t-a', many]]));
    const asked = asg.commandCalls(DescribePoliciesCommand).map((c) => c.args[0].input.PolicyNames?.length);
    expect(asked).toEqual([50, 10]);
    expect(policiesSeen(seen)).toEqual({ 't-a': [arn('a', 'p0')], 't-b': undefined, 't-c': undefined });
  });

  it('a first look whose policy read fails: the error of the groups it asked for, the others observed', async () => {
    asg.on(DescribePoliciesCommand).rejects(new Error('Rate exceeded'));
    const seen = await capacity().describeMany(targets, 'first-look', new Map([['t-b', [arn('b', 'x')]]]));
    const b = seen.get('t-b');
    expect(b && 'error' in b ? b.error : undefined).toBeInstanceOf(AwsCallError);
    expect(policiesSeen(seen)).toEqual({ 't-a': undefined, 't-b': 'error', 't-c': undefined });
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
