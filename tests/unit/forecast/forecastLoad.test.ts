import { describe, expect, it } from 'vitest';
import { forecastLoad } from '../../../shared/forecast/forecastLoad';
import { inferStepMinutes } from '../../../shared/forecast/regularSeries';
import { ForecastInputError, forecastTime, type LoadForecast } from '../../../shared/forecast/types';

const T0 = Date.parse('2026-11-02T00:00:00Z'); // a Monday
const MIN = 60_000;

/** A deterministic pseudo-random stream in [0, 1) (mulberry32), so the noisy series are the same every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `days` of a load given as a function of minutes since T0, at `step` minutes, with ±noise uniform noise. */
function series(days: number, step: number, load: (minute: number) => number, noise = 0, seed = 1) {
  const next = random(seed);
  const times: number[] = [];
  const values: number[] = [];
  for (let m = 0; m < days * 1440; m += step) {
    times.push(T0 + m * MIN);
    values.push(load(m) + noise * (2 * next() - 1));
  }
  return { times, values };
}

const daily = (m: number) => 100 + 50 * Math.sin((2 * Math.PI * m) / 1440);
/** Weekdays at full load, the weekend (days 5 and 6 from the Monday T0) at 40%. */
const weekly = (m: number) => daily(m) * (Math.floor(m / 1440) % 7 >= 5 ? 0.4 : 1);
const bursty = (m: number) => daily(m) + (m % 60 < 5 ? 100 : 0);

/** Mean absolute error of the forecast's first `hours` against the noise-free load. */
function mae(f: LoadForecast, load: (minute: number) => number, hours = 48): number {
  let sum = 0;
  const steps = (hours * 60) / f.stepMinutes;
  for (let i = 0; i < steps; i += 1)
    sum += Math.abs((f.point[i] as number) - load((forecastTime(f, i) - T0) / MIN));
  return sum / steps;
}

function forecast(history: { times: number[]; values: number[] }): LoadForecast {
  const f = forecastLoad(history);
  if (f.status !== 'forecast') throw new Error(`declined: ${f.message}`);
  return f;
}

describe('forecastLoad recovers known seasonality', () => {
  // Bounds: the mean absolute error over the 48 hours ahead, against the noise-free load (mean about 100).
  it.each([
    {
      name: 'daily cycle, 5-min, 7 days, ±5 noise: MAE < 4',
      days: 7,
      step: 5,
      load: daily,
      noise: 5,
      bound: 4,
    },
    { name: 'daily cycle, 1-min, 1 day only: MAE < 6', days: 1, step: 1, load: daily, noise: 5, bound: 6 },
    {
      name: 'weekly: weekend at 40%, hourly, 14 days: MAE < 5',
      days: 14,
      step: 60,
      load: weekly,
      noise: 3,
      bound: 5,
    },
    {
      name: 'weekly: weekend at 40%, 5-min, 12 days: MAE < 6',
      days: 12,
      step: 5,
      load: weekly,
      noise: 3,
      bound: 6,
    },
    {
      name: 'bursts at :00-:04 every hour, 1-min, 3 days: MAE < 6',
      days: 3,
      step: 1,
      load: bursty,
      noise: 5,
      bound: 6,
    },
    {
      name: 'bursts at :00-:04 every hour, 5-min, 2 days: MAE < 6',
      days: 2,
      step: 5,
      load: bursty,
      noise: 5,
      bound: 6,
    },
  ])('$name', ({ days, step, load, noise, bound }) => {
    const f = forecast(series(days, step, load, noise));
    expect(f.stepMinutes).toBe(step);
    expect(mae(f, load)).toBeLessThan(bound);
  });

  it('keeps the weekend low: Saturday forecast within 10% of 40% of the weekday load', () => {
    // 12 days from a Monday end on a Friday at midnight: the 48 hours ahead are the weekend.
    const f = forecast(series(12, 60, weekly, 3));
    const saturdayNoon = f.point[12] as number;
    expect(Math.abs(saturdayNoon - weekly(12 * 1440 + 720))).toBeLessThan(0.1 * weekly(12 * 1440 + 720));
  });

  it('keeps bursts at fixed minutes: each :00 forecast at least 80 above the :30 one of its hour', () => {
    const f = forecast(series(3, 1, bursty, 5));
    for (let hour = 0; hour < 48; hour += 1)
      expect((f.point[hour * 60] as number) - (f.point[hour * 60 + 30] as number)).toBeGreaterThan(80);
  });
});

describe('forecastLoad is robust', () => {
  it('gaps (15% of the points missing, and a 6-hour hole) and a 50× spike in the last hour: MAE < 5', () => {
    const { times, values } = series(7, 5, daily, 5);
    const drop = random(7);
    const kept = times.map((_, i) => drop() > 0.15 && !(i > 1000 && i < 1072));
    values[values.length - 6] = 50 * 150;
    const f = forecast({ times: times.filter((_, i) => kept[i]), values: values.filter((_, i) => kept[i]) });
    expect(f.missingFraction).toBeGreaterThan(0.15);
    expect(mae(f, daily)).toBeLessThan(5);
    expect(Math.max(...f.point)).toBeLessThan(200);
  });

  // Each model scales to the last two hours' level, so the level is followed within a few hours; which shape
  // (ratio or shift) fits the new regime is known once an in-sample origin (every 6 hours) has seen it.
  it.each([
    { name: 'a drop to 40%, 3 hours old: within 30%', hoursAgo: 3, factor: 0.4, within: 0.3 },
    { name: 'a rise to 180%, 3 hours old: within 30%', hoursAgo: 3, factor: 1.8, within: 0.3 },
    { name: 'a drop to 40%, 12 hours old: within 20%', hoursAgo: 12, factor: 0.4, within: 0.2 },
    { name: 'a rise to 180%, 12 hours old: within 10%', hoursAgo: 12, factor: 1.8, within: 0.1 },
    { name: 'a drop to 40%, 2 days old: within 10%', hoursAgo: 48, factor: 0.4, within: 0.1 },
  ])(
    'follows a level shift: $name of the new level (MAE over the next 24 h)',
    ({ hoursAgo, factor, within }) => {
      const shiftAt = 7 * 1440 - hoursAgo * 60;
      const shifted = (m: number) => daily(m) * (m >= shiftAt ? factor : 1);
      const f = forecast(series(7, 5, shifted, 2));
      expect(mae(f, shifted, 24)).toBeLessThan(within * 100 * factor);
    },
  );

  // The seeds plan for 20% a month (0.61% a day). Each model's ratio to the last two hours already carries the
  // growth over the periods its base reads back; the damped trend adds what the second day's base skips.
  describe('a damped trend follows 20% a month (0.61% a day) over the 48 hours ahead', () => {
    const perDay = Math.log(1.2) / 30;
    const growing = (m: number) => daily(m) * Math.exp((perDay * m) / 1440);
    /** Mean of the forecast over day d ahead ÷ the mean of the load then, minus 1. */
    const dayError = (f: LoadForecast, d: number) => {
      let forecast = 0;
      let actual = 0;
      for (let i = (d * 1440) / f.stepMinutes; i < ((d + 1) * 1440) / f.stepMinutes; i += 1) {
        forecast += f.point[i] as number;
        actual += growing((forecastTime(f, i) - T0) / MIN);
      }
      return forecast / actual - 1;
    };
    const dayMean = (f: LoadForecast, d: number) => dayError(f, d) + 1;
    it.each([
      { name: 'with the trend (default)', dampedTrend: true, grows: [0.004, 0.008], level: 0.002 },
      // The mutant: without the trend the second day stays at the first day's level, a day's growth short.
      {
        name: 'without it: the second day is a day of growth short',
        dampedTrend: false,
        grows: [-0.001, 0.001],
        level: 0.01,
      },
    ])('$name', ({ dampedTrend, grows, level }) => {
      const noisy = forecastLoad(series(14, 5, growing, 2), { dampedTrend });
      const exact = forecastLoad(series(14, 5, growing), { dampedTrend });
      if (noisy.status !== 'forecast' || exact.status !== 'forecast') throw new Error('declined');
      // From the first forecast day to the second the load grows 0.61% (±2 of noise on a mean of 100).
      const growth = (dayMean(noisy, 1) / dayMean(noisy, 0)) * Math.exp(perDay) - 1;
      expect(growth).toBeGreaterThan(grows[0] as number);
      expect(growth).toBeLessThan(grows[1] as number);
      // Without noise, the second day's level is within 0.2% of the load's with the trend (0.6% short without).
      expect(Math.abs(dayError(exact, 1))).toBeLessThan(level);
      if (dampedTrend) {
        expect(exact.growthPerDay).toBeCloseTo(Math.expm1(perDay), 4);
        expect(exact.message).toContain('trend +0.61%/day, damped');
      } else expect(Math.abs(dayError(exact, 1))).toBeGreaterThan(0.005);
    });
  });

  it('follows growth: 5% a day over 14 days, next day within 5%', () => {
    const growing = (m: number) => daily(m) * 1.05 ** (m / 1440);
    const f = forecast(series(14, 5, growing, 2));
    expect(mae(f, growing, 24)).toBeLessThan(0.05 * 100 * 1.05 ** 14);
  });

  it('upper quantile covers most of a noisy future: ≥ 80% of 48 h of ±20 noise below the 0.9 upper', () => {
    const whole = series(9, 5, daily, 20, 3);
    const split = 7 * 288;
    const f = forecast({ times: whole.times.slice(0, split), values: whole.values.slice(0, split) });
    const future = whole.values.slice(split);
    const covered = future.filter((v, i) => v <= (f.upper[i] as number)).length / future.length;
    expect(covered).toBeGreaterThan(0.8);
    expect(f.upper.every((u, i) => u >= (f.point[i] as number))).toBe(true);
  });
});

describe('forecastLoad declines or refuses with a reason', () => {
  it.each([
    {
      name: '23 hours of 5-min data',
      history: series(23 / 24, 5, daily),
      reason: 'InsufficientHistory',
      says: '24 h',
    },
    {
      name: '12 hours of 1-min data',
      history: series(0.5, 1, daily),
      reason: 'InsufficientHistory',
      says: '24 h',
    },
    {
      name: 'one datapoint',
      history: { times: [T0], values: [1] },
      reason: 'UnsupportedStep',
      says: '1 datapoint',
    },
    {
      name: 'no datapoints',
      history: { times: [], values: [] },
      reason: 'UnsupportedStep',
      says: '0 datapoint',
    },
    { name: 'a 7-minute step', history: series(3, 7, daily), reason: 'UnsupportedStep', says: '7 min' },
    {
      name: 'two days with 60% of the last day missing (NaN)',
      history: (() => {
        const h = series(2, 5, daily);
        return { times: h.times, values: h.values.map((v, i) => (i % 10 < 8 ? Number.NaN : v)) };
      })(),
      reason: 'TooManyGaps',
      says: 'missing',
    },
  ])('$name: $reason', ({ history, reason, says }) => {
    const f = forecastLoad(history);
    expect(f.status).toBe('declined');
    if (f.status === 'declined') {
      expect(f.reason).toBe(reason);
      expect(f.message).toContain(says);
    }
  });

  it.each([
    {
      name: 'times out of order',
      times: [T0, T0 + 2 * MIN, T0 + MIN],
      values: [1, 2, 3],
      says: 'timestamps must increase strictly; 2',
    },
    { name: 'one value short', times: [T0, T0 + MIN], values: [1], says: '2 timestamps but 1 values' },
  ])('a history no caller should pass is an error naming where: $name', ({ times, values, says }) => {
    expect(() => forecastLoad({ times, values })).toThrow(ForecastInputError);
    expect(() => forecastLoad({ times, values })).toThrow(says);
  });
});

describe('step inference', () => {
  const jitter = random(11);
  it.each([
    { name: '1-minute', step: 1 },
    { name: '5-minute', step: 5 },
    { name: '60-minute', step: 60 },
    { name: '30-minute (the taxi trace)', step: 30 },
  ])('$name data, with jitter of a few seconds and gaps: step $step', ({ step }) => {
    const times = Array.from(
      { length: 3000 },
      (_, i) => T0 + i * step * MIN + Math.round(jitter() * 4000),
    ).filter((_, i) => i % 17 !== 3);
    expect(inferStepMinutes(times)).toBe(step);
    const f = forecast({ times, values: times.map(() => 10) });
    expect(f.stepMinutes).toBe(step);
    expect(f.point).toHaveLength(2880 / step);
    expect(f.start).toBe((times.at(-1) as number) + step * MIN);
  });

  it.each([
    { name: '7-minute', times: [0, 7, 14, 21].map((m) => T0 + m * MIN) },
    { name: 'one point', times: [T0] },
  ])('no supported step for $name data', ({ times }) => {
    expect(inferStepMinutes(times)).toBeUndefined();
  });
});
