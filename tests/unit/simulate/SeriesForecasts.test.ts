import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actualFrom, seasonalNaiveScale } from '../../../shared/decision/forecastTrust';
import { forecastLoad } from '../../../shared/forecast/forecastLoad';
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

// A plan's first predict run comes a day into the trace, the next at a clock hour: another grid of 5-minute steps.
// The incremental forecaster then starts again on the new grid (before, every later run refitted its window: a
// plan backtest took about 100× a target's) and still gives each run the forecast `forecastLoad` makes.
describe('SeriesForecasts: runs on another grid of steps than the first', () => {
  it.each([
    { name: 'a load without gaps', gaps: false },
    { name: 'a load with gaps', gaps: true },
  ])('$name: followed from the second run on, each forecast equal to a refit', ({ gaps }) => {
    const minutes = 5 * 1440;
    const load = loadOf(minutes, 20261206, gaps);
    const read = (j: number) => load[j] as number;
    const series = new SeriesForecasts({ lookbackMinutes: 32 * 1440, stepMinutes: 5 }, START, minutes);
    // Minute 1440 (00:07 on the second day), then the clock hours (minute 53 is 01:00).
    const runs = [1440, ...Array.from({ length: 30 }, (_, h) => 1440 + 53 + h * 60)];
    for (const [i, m] of runs.entries()) {
      const made = series.forecast(m, read, 2880);
      if (i % 5 !== 0) continue;
      expect(made).toEqual(
        forecastLoad(series.history(m, read), { stepMinutes: 5, band: false, horizonMinutes: 2880 }),
      );
    }
    expect(series.refits).toBe(0);
  });
});
