import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actualFrom, seasonalNaiveScale } from '../../../shared/decision/forecastTrust';
import { SeriesForecasts } from '../../../shared/simulate/SeriesForecasts';

const START = Date.parse('2026-03-02T00:07:00Z');
const MIN = 60_000;

/** A daily load per minute from a seed, with stretches of no datapoint (NaN) when `gaps`. */
function loadOf(minutes: number, seed: number, gaps: boolean): number[] {
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  let gapUntil = -1;
  return Array.from({ length: minutes }, (_, m) => {
    if (gaps && m > gapUntil && rnd() < 0.002) gapUntil = m + Math.floor(rnd() * 300);
    if (m <= gapUntil) return Number.NaN;
    return 50 + 30 * Math.sin((2 * Math.PI * m) / 1440) + 10 * rnd();
  });
}

// What a run reads is looked up in place (no history built, no map): it must be what the predict function
// computes from the history it reads, to the last bit.
describe('SeriesForecasts: a run’s history read in place', () => {
  it('property: the MASE scale and every lookup equal seasonalNaiveScale and the lookup of the history built', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.boolean(),
        fc.constantFrom(5, 15, 30, 60),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 5 * 24 }),
        (seed, gaps, step, lookbackDays, hour) => {
          const minutes = 6 * 1440;
          const load = loadOf(minutes, seed, gaps);
          const series = new SeriesForecasts(
            { lookbackMinutes: lookbackDays * 1440, stepMinutes: step },
            START,
            minutes,
          );
          const m = 53 + hour * 60; // the clock hours of a trace that starts at 00:07
          const read = (j: number) => load[j] as number;
          const history = series.history(m, read);
          expect(series.seasonalNaiveScale(m, read)).toBe(seasonalNaiveScale(history));
          const lookup = actualFrom({ r: history });
          // Every step time from before the trace to after the run (steps end at m), and one off the grid.
          for (let j = (m % step) - 2 * step; j <= m + step; j += step) {
            const t = START + j * MIN;
            expect(series.actual(m, read, t)).toBe(lookup('r', t));
            expect(series.actual(m, read, t + MIN)).toBe(lookup('r', t + MIN));
          }
        },
      ),
      { seed: 31, numRuns: 60 },
    );
  });
  it('property: one series asked run after run (its terms kept from run to run) gives each run’s seasonalNaiveScale', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.boolean(),
        fc.constantFrom(5, 15, 30, 60),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        (seed, gaps, step, lookbackDays, hoursBetween, offGrid) => {
          const minutes = 6 * 1440;
          const load = loadOf(minutes, seed, gaps);
          const series = new SeriesForecasts(
            { lookbackMinutes: lookbackDays * 1440, stepMinutes: step },
            START,
            minutes,
          );
          const read = (j: number) => load[j] as number;
          let m = 53;
          for (const [i, hours] of hoursBetween.entries()) {
            m += hours * 60;
            // A run off the hourly grid (a minute later) once, when asked: the terms kept are of another grid.
            const at = offGrid && i === 1 ? m + 1 : m;
            if (at > minutes) break;
            expect(series.seasonalNaiveScale(at, read)).toBe(seasonalNaiveScale(series.history(at, read)));
          }
        },
      ),
      { seed: 37, numRuns: 60 },
    );
  });
});
