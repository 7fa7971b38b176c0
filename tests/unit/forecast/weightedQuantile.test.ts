import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { weightedConformalLower, weightedConformalUpper } from '../../../shared/forecast/weightedQuantile';

const f64 = (xs: number[]) => Float64Array.from(xs);

describe('weighted split-conformal quantiles', () => {
  it.each([
    {
      name: 'equal weights, 9 errors, q 0.9: the ⌈10 × 0.9⌉ = 9th smallest',
      errors: [5, 1, 9, 3, 7, 2, 8, 4, 6],
      weights: Array(9).fill(1),
      q: 0.9,
      next: 1,
      upper: 9,
    },
    {
      name: 'equal weights, 19 errors, q 0.9: the 18th smallest',
      errors: Array.from({ length: 19 }, (_, i) => 19 - i),
      weights: Array(19).fill(1),
      q: 0.9,
      next: 1,
      upper: 18,
    },
    {
      name: 'too few errors for q: the largest',
      errors: [1, 2, 3],
      weights: [1, 1, 1],
      q: 0.9,
      next: 1,
      upper: 3,
    },
    {
      name: 'the old large errors weigh little: a recent small one decides',
      errors: [10, 10, 10, 1, 1, 1, 1, 1, 1, 1],
      weights: [0.01, 0.01, 0.01, 1, 1, 1, 1, 1, 1, 1],
      q: 0.8,
      next: 1,
      upper: 1,
    },
    {
      name: 'the recent large errors weigh most: they decide',
      errors: [10, 10, 1, 1, 1, 1, 1, 1, 1, 1],
      weights: [1, 1, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01],
      q: 0.5,
      next: 1,
      upper: 10,
    },
  ])('upper: $name', ({ errors, weights, q, next, upper }) => {
    expect(weightedConformalUpper(f64(errors), f64(weights), q, next)).toBe(upper);
  });

  it.each([
    {
      name: 'equal weights, 9 errors, q 0.1: the 1st smallest',
      errors: [5, 1, 9, 3, 7, 2, 8, 4, 6],
      q: 0.1,
      lower: 1,
    },
    {
      name: 'equal weights, 19 errors, q 0.1: the 2nd smallest',
      errors: Array.from({ length: 19 }, (_, i) => i + 1),
      q: 0.1,
      lower: 2,
    },
    { name: 'too few errors for q: the smallest', errors: [1, 2, 3], q: 0.1, lower: 1 },
  ])('lower: $name', ({ errors, q, lower }) => {
    expect(weightedConformalLower(f64(errors), f64(errors.map(() => 1)), q, 1)).toBe(lower);
  });

  it('no errors: NaN', () => {
    expect(weightedConformalUpper(f64([]), f64([]), 0.9, 1)).toBeNaN();
    expect(weightedConformalLower(f64([]), f64([]), 0.1, 1)).toBeNaN();
  });

  const errorsAndWeights = fc
    .array(
      fc.tuple(
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
      ),
      { minLength: 1, maxLength: 60 },
    )
    .map((pairs) => ({ errors: f64(pairs.map((p) => p[0])), weights: f64(pairs.map((p) => p[1])) }));

  it('with equal weights is the plain split-conformal ⌈(n + 1) q⌉-th smallest (the largest when n is too small)', () => {
    fc.assert(
      fc.property(errorsAndWeights, fc.double({ min: 0.51, max: 0.99, noNaN: true }), ({ errors }, q) => {
        const sorted = Array.from(errors).sort((a, b) => a - b);
        const rank = Math.min(errors.length, Math.ceil((errors.length + 1) * q));
        expect(
          weightedConformalUpper(
            errors,
            errors.map(() => 1),
            q,
            1,
          ),
        ).toBe(sorted[rank - 1]);
      }),
      { seed: 22, numRuns: 200 },
    );
  });

  it('is monotone in the level, and the lower side never above the upper side', () => {
    fc.assert(
      fc.property(
        errorsAndWeights,
        fc.double({ min: 0.5, max: 0.99, noNaN: true }),
        fc.double({ min: 0.5, max: 0.99, noNaN: true }),
        ({ errors, weights }, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(weightedConformalUpper(errors, weights, lo, 1)).toBeLessThanOrEqual(
            weightedConformalUpper(errors, weights, hi, 1),
          );
          expect(weightedConformalLower(errors, weights, 1 - lo, 1)).toBeGreaterThanOrEqual(
            weightedConformalLower(errors, weights, 1 - hi, 1),
          );
          expect(weightedConformalLower(errors, weights, 1 - hi, 1)).toBeLessThanOrEqual(
            weightedConformalUpper(errors, weights, hi, 1),
          );
        },
      ),
      { seed: 22, numRuns: 200 },
    );
  });
});
