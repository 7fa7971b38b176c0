import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantileOf } from '../../../shared/forecast/stats';
import { percentile } from '../../../shared/simulate/trace';

/** numpy's default percentile over a sorted copy: what `percentile` gave before it selected (issue 23). */
function sortedPercentile(values: readonly number[], p: number): number {
  const sorted = Float64Array.from(values).sort();
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
}

describe('percentile (quantileOf)', () => {
  it.each([
    { name: 'the median of an odd count', values: [3, 1, 2], p: 0.5, want: 2 },
    { name: 'between two ranks', values: [10, 0], p: 0.25, want: 2.5 },
    { name: 'the top', values: [5, 9, 1], p: 1, want: 9 },
    { name: 'one value', values: [7], p: 0.99, want: 7 },
    { name: 'ties', values: [4, 4, 4, 1], p: 0.9, want: 4 },
  ])('$name', ({ values, p, want }) => {
    expect(percentile(values, p)).toBeCloseTo(want, 12);
  });

  it('equals the sorted-copy percentile to the bit, gaps (NaN) included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constant(Number.NaN)), {
          minLength: 1,
          maxLength: 300,
        }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, p) => {
          expect(Object.is(percentile(values, p), sortedPercentile(values, p))).toBe(true);
          expect(Object.is(quantileOf(Float64Array.from(values), p), sortedPercentile(values, p))).toBe(true);
        },
      ),
      { seed: 23, numRuns: 1000 },
    );
  });
});
