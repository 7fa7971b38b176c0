import { describe, expect, it } from 'vitest';
import { createForecaster } from '../../../shared/forecast/createForecaster';
import { forecastLoad, MAX_HISTORY_DAYS } from '../../../shared/forecast/forecastLoad';
import { ForecastInputError, type ForecastResult, type LoadForecast } from '../../../shared/forecast/types';

const T0 = Date.parse('2026-11-02T00:04:00Z'); // a Monday, four minutes past (as CloudWatch traces start)
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/**
 * A daily load (with weekends at 60% unless `weekends` is false) growing 20% a month, with noise, a 3-hour
 * hole on day 9 and scattered gaps.
 */
function load(days: number, step = 5, weekends = true) {
  let seed = 7;
  const next = () => {
    seed = (seed * 16_807) % 2_147_483_647;
    return seed / 2_147_483_647;
  };
  const times: number[] = [];
  const values: number[] = [];
  for (let m = 0; m < days * 1440; m += step) {
    const noise = 8 * (next() - 0.5);
    if (m > 9 * 1440 && m < 9 * 1440 + 180) continue;
    if (next() < 0.03) continue;
    const weekend = weekends && Math.floor(m / 1440) % 7 >= 5 ? 0.6 : 1;
    times.push(T0 + m * MIN);
    values.push(
      (100 + 50 * Math.sin((2 * Math.PI * m) / 1440)) *
        weekend *
        Math.exp((Math.log(1.2) / 30) * (m / 1440)) +
        noise,
    );
  }
  return { times, values };
}

const historyBefore = (h: { times: number[]; values: number[] }, end: number, days = MAX_HISTORY_DAYS) => {
  const from = h.times.findIndex((t) => t >= end - days * DAY);
  const to = h.times.findIndex((t) => t >= end);
  return {
    times: h.times.slice(from, to < 0 ? undefined : to),
    values: h.values.slice(from, to < 0 ? undefined : to),
  };
};

const forecastOf = (r: ForecastResult) => {
  if (r.status !== 'forecast') throw new Error(`declined: ${r.message}`);
  return r;
};

describe('createForecaster: the incremental forecaster the backtest refits hourly', () => {
  it('gives exactly the batch forecast of the same history, hour after hour (all it depends on)', () => {
    const all = load(30);
    const forecaster = createForecaster({ stepMinutes: 5 });
    let fed = 0;
    const checked: number[] = [];
    for (let hour = 1; hour <= 30 * 24; hour += 1) {
      const end = T0 + hour * HOUR;
      const upTo = all.times.findIndex((t) => t >= end);
      forecaster.observe({ times: all.times.slice(fed, upTo), values: all.values.slice(fed, upTo) });
      fed = upTo;
      const incremental = forecaster.forecast(576);
      // Checked every 29 hours from day 1 (every phase of the 6-hour origins, over 30 days).
      if (hour < 24 || hour % 29 !== 0) continue;
      const batch = forecastLoad(historyBefore(all, end), { horizonMinutes: 2880 });
      if (hour < 24 + 1) expect(batch.status).toBe('declined');
      if (batch.status === 'declined') {
        expect(incremental).toMatchObject({ status: 'declined', reason: batch.reason });
        continue;
      }
      const inc = forecastOf(incremental);
      expect(inc.start).toBe(batch.start);
      expect(inc.point).toEqual(batch.point);
      expect(inc.upper).toEqual(batch.upper);
      expect(inc.components).toEqual(batch.components);
      checked.push(hour);
    }
    expect(checked.length).toBeGreaterThan(20);
  });

  it.each([
    { name: 'the point', of: (f: LoadForecast) => f.point, within: 0.06 },
    { name: 'the upper band', of: (f: LoadForecast) => f.upper, within: 0.1 },
  ])(
    'from a batch of only 14 days, $name differs by a few percent: its oldest origins see less',
    ({ of, within }) => {
      // A daily load: with weekends, 14 days may not show the blend last weekend from a Friday (docs/predictive.md).
      const all = load(35, 5, false);
      const gaps: number[] = [];
      for (const day of [28, 30.25, 32.5, 35]) {
        const end = T0 + day * DAY;
        const full = of(forecastOf(forecastLoad(historyBefore(all, end))));
        const short = of(forecastOf(forecastLoad(historyBefore(all, end, 14))));
        const mean = full.reduce((a, b) => a + b, 0) / full.length;
        gaps.push(full.reduce((a, v, i) => a + Math.abs(v - (short[i] as number)), 0) / full.length / mean);
      }
      expect(Math.max(...gaps)).toBeLessThan(within);
    },
  );

  it.each([
    {
      name: 'a datapoint before the newest step',
      feed: (f: ReturnType<typeof createForecaster>) => {
        f.observe({ times: [T0, T0 + 10 * MIN], values: [1, 2] });
        f.observe({ times: [T0 + 5 * MIN], values: [3] });
      },
      says: 'is before the newest step observed',
    },
    {
      name: 'times out of order in one batch',
      feed: (f: ReturnType<typeof createForecaster>) =>
        f.observe({ times: [T0 + 5 * MIN, T0], values: [1, 2] }),
      says: 'timestamps must increase strictly',
    },
  ])('refuses $name with a one-line error', ({ feed, says }) => {
    const f = createForecaster({ stepMinutes: 5 });
    expect(() => feed(f)).toThrow(ForecastInputError);
    expect(() => feed(createForecaster({ stepMinutes: 5 }))).toThrow(says);
  });

  it('refuses a step that does not divide an hour, and declines before any datapoint', () => {
    expect(() => createForecaster({ stepMinutes: 7 })).toThrow('a step of 7 min is not one of');
    expect(createForecaster({ stepMinutes: 5 }).forecast(12)).toMatchObject({
      status: 'declined',
      reason: 'InsufficientHistory',
    });
  });

  it('averages datapoints that fall in the newest step, and snaps jittered times to the grid', () => {
    const f = createForecaster({ stepMinutes: 5 });
    f.observe({ times: [T0, T0 + 5 * MIN + 20_000], values: [1, 2] });
    f.observe({ times: [T0 + 5 * MIN - 30_000], values: [4] });
    expect(f.newest).toBe(T0 + 5 * MIN);
    const batch = forecastLoad({ times: [T0, T0 + 5 * MIN], values: [1, 3] });
    expect(batch).toMatchObject({ status: 'declined', reason: 'InsufficientHistory' });
  });
});
