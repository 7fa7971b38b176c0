import { describe, expect, it } from 'vitest';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Target } from '../../../shared/policy/schema';
import { tunedRules } from '../../../shared/tune/tunedRules';

const CPU = { namespace: 'AWS/EC2', name: 'CPUUtilization' };
const tracking = (name: string, metric: Record<string, unknown> = CPU) => ({
  name,
  type: 'target-tracking',
  metric,
  target: 70,
});
const step = (name: string, metric: Record<string, unknown> = CPU) => ({
  name,
  type: 'step',
  metric,
  scaleOut: [{ above: 90, add: 3 }],
});

/** A group target with these rules, as a policy file would give it. */
function target(rules: readonly Record<string, unknown>[]): Target {
  const policy = validatePolicy({
    version: 1,
    targets: [
      { name: 'web', kind: 'asg', autoScalingGroupName: 'web', capacity: { min: 1, max: 20 }, rules },
    ],
  });
  return policy.targets[0] as Target;
}

describe('tunedRules: which rule tune varies and which it replays as they are', () => {
  it.each([
    {
      name: 'one target-tracking rule: tuned, nothing else',
      rules: [tracking('cpu')],
      tuned: 'cpu',
      replayed: [],
      notReplayed: [],
    },
    {
      name: 'a step rule on the same metric replays beside it',
      rules: [tracking('cpu'), step('burst')],
      tuned: 'cpu',
      replayed: ['burst'],
      notReplayed: [],
    },
    {
      name: 'the same metric read over 5 minutes at p90 replays too (the engine aggregates it)',
      rules: [tracking('cpu'), step('burst', { ...CPU, periodSeconds: 300, statistic: 'p90' })],
      tuned: 'cpu',
      replayed: ['burst'],
      notReplayed: [],
    },
    {
      name: "the target's own resource named as dimensions is the same series",
      rules: [tracking('cpu'), step('burst', { ...CPU, dimensions: { AutoScalingGroupName: 'web' } })],
      tuned: 'cpu',
      replayed: ['burst'],
      notReplayed: [],
    },
    {
      name: 'the target-tracking rule is tuned wherever it stands',
      rules: [step('burst'), tracking('cpu')],
      tuned: 'cpu',
      replayed: ['burst'],
      notReplayed: [],
    },
    {
      name: 'without a target-tracking rule, the first rule (replaced by target tracking)',
      rules: [step('burst')],
      tuned: 'burst',
      replayed: [],
      notReplayed: [],
    },
    {
      name: 'a rule on another metric is left out, in one line naming it',
      rules: [
        tracking('cpu'),
        step('requests', {
          namespace: 'AWS/ApplicationELB',
          name: 'RequestCountPerTarget',
          dimensions: { TargetGroup: 'targetgroup/web/0123456789abcdef' },
        }),
      ],
      tuned: 'cpu',
      replayed: [],
      notReplayed: [
        'rule "requests" not replayed: it reads AWS/ApplicationELB/RequestCountPerTarget {TargetGroup=targetgroup/web/0123456789abcdef}, and the trace stands for AWS/EC2/CPUUtilization {AutoScalingGroupName=web} (rule "cpu", the one tuned); tuned without it, kept as it is',
      ],
    },
    {
      name: "another group's CPU is another series",
      rules: [tracking('cpu'), step('other', { ...CPU, dimensions: { AutoScalingGroupName: 'batch' } })],
      tuned: 'cpu',
      replayed: [],
      notReplayed: [
        'rule "other" not replayed: it reads AWS/EC2/CPUUtilization {AutoScalingGroupName=batch}, and the trace stands for AWS/EC2/CPUUtilization {AutoScalingGroupName=web} (rule "cpu", the one tuned); tuned without it, kept as it is',
      ],
    },
    {
      name: 'a SampleCount read is left out: it counts datapoints, not load',
      rules: [tracking('cpu'), step('reporting', { ...CPU, statistic: 'SampleCount' })],
      tuned: 'cpu',
      replayed: [],
      notReplayed: [
        'rule "reporting" not replayed: it reads SampleCount (how many datapoints arrived), which a load trace does not carry; tuned without it, kept as it is',
      ],
    },
    {
      name: 'a target-tracking rule on SampleCount is not the one tuned',
      rules: [tracking('reporting', { ...CPU, statistic: 'SampleCount' }), step('burst')],
      tuned: 'burst',
      replayed: [],
      notReplayed: [
        'rule "reporting" not replayed: it reads SampleCount (how many datapoints arrived), which a load trace does not carry; tuned without it, kept as it is',
      ],
    },
  ])('$name', ({ rules, tuned, replayed, notReplayed }) => {
    const got = tunedRules(target(rules));
    if ('refused' in got) throw new Error(got.refused);
    expect(got.tuned.name).toBe(tuned);
    expect(got.replayed.map((r) => r.name)).toEqual(replayed);
    expect(got.notReplayed).toEqual(notReplayed);
  });

  it('refuses in one line, naming the rules, when none can be replayed', () => {
    const counts = { ...CPU, statistic: 'SampleCount' };
    expect(tunedRules(target([tracking('a', counts), step('b', counts)]))).toEqual({
      refused:
        'no rule of target "web" can be replayed on one load trace: rule "a", rule "b" read SampleCount (how many datapoints arrived), which a load trace does not carry',
    });
  });
});
