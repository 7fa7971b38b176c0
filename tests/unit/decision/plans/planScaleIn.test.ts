import { describe, expect, it } from 'vitest';
import { planScaleIn } from '../../../../shared/decision/plans/planScaleIn';
import type { Decision, ReasonCode } from '../../../../shared/decision/types';
import type { Target } from '../../../../shared/policy/schema';
import { examplePolicy } from '../../../harness/fixtures';

// The example's API: cpu (step, out above 70) and memory (step, out above 80).
const api = examplePolicy().targets.find((t) => t.name === 'api') as Target;
const own = (over: Partial<Decision> = {}): Decision => ({
  target: 'api',
  kind: 'asg',
  current: 6,
  desired: 6,
  recommendation: 6,
  direction: 'none',
  reason: 'NoThresholdBreached',
  message: 'cpu 40 within thresholds; memory 50 within thresholds',
  metrics: { cpu: 40, memory: 50 },
  ...over,
});
const viaPlan = (desired: number): Decision => ({
  ...own(),
  desired,
  recommendation: desired,
  direction: desired < 6 ? 'in' : desired > 6 ? 'out' : 'none',
  reason: 'ScaleIn',
});

describe('planScaleIn: the plan leads a scale-in its member’s rules do not ask against', () => {
  it('takes the member down to the plan’s level when no rule would cross its threshold there', () => {
    expect(planScaleIn(api, own(), viaPlan(4), 'plan rush: demand 1,900 needs 4 instances')).toMatchObject({
      desired: 4,
      direction: 'in',
      reason: 'PlanScaleIn',
      message:
        'plan rush: demand 1,900 needs 4 instances; no rule asks for more (cpu 40 → 60, memory 50 → 75 at 4): 6 → 4',
    });
  });

  it.each([
    {
      name: 'a rule would cross its threshold at the plan’s level (cpu 50 → 75 > 70)',
      own: own({ metrics: { cpu: 50, memory: 50 } }),
      plan: 4,
    },
    {
      name: 'a rule would land on its threshold (memory 60 → 80 is not below 80)',
      own: own({ metrics: { cpu: 40, memory: 60 } }),
      plan: 4.5,
    },
    { name: 'a rule has no reading', own: own({ metrics: { cpu: 40, memory: null } }), plan: 4 },
    {
      name: 'the member scales out',
      own: own({ desired: 8, direction: 'out', reason: 'ScaleOut' }),
      plan: 4,
    },
    ...(
      [
        'InstancesWarming',
        'ScaleOutCooldown',
        'BreachNotSustained',
        'MetricsMissing',
        'AsgBusy',
        'OutOfRange',
      ] as ReasonCode[]
    ).map((reason) => ({ name: `the member holds for ${reason}`, own: own({ reason }), plan: 4 })),
    { name: 'the plan’s own decision holds (a cooldown, a window)', own: own(), plan: 6 },
    {
      name: 'the member scales in further by itself',
      own: own({ desired: 3, direction: 'in', reason: 'ScaleIn' }),
      plan: 4,
    },
  ])('keeps the member’s own decision when $name', ({ own: mine, plan }) => {
    expect(planScaleIn(api, mine, viaPlan(plan), 'why')).toBeUndefined();
  });

  it('reads a target-tracking rule’s threshold as its target’s band', () => {
    const tracking = {
      ...api,
      rules: [
        {
          name: 'cpu',
          type: 'target-tracking',
          metric: api.rules[0]?.metric,
          target: 60,
          tolerance: 0.1,
          evaluationPeriods: 1,
        },
      ],
    } as Target;
    const at = (cpu: number) => planScaleIn(tracking, own({ metrics: { cpu } }), viaPlan(4), 'why')?.desired;
    expect(at(43)).toBe(4); // 64.5 < 66
    expect(at(44)).toBeUndefined(); // 66 is not below 66
  });
});
