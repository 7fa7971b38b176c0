import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forecastLoad } from '../../shared/forecast/forecastLoad';
import { medianOf } from '../../shared/forecast/stats';

const T0 = Date.parse('2026-11-02T00:00:00Z');

/**
 * Any history at a supported step: 1 to 3 days (some under the 24 h a forecast needs), values finite within
 * ±1e12 (bytes per period reach that; beyond, sums of a day's values could overflow), some of them gaps
 * (missing rows or NaN), with a few seconds of jitter on the timestamps.
 */
const historyArb = fc
  .record({
    step: fc.constantFrom(1, 5, 60),
    hours: fc.integer({ min: 20, max: 72 }),
    base: fc.double({ min: -1e12, max: 1e12, noNaN: true }),
    amplitude: fc.double({ min: 0, max: 1e12, noNaN: true }),
    seed: fc.integer(),
    gapEvery: fc.integer({ min: 4, max: 50 }), // at most a quarter missing: the step stays the common interval
    nanEvery: fc.integer({ min: 3, max: 50 }),
    nonNegative: fc.boolean(),
  })
  .map(({ step, hours, base, amplitude, seed, gapEvery, nanEvery, nonNegative }) => {
    const times: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < (hours * 60) / step; i += 1) {
      if (i % gapEvery === 1) continue;
      const wobble = Math.sin(i * 12.9898 + seed) * amplitude;
      const v = nonNegative ? Math.abs(base + wobble) : base + wobble;
      times.push(T0 + i * step * 60_000 + ((i * 7 + seed) % 5) * 1000);
      values.push(i % nanEvery === 2 ? Number.NaN : v);
    }
    return { step, hours, times, values, nonNegative };
  });

describe('forecastLoad, any history', () => {
  it('either declines with a reason, or gives 48 h at the step with finite point ≤ upper', () => {
    fc.assert(
      fc.property(historyArb, ({ step, times, values, nonNegative }) => {
        const f = forecastLoad({ times, values });
        if (f.status === 'declined') {
          expect(['InsufficientHistory', 'TooManyGaps']).toContain(f.reason);
          expect(f.message.length).toBeGreaterThan(0);
          if (f.reason === 'InsufficientHistory') expect(f.historyMinutes).toBeLessThan(1440);
          return;
        }
        expect(f.historyMinutes).toBeGreaterThanOrEqual(1440);
        expect(f.stepMinutes).toBe(step);
        expect(f.point).toHaveLength(2880 / step);
        expect(f.upper).toHaveLength(2880 / step);
        expect(f.start).toBe((times.at(-1) as number) + step * 60_000);
        f.point.forEach((p, i) => {
          const u = f.upper[i] as number;
          expect(Number.isFinite(p) && Number.isFinite(u)).toBe(true);
          expect(u).toBeGreaterThanOrEqual(p);
          if (nonNegative) expect(p).toBeGreaterThanOrEqual(0);
        });
        const weights = f.components.reduce((a, c) => a + c.weight, 0);
        expect(weights).toBeCloseTo(1, 9);
      }),
      { numRuns: 60 },
    );
  });

  it('declines every history under 24 hours', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 5, 60),
        fc.integer({ min: 2, max: 23 }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (step, hours, value) => {
          const times = Array.from(
            { length: Math.ceil((hours * 60) / step) },
            (_, i) => T0 + i * step * 60_000,
          );
          const f = forecastLoad({ times, values: times.map(() => value) });
          expect(f.status === 'declined' && f.reason).toBe('InsufficientHistory');
        },
      ),
    );
  });

  it('medianOf (insertion sort up to 32 values, quickselect above) is the median of the sorted values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 300 }),
        (xs) => {
          const sorted = [...xs].sort((a, b) => a - b);
          const mid = sorted.length >> 1;
          const expected =
            sorted.length % 2 === 1
              ? sorted[mid]
              : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
          expect(medianOf(Float64Array.from(xs), xs.length)).toBe(expected);
        },
      ),
    );
  });
});
