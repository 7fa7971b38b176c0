import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  breachOf,
  ruleRecommendation,
  sampledRecommendation,
} from '../../../shared/decision/ruleRecommendation';
import type { Rule } from '../../../shared/policy/schema';

const metric = { namespace: 'AWS/EC2', name: 'CPUUtilization', periodSeconds: 60 };
const value = fc.oneof(fc.double({ min: -10, max: 500, noNaN: true }), fc.constant(Number.NaN));
const stepRule = fc
  .record({
    outs: fc.array(
      fc.record({ above: fc.integer({ min: 1, max: 200 }), add: fc.integer({ min: 1, max: 5 }) }),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
    ins: fc.array(
      fc.record({ below: fc.integer({ min: 0, max: 200 }), remove: fc.integer({ min: 1, max: 5 }) }),
      {
        maxLength: 3,
      },
    ),
  })
  .map(
    ({ outs, ins }) =>
      ({
        name: 'cpu',
        type: 'step',
        metric,
        scaleOut: outs,
        scaleIn: ins,
        evaluationPeriods: 3,
      }) as unknown as Rule,
  );
const trackingRule = fc
  .record({ target: fc.integer({ min: 1, max: 100 }), tolerance: fc.constantFrom(0, 0.05, 0.1, 0.5) })
  .map(
    ({ target, tolerance }) =>
      ({
        name: 'cpu',
        type: 'target-tracking',
        metric,
        target,
        tolerance,
        evaluationPeriods: 3,
      }) as unknown as Rule,
  );
const state = fc
  .record({ current: fc.integer({ min: 0, max: 20 }), warming: fc.integer({ min: 0, max: 3 }) })
  .map(({ current, warming }) => ({ current, serving: Math.max(0, current - warming) }));

describe('breachOf', () => {
  it('finds the direction ruleRecommendation finds, for every rule, value and state (issue 23: the sample asks it first)', () => {
    fc.assert(
      fc.property(fc.oneof(stepRule, trackingRule), value, state, (rule, v, s) => {
        expect(breachOf(rule, v)).toBe(ruleRecommendation(rule, v, s as never).breached);
      }),
      { seed: 23, numRuns: 500 },
    );
  });

  it.each([
    { name: 'step, over the lowest scale-out step', rule: 0, v: 75, want: 'out' },
    { name: 'step, under the scale-in step', rule: 0, v: 20, want: 'in' },
    { name: 'step, between', rule: 0, v: 50, want: 'none' },
    { name: 'tracking, inside the tolerance', rule: 1, v: 65, want: 'none' },
    { name: 'tracking, above', rule: 1, v: 80, want: 'out' },
    { name: 'tracking, below', rule: 1, v: 40, want: 'in' },
  ])('$name', ({ rule, v, want }) => {
    const rules = [
      {
        name: 'cpu',
        type: 'step',
        metric,
        scaleOut: [{ above: 70, add: 1 }],
        scaleIn: [{ below: 30, remove: 1 }],
      },
      { name: 'cpu', type: 'target-tracking', metric, target: 60, tolerance: 0.1 },
    ] as unknown as Rule[];
    expect(breachOf(rules[rule] as Rule, v)).toBe(want);
  });
});

describe('sampledRecommendation', () => {
  it('recommends from the value that decides, as when every value was asked in full', () => {
    fc.assert(
      fc.property(
        fc.oneof(stepRule, trackingRule),
        fc.tuple(value, value, value),
        fc.boolean(),
        state,
        (rule, [a, b, c], sustained, s) => {
          const values = [a, b, c].filter((x) => !Number.isNaN(x));
          const sample = {
            newest: c,
            sustained: sustained && values.length === 3,
            lowest: values.length ? Math.min(...values) : Number.NaN,
            highest: values.length ? Math.max(...values) : Number.NaN,
          };
          const got = sampledRecommendation(rule, sample, s as never);
          // The rule as it read before: the whole recommendation at the lowest, then at the highest.
          const out = sample.sustained ? ruleRecommendation(rule, sample.lowest, s as never) : undefined;
          const inward = sample.sustained ? ruleRecommendation(rule, sample.highest, s as never) : undefined;
          if (out?.breached === 'out') expect(got).toEqual(out);
          else if (inward?.breached === 'in') expect(got).toEqual(inward);
          else expect(got.breached).toBe('none');
        },
      ),
      { seed: 23, numRuns: 500 },
    );
  });
});
