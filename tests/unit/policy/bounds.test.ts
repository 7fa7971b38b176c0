import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seedStepTargetInput } from '../../harness/fixtures';
import { policyProblems as problems } from './policyProblems';

// Issue 20, item 8: numbers without bounds and names nobody checked reached the decision and the template.
// Each refusal is one line with its place; each row is a value accepted before this fix.

const policyWith = (target: Record<string, unknown> = {}, rule: Record<string, unknown> = {}) => ({
  version: 1,
  targets: [seedStepTargetInput(target, rule)],
});

describe('every number has bounds, every template string is clean (defect: accepted today)', () => {
  it.each([
    {
      name: 'a unit rate limit of 0.5 (scale-out blocked for ever)',
      raw: policyWith({ rateLimits: { scaleOut: [{ type: 'units', value: 0.5, periodSeconds: 60 }] } }),
      want: 'targets[0] "api".rateLimits.scaleOut[0].value: 0.5: must be a whole number from 1 to 10000 (units are whole instances, replicas or shards)',
    },
    {
      name: 'a cooldown of 1e15 s',
      raw: policyWith({ cooldowns: { scaleOutSeconds: 1e15 } }),
      want: 'targets[0] "api".cooldowns.scaleOutSeconds: 1000000000000000 s: must be a whole number from 1 to 86400 (one day)',
    },
    {
      name: 'metricStaleAfterSeconds 1e12 (the lookback started in year −29662)',
      raw: policyWith({ metricStaleAfterSeconds: 1e12 }),
      want: 'targets[0] "api".metricStaleAfterSeconds: 1000000000000 s: must be a whole number from 1 to 172800 (two days: two periods of a one-day metric)',
    },
    {
      name: 'an Auto Scaling group name of one space',
      raw: policyWith({ autoScalingGroupName: ' ' }),
      want: 'targets[0] "api".autoScalingGroupName: must not be blank (Auto Scaling group name)',
    },
    {
      name: 'a padded Auto Scaling group name',
      raw: policyWith({ autoScalingGroupName: 'web ' }),
      want: 'targets[0] "api".autoScalingGroupName: must not start or end with a space (Auto Scaling group name)',
    },
    {
      name: `a dimension value \${LedgerTable.Arn} (it landed inside the dashboard’s Fn::Sub)`,
      raw: policyWith({}, { metric: { dimensions: { AutoScalingGroupName: `\${LedgerTable.Arn}` } } }),
      want: 'targets[0] "api".rules[0] "cpu".metric.dimensions.AutoScalingGroupName: must not contain "${": CloudFormation would substitute it',
    },
    {
      name: 'a dimension name with ${',
      raw: policyWith({}, { metric: { dimensions: { '${AWS::Region}': 'g' } } }),
      want: `targets[0] "api".rules[0] "cpu".metric.dimensions.\${AWS::Region} (name): must not contain "\${": CloudFormation would substitute it`,
    },
    {
      // CloudWatch takes ASCII dimensions only (PutMetricAlarm, Dimension): the alarm failed at deploy.
      name: 'a dimension value with a non-breaking space (copied from a web page)',
      raw: policyWith({}, { metric: { dimensions: { AutoScalingGroupName: 'web\u00a0nodes' } } }),
      want: 'targets[0] "api".rules[0] "cpu".metric.dimensions.AutoScalingGroupName: must contain only ASCII characters (dimension value)',
    },
    {
      name: 'a dimension name starting with a colon',
      raw: policyWith({}, { metric: { dimensions: { ':group': 'g' } } }),
      want: 'targets[0] "api".rules[0] "cpu".metric.dimensions.:group (name): must not start with ":" (dimension name)',
    },
    {
      name: '31 dimensions',
      raw: policyWith(
        {},
        { metric: { dimensions: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`D${i}`, 'v'])) } },
      ),
      want: 'targets[0] "api".rules[0] "cpu".metric.dimensions: 31 dimensions; CloudWatch takes at most 30',
    },
    {
      name: 'a metric namespace with ${',
      raw: policyWith({}, { metric: { namespace: `App/\${AWS::StackName}` } }),
      want: 'targets[0] "api".rules[0] "cpu".metric.namespace: must not contain "${": CloudFormation would substitute it',
    },
    {
      name: 'a blank metric name',
      raw: policyWith({}, { metric: { name: '  ' } }),
      want: 'targets[0] "api".rules[0] "cpu".metric.name: must not be blank (CloudWatch metric name)',
    },
    {
      name: 'a fractional step',
      raw: policyWith({}, { scaleOut: [{ above: 70, add: 1.5 }] }),
      want: 'targets[0] "api".rules[0] "cpu".scaleOut[0].add: 1.5: must be a whole number from 1 to 10000',
    },
    {
      name: 'a capacity of 10^6 units',
      raw: policyWith({ capacity: { min: 2, max: 1_000_000 } }),
      want: 'targets[0] "api".capacity.max: 1000000: must be a whole number from 0 to 10000',
    },
    {
      name: 'a threshold of 1e300',
      raw: policyWith({}, { scaleOut: [{ above: 1e300, add: 1 }] }),
      want: 'targets[0] "api".rules[0] "cpu".scaleOut[0].above: 1e+300: must be within ±1000000000000',
    },
    {
      name: 'a metric period of two days',
      raw: policyWith({}, { metric: { periodSeconds: 172_800 } }),
      want: 'targets[0] "api".rules[0] "cpu".metric.periodSeconds: 172800 s: must be a whole number from 60 to 86400 (one day)',
    },
    {
      name: 'a percent rate limit of 10^6 %',
      raw: policyWith({ rateLimits: { scaleIn: [{ type: 'percent', value: 1e6, periodSeconds: 60 }] } }),
      want: 'targets[0] "api".rateLimits.scaleIn[0].value: 1000000 %: must be above 0 and at most 1000',
    },
    {
      name: 'a warm-up of a week',
      raw: policyWith({ instanceWarmupSeconds: 604_800 }),
      want: 'targets[0] "api".instanceWarmupSeconds: 604800 s: must be a whole number from 1 to 86400 (one day)',
    },
    {
      name: 'a policy-level blast-radius cap of 0.5',
      raw: { ...policyWith(), maxUnitsPerDecision: 0.5 },
      want: 'maxUnitsPerDecision: 0.5: must be a whole number from 1 to 10000',
    },
  ])('refuses $name with one line naming the place', ({ raw, want }) => {
    const place = want.slice(0, want.indexOf(': '));
    const atPlace = problems(raw).filter((p) => p.startsWith(`${place}: `));
    expect(atPlace).toHaveLength(1);
    expect(atPlace[0]).toContain(want);
  });

  it.each([
    { name: 'a one-day cooldown', raw: policyWith({ cooldowns: { scaleInSeconds: 86_400 } }) },
    {
      name: 'a unit rate limit of 1',
      raw: policyWith({ rateLimits: { scaleOut: [{ type: 'units', value: 1, periodSeconds: 60 }] } }),
    },
    {
      name: 'a percent rate limit of 0.5 %',
      raw: policyWith({ rateLimits: { scaleOut: [{ type: 'percent', value: 0.5, periodSeconds: 60 }] } }),
    },
    { name: 'a negative threshold', raw: policyWith({}, { scaleIn: [{ below: -5, remove: 1 }] }) },
    { name: 'a group name with inner spaces', raw: policyWith({ autoScalingGroupName: 'eks web nodes' }) },
  ])('accepts $name', ({ raw }) => {
    expect(problems(raw)).toEqual([]);
  });

  it('refuses every non-integer or out-of-range unit count, one line each (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.integer({ min: 10_001, max: 2 ** 40 })),
        (value) => {
          fc.pre(!(Number.isInteger(value) && value >= 1 && value <= 10_000));
          const place = 'targets[0] "api".maxUnitsPerDecision: ';
          const found = problems(policyWith({ maxUnitsPerDecision: value })).filter((p) =>
            p.startsWith(place),
          );
          return found.length === 1 && found[0]?.includes('must be a whole number from 1 to 10000') === true;
        },
      ),
      { seed: 20, numRuns: 300 },
    );
  });
});

// Issue 20, item 9: `min: 0` was half defined.
describe('min: 0 is allowed only on rules whose metric reports without instances (defect: half defined)', () => {
  const atZero = (metric: Record<string, unknown>, type: 'step' | 'target-tracking' = 'step') => {
    const rule =
      type === 'step'
        ? {
            name: 'load',
            type,
            metric,
            scaleOut: [{ above: 70, add: 1 }],
            scaleIn: [{ below: 30, remove: 1 }],
          }
        : { name: 'load', type, metric, target: 50 };
    return {
      version: 1,
      targets: [{ ...seedStepTargetInput({ capacity: { min: 0, max: 10 } }), rules: [rule] }],
    };
  };
  it.each([
    {
      name: 'a step rule on EC2 CPU (it stayed at 0)',
      raw: atZero({ namespace: 'AWS/EC2', name: 'CPUUtilization' }),
      want: 'targets[0] "api".capacity.min: 0 cannot be left: step rule "load" reads AWS/EC2/CPUUtilization, which has no datapoints while no instance runs',
    },
    {
      name: 'target tracking on TargetResponseTime (the metric disappears with the instances)',
      raw: atZero(
        {
          namespace: 'AWS/ApplicationELB',
          name: 'TargetResponseTime',
          dimensions: { LoadBalancer: 'app/x/1' },
        },
        'target-tracking',
      ),
      want: 'target-tracking rule "load" reads AWS/ApplicationELB/TargetResponseTime, which has no datapoints while no instance runs (AWS/ApplicationELB/TargetResponseTime is published per instance or per target',
    },
    {
      name: 'a request count by target group (counts only requests routed to a target)',
      raw: atZero({
        namespace: 'AWS/ApplicationELB',
        name: 'RequestCount',
        dimensions: { TargetGroup: 'targetgroup/x/1' },
      }),
      want: 'by TargetGroup counts only requests routed to a target: read it by LoadBalancer',
    },
    {
      name: 'the CloudWatch agent’s memory',
      raw: atZero({ namespace: 'CWAgent', name: 'mem_used_percent' }),
      want: 'CWAgent/mem_used_percent is published by the CloudWatch agent inside each instance',
    },
  ])('refuses $name, with the reason', ({ raw, want }) => {
    expect(problems(raw).join('\n')).toContain(want);
  });

  it.each([
    {
      name: 'SQS queue depth',
      raw: atZero({
        namespace: 'AWS/SQS',
        name: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: 'jobs' },
      }),
    },
    {
      name: 'the load balancer’s request count',
      raw: atZero({
        namespace: 'AWS/ApplicationELB',
        name: 'RequestCount',
        dimensions: { LoadBalancer: 'app/x/1' },
      }),
    },
    { name: 'a metric the operator publishes', raw: atZero({ namespace: 'Shop/Orders', name: 'Backlog' }) },
  ])('accepts $name', ({ raw }) => {
    expect(problems(raw)).toEqual([]);
  });
});
