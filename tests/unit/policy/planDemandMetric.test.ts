import { describe, expect, it } from 'vitest';
import { planDemandMetric } from '../../../shared/policy/planDemandMetric';
import type { Plan } from '../../../shared/policy/schema';
import { examplePolicy } from '../../harness/fixtures';

describe('planDemandMetric: where a plan reads its demand', () => {
  const policy = examplePolicy();
  const plan = policy.plans[0] as Plan;
  it.each([
    {
      name: 'its own metric, with its dimensions',
      demand: plan.demand,
      want: {
        namespace: 'AWS/ApplicationELB',
        name: 'RequestCount',
        statistic: 'Sum',
        periodSeconds: 60,
        dimensions: { LoadBalancer: 'app/event-platform/50dc6c495c0c9188' },
      },
    },
    {
      name: "a member's rule: its metric scoped to the member's resource",
      demand: { rule: { member: 'api', rule: 'cpu' } },
      want: {
        namespace: 'AWS/EC2',
        name: 'CPUUtilization',
        statistic: 'Average',
        dimensions: { AutoScalingGroupName: 'event-platform-api' },
      },
    },
    {
      name: 'a rule that does not exist: none',
      demand: { rule: { member: 'api', rule: 'nope' } },
      want: undefined,
    },
  ])('$name', ({ demand, want }) => {
    const metric = planDemandMetric(policy, { ...plan, demand });
    if (want === undefined) expect(metric).toBeUndefined();
    else expect(metric).toMatchObject(want);
  });
});
