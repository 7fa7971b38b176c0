import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type HistoryAt,
  LEVEL_RATIO_BOUNDS,
  levelRatio,
  type SeasonalPeriod,
  seasonalValues,
  withSeasonalFloor,
} from '../../../shared/decision/seasonalFloor';
import type { LoadForecast } from '../../../shared/forecast/types';

const MIN = 60_000;
const DAY = 1440;
const WEEK = 7 * DAY;
/** The forecast's first step: 8 days into the history, so a week back is read too. */
const START = Date.parse('2026-03-09T00:00:00Z');

/** A history at 5 minutes before START: `value(m)` at m minutes before START (m > 0), undefined where it says. */
const history =
  (value: (minutesBefore: number) => number | undefined): HistoryAt =>
  (time) => {
    const before = (START - time) / MIN;
    return before > 0 && before <= 8 * DAY ? value(before) : undefined;
  };

const forecast = (point: number[]): LoadForecast => ({
  status: 'forecast',
  stepMinutes: 5,
  start: START,
  point,
  upper: [],
  quantile: 0.9,
  historyMinutes: 8 * DAY,
  missingFraction: 0,
  components: [],
  message: 'blend',
});

/** 10 everywhere, 50 over the hour a day before START + 1 h (a daily peak the blend smoothed away). */
const dailyPeak = history((m) => (m <= DAY - 60 && m > DAY - 120 ? 50 : 10));

describe('levelRatio', () => {
  it.each([
    { name: 'same level: 1', load: history(() => 10), lag: DAY, want: 1 },
    {
      name: 'today 20% busier than yesterday',
      load: history((m) => (m <= DAY ? 12 : 10)),
      lag: DAY,
      want: 1.2,
    },
    {
      name: 'bounded above: a day at 10× plans for 2×',
      load: history((m) => (m <= DAY ? 100 : 10)),
      lag: DAY,
      want: LEVEL_RATIO_BOUNDS[1],
    },
    {
      name: 'bounded below: a near-idle hour plans for half',
      load: history((m) => (m <= DAY ? 1 : 10)),
      lag: DAY,
      want: LEVEL_RATIO_BOUNDS[0],
    },
    {
      name: 'a week back compares the same 3 hours a week earlier',
      load: history((m) => (m > WEEK ? 5 : 10)),
      lag: WEEK,
      want: 2,
    },
    {
      name: 'no datapoint a day back: none',
      load: history((m) => (m > DAY ? undefined : 10)),
      lag: DAY,
      want: undefined,
    },
    {
      name: 'an idle day back: nothing to scale from',
      load: history((m) => (m > DAY ? 0 : 10)),
      lag: DAY,
      want: undefined,
    },
  ])('$name', ({ load, lag, want }) => {
    const got = levelRatio(load, START, 5, lag);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(want, 9);
  });
});

describe('seasonalValues', () => {
  it.each<{ name: string; load: HistoryAt; periods: SeasonalPeriod[]; step: number; want: number }>([
    { name: 'a day back at this time', load: dailyPeak, periods: ['day'], step: 13, want: 50 },
    { name: 'off the peak: the level', load: dailyPeak, periods: ['day'], step: 30, want: 10 },
    {
      name: 'a step over a day ahead reads two days back',
      // START + 1 day 20 h: two days back is 4 h before START.
      load: history((m) => (m <= 240 && m > 235 ? 40 : 10)),
      periods: ['day'],
      step: (DAY + 20 * 60) / 5,
      want: 40,
    },
    {
      name: 'a week back, for a weekly peak',
      load: history((m) => (m <= WEEK - 60 && m > WEEK - 120 ? 70 : 10)),
      periods: ['week'],
      step: 13,
      want: 70,
    },
    {
      name: 'the most of the periods named',
      load: history((m) =>
        m <= WEEK - 60 && m > WEEK - 120 ? 70 : m <= DAY - 60 && m > DAY - 120 ? 50 : 10,
      ),
      periods: ['day', 'week'],
      step: 13,
      want: 70,
    },
    {
      name: 'scaled by the level ratio',
      load: history((m) => (m <= DAY - 60 && m > DAY - 120 ? 50 : m <= DAY ? 15 : 10)),
      periods: ['day'],
      step: 13,
      want: 75,
    },
  ])('$name', ({ load, periods, step, want }) => {
    const got = seasonalValues(forecast(new Array(DAY / 5 + 300).fill(0)), load, periods);
    expect(got[step]).toBeCloseTo(want, 9);
  });

  it('never reads a step that has not ended before the forecast starts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<SeasonalPeriod[]>(['day'], ['week'], ['day', 'week']),
        fc.integer({ min: 1, max: 576 }),
        (periods, steps) => {
          const asked: number[] = [];
          seasonalValues(
            forecast(new Array(steps).fill(1)),
            (time) => {
              asked.push(time);
              return 1;
            },
            periods,
          );
          expect(Math.max(...asked)).toBeLessThanOrEqual(START - 5 * MIN);
        },
      ),
      { seed: 22, numRuns: 50 },
    );
  });
});

describe('withSeasonalFloor', () => {
  it.each([
    { name: 'raises the point where the season is higher', periods: ['day'] as const, at: 13, want: 50 },
    { name: 'keeps the forecast where it is higher', periods: ['day'] as const, at: 30, want: 20 },
    { name: 'no periods: the forecast itself', periods: [] as const, at: 13, want: 20 },
  ])('$name', ({ periods, at, want }) => {
    const made = withSeasonalFloor(forecast(new Array(100).fill(20)), dailyPeak, periods);
    expect(made.point[at]).toBe(want);
  });

  it('says in its message how many steps the seasonal floor raised', () => {
    const made = withSeasonalFloor(forecast(new Array(100).fill(20)), dailyPeak, ['day']);
    expect(made.message).toBe('blend; seasonal floor (day before, level-scaled) above it at 12 of 100 steps');
  });
});
