import { describe, expect, it } from 'vitest';
import { createForecaster, forecastPrefix } from '../../../shared/forecast/createForecaster';
import { forecastLoad } from '../../../shared/forecast/forecastLoad';
import type { LoadForecast } from '../../../shared/forecast/types';

const T0 = Date.parse('2026-11-02T00:00:00Z');
const MIN = 60_000;

/** A daily wave with an hourly burst, at 5 minutes, for `days`; NaN (no datapoint) from minute `gapFrom`. */
function history(days: number, gapFrom = Number.POSITIVE_INFINITY) {
  const times: number[] = [];
  const values: number[] = [];
  for (let m = 0; m < days * 1440; m += 5) {
    times.push(T0 + m * MIN);
    const wave = 100 + 50 * Math.sin((2 * Math.PI * m) / 1440) + (m % 60 >= 40 ? 30 : 0);
    values.push(m >= gapFrom ? Number.NaN : wave + ((m * 7919) % 13));
  }
  return { times, values };
}

const made = (f: ReturnType<typeof forecastLoad>): LoadForecast => {
  if (f.status !== 'forecast') throw new Error(`declined: ${f.message}`);
  return f;
};

describe('forecastPrefix: a forecast as asked for fewer steps', () => {
  it.each([
    { name: 'the first 6 of 30 steps, at 5 minutes', steps: 6, of: 30 },
    { name: 'the first step alone', steps: 1, of: 25 },
    { name: 'as many steps as it has: itself', steps: 25, of: 25 },
  ])('$name: the very forecast (steps, band, message) that asking for them gives', ({ steps, of }) => {
    const h = history(3);
    const long = made(forecastLoad(h, { stepMinutes: 5, horizonMinutes: of * 5 }));
    const short = made(forecastLoad(h, { stepMinutes: 5, horizonMinutes: steps * 5 }));
    expect(forecastPrefix(long, steps)).toEqual(short);
  });
});

describe('createForecaster without its band', () => {
  it('makes the same point forecast and message, and no upper quantile', () => {
    const h = history(9);
    const withBand = createForecaster({ stepMinutes: 5 });
    const without = createForecaster({ stepMinutes: 5, band: false });
    // Hour after hour over the last two days: the band's record never feeds the point forecast.
    for (let hour = 7 * 24; hour < 9 * 24; hour += 1) {
      const from = (hour - (hour === 7 * 24 ? 7 * 24 : 1)) * 12;
      const part = { times: h.times.slice(from, hour * 12), values: h.values.slice(from, hour * 12) };
      withBand.observe(part);
      without.observe(part);
      const a = made(withBand.forecast(24));
      const b = made(without.forecast(24));
      expect(b.point).toEqual(a.point);
      expect(b.message).toBe(a.message);
      expect(b.upper).toEqual([]);
      expect(a.upper.length).toBe(24);
    }
  });
});

describe('createForecaster: origins whose day held no datapoint', () => {
  it('forecasts from the daily model, untested, instead of failing (a history whose last hours are all gaps)', () => {
    // 30 hours: the first in-sample origin (18:00 on day 1) has only gaps after it.
    const forecaster = createForecaster({ stepMinutes: 5 });
    forecaster.observe(history(1.25, 15 * 60));
    const f = forecaster.forecast(12);
    expect(f.status).toBe('forecast');
    expect(f.status === 'forecast' && f.components.map((c) => c.name)).toEqual(['day×ratio']);
  });
});
