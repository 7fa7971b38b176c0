import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forecastLoad } from '../../../shared/forecast/forecastLoad';
import type { BandCalibration } from '../../../shared/forecast/predictionBand';
import type { LoadForecast } from '../../../shared/forecast/types';

const HALF_HOUR = 1_800_000;
const PER_DAY = 48;
const t0 = Date.parse('2026-03-02T00:00:00Z');

/** A fixed-seed generator of uniform values in [−0.5, 0.5). */
function generator(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648 - 0.5;
  };
}

function forecastOf(values: number[], days: number, options: Parameters<typeof forecastLoad>[1] = {}) {
  const n = days * PER_DAY;
  const f = forecastLoad(
    { times: values.slice(0, n).map((_, i) => t0 + i * HALF_HOUR), values: values.slice(0, n) },
    options,
  );
  if (f.status !== 'forecast' || !f.lower) throw new Error(`declined: ${f.message}`);
  return f as LoadForecast & { lower: readonly number[] };
}

describe('the band is ordered', () => {
  const load = fc.record({
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    amplitude: fc.double({ min: 0, max: 80, noNaN: true }),
    noise: fc.double({ min: 0, max: 60, noNaN: true }),
    growthPerDay: fc.double({ min: -0.02, max: 0.05, noNaN: true }),
  });

  it('its quantiles are monotone in the nominal level, and it holds the point forecast', () => {
    fc.assert(
      fc.property(load, ({ seed, amplitude, noise, growthPerDay }) => {
        const next = generator(seed);
        const values = Array.from({ length: 10 * PER_DAY }, (_, i) =>
          Math.max(
            0,
            (100 + amplitude * Math.sin((2 * Math.PI * i) / PER_DAY) + noise * next()) *
              (1 + growthPerDay) ** (i / PER_DAY),
          ),
        );
        const bands = [0.6, 0.75, 0.9, 0.97].map((quantile) => forecastOf(values, 10, { quantile }));
        bands.forEach((f, k) => {
          f.point.forEach((p, h) => {
            expect(f.lower[h]).toBeLessThanOrEqual(p);
            expect(f.upper[h]).toBeGreaterThanOrEqual(p);
            const wider = bands[k + 1];
            if (!wider) return;
            expect(wider.point[h]).toBe(p);
            expect(wider.upper[h]).toBeGreaterThanOrEqual(f.upper[h] as number);
            expect(wider.lower[h]).toBeLessThanOrEqual(f.lower[h] as number);
          });
        });
      }),
      { seed: 22, numRuns: 8 },
    );
  });
});

describe('the band widens with the lead', () => {
  // A daily cycle on a level that wanders (a random walk): the error of a forecast grows with how far ahead it
  // is, so a band drawn from the first hours' errors misses at the second day's leads.
  const wandering = (seed: number) => {
    const next = generator(seed);
    let level = 200;
    return Array.from({ length: 18 * PER_DAY }, (_, i) => {
      level = Math.max(50, level + 4 * next());
      return level + 40 * Math.sin((2 * Math.PI * i) / PER_DAY) + 4 * next();
    });
  };
  // The conformal quantile at the nominal level itself, over the whole record alike.
  const plain: BandCalibration = {
    halfLifeMinutes: Number.POSITIVE_INFINITY,
    recentDayFloor: false,
    missScale: 1,
  };

  it('covers about 90% over the first 6 hours and over the last 12 of the 48, its margin there wider', () => {
    const days = 16;
    let coveredNear = 0;
    let coveredFar = 0;
    let near = 0;
    let far = 0;
    let widerFar = 0;
    const seeds = Array.from({ length: 64 }, (_, k) => 7 + 31 * k);
    for (const seed of seeds) {
      const values = wandering(seed);
      const f = forecastOf(values, days, { quantile: 0.9, bandCalibration: plain });
      const came = values.slice(days * PER_DAY, (days + 2) * PER_DAY);
      came.forEach((v, h) => {
        const hit = v <= (f.upper[h] as number) ? 1 : 0;
        if (h < 12) {
          coveredNear += hit;
          near += 1;
        } else if (h >= 72) {
          coveredFar += hit;
          far += 1;
        }
      });
      const margin = (h: number) => (f.upper[h] as number) - (f.point[h] as number);
      if (margin(90) > 1.5 * margin(3)) widerFar += 1;
    }
    // With lead buckets of a day (the band before 6-hour ones): 96% near; one bucket for every lead: 67% far.
    expect(coveredNear / near).toBeGreaterThan(0.86);
    expect(coveredNear / near).toBeLessThan(0.95);
    expect(coveredFar / far).toBeGreaterThan(0.85);
    expect(coveredFar / far).toBeLessThan(0.95);
    expect(widerFar).toBeGreaterThanOrEqual(0.75 * seeds.length);
  });
});
