import { describe, expect, it } from 'vitest';
import { seedStepTargetInput } from '../../harness/fixtures';
import { policyProblems as problems } from './policyProblems';

// Validation of the timing keys (safety issue #11, items 4, 5, 7, 8): each refusal names the field and the fix.

function policyWith(target: Record<string, unknown>, rule: Record<string, unknown> = {}) {
  return { version: 1, targets: [seedStepTargetInput(target, rule)] };
}

const tracking = (namespace: string, dimensions?: Record<string, string>) => ({
  rules: [
    { name: 'load', type: 'target-tracking', metric: { namespace, name: 'm', dimensions }, target: 50 },
  ],
  capacity: { min: 0, max: 10 },
});

describe('timing validation', () => {
  it.each([
    {
      name: 'defect 4: an explicit staleness under two metric periods is refused with the fix named',
      raw: policyWith(
        { metricStaleAfterSeconds: 300 },
        { metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', periodSeconds: 300 } },
      ),
      want: 'targets[0] "api".metricStaleAfterSeconds: 300 s is less than two periods of rule "cpu" (2 × 300 s)',
    },
    {
      name: 'defect 5: evaluation periods beyond one day are refused (CloudWatch alarms refuse them too)',
      raw: policyWith(
        {},
        {
          evaluationPeriods: 30,
          metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', periodSeconds: 3600 },
        },
      ),
      want: 'targets[0] "api".rules[0] "cpu".evaluationPeriods: 30 periods of 3600 s span 108000 s',
    },
    {
      name: 'defect 7: a stabilisation window longer than the history kept is refused',
      raw: policyWith({ stabilization: { scaleInSeconds: 90_000 } }),
      want: 'targets[0] "api".stabilization.scaleInSeconds: 90000 s is longer than the 24 h',
    },
    {
      name: 'a hold of scale-in after a scale-out longer than the history kept is refused',
      raw: policyWith({ stabilization: { scaleInAfterScaleOutSeconds: 90_000 } }),
      want: 'targets[0] "api".stabilization.scaleInAfterScaleOutSeconds: 90000 s is longer than the 24 h',
    },
    {
      name: 'a negative hold of scale-in after a scale-out is refused',
      raw: policyWith({ stabilization: { scaleInAfterScaleOutSeconds: -60 } }),
      want: 'targets[0] "api".stabilization.scaleInAfterScaleOutSeconds: -60 s: must be at least 0',
    },
    {
      name: 'defect 7: a rate-limit period longer than the history kept is refused',
      raw: policyWith({ rateLimits: { scaleOut: [{ type: 'units', value: 1, periodSeconds: 172_800 }] } }),
      want: 'targets[0] "api".rateLimits.scaleOut[0].periodSeconds: 172800 s is longer than the 24 h',
    },
    {
      name: 'defect 8: min 0 with target tracking on a per-instance metric is refused with the reason',
      raw: policyWith(tracking('AWS/EC2')),
      want: 'targets[0] "api".capacity.min: 0 cannot be left: target-tracking rule "load" reads AWS/EC2/m',
    },
  ])('$name', ({ raw, want }) => {
    expect(problems(raw).join('\n')).toContain(want);
  });

  it.each([
    {
      name: 'a 300-s period with the default staleness is accepted (the decision allows two periods)',
      raw: policyWith({}, { metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', periodSeconds: 300 } }),
    },
    {
      name: 'min 0 with target tracking on a queue metric is accepted',
      raw: policyWith(tracking('AWS/SQS', { QueueName: 'jobs' })),
    },
    {
      name: 'a 24-hour rate limit is accepted',
      raw: policyWith({ rateLimits: { scaleOut: [{ type: 'units', value: 1, periodSeconds: 86_400 }] } }),
    },
  ])('$name', ({ raw }) => {
    expect(problems(raw)).toEqual([]);
  });
});
