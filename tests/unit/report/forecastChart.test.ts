import { describe, expect, it } from 'vitest';
import {
  forecastAccuracy,
  forecastChart,
  pointsAt,
  pointsFrom,
  type TimePoint,
} from '../../../shared/report/forecastChart';
import { texts } from './svgText';

// The forecast chart (scalepilot forecast, bench:forecast): titled, all the history seen and the whole
// horizon, the p10–p90 band and what came, the accuracy figures beside it.
const START = Date.parse('2026-01-01T00:00:00Z');
const hourly = (from: number, hours: number, f: (h: number) => number): TimePoint[] =>
  Array.from({ length: hours }, (_, i) => ({ time: START + (from + i) * 3_600_000, value: f(from + i) }));
const daily = (h: number) => 100 + 50 * Math.sin((2 * Math.PI * h) / 24);

describe('the forecast chart', () => {
  it('shows the whole history seen and, below, the whole horizon with its band, what came and the figures', async () => {
    const forecast = hourly(14 * 24, 48, daily);
    const chart = await forecastChart({
      title: 'Forecast of nyc_taxi.csv from 2026-01-15 00:00 UTC, 48 h ahead',
      valueLabel: 'load (passengers/min)',
      history: hourly(0, 14 * 24, daily),
      forecast,
      lower: hourly(14 * 24, 48, (h) => daily(h) * 0.8),
      upper: hourly(14 * 24, 48, (h) => daily(h) * 1.2),
      bandLabel: 'p10–p90',
      actual: hourly(14 * 24, 48, (h) => daily(h) + 5),
      figures: ['in passengers/min:', 'mean absolute error 5.00'],
    });
    expect(texts(chart.svg, 'title-text')).toEqual([
      'accuracy',
      'Forecast of nyc_taxi.csv from 2026-01-15 00:00 UTC, 48 h ahead',
    ]);
    expect(texts(chart.svg, 'axis-title')).toEqual([
      'time (UTC), 1 Jan 2026 to 16 Jan 2026',
      'load (passengers/min)',
      'time (UTC), 14 Jan 2026 to 16 Jan 2026',
      'load (passengers/min)',
    ]);
    expect(texts(chart.svg, 'legend-label')).toEqual([
      'history',
      'forecast',
      'p10–p90',
      'actual (after the forecast was made)',
    ]);
    expect(chart.svg).toContain('mean absolute error 5.00');
    expect(chart.svg).not.toContain('NaN');
  });

  it('takes a history and a forecast as the forecaster gives them, gaps left out', async () => {
    const times = Array.from({ length: 72 }, (_, h) => START + h * 3_600_000);
    const values = times.map((_, h) => (h === 30 ? Number.NaN : daily(h)));
    const point = Array.from({ length: 48 }, (_, i) => daily(72 + i));
    const forecastStart = START + 72 * 3_600_000;
    expect(pointsFrom(forecastStart, 60, point)[1]).toEqual({
      time: forecastStart + 3_600_000,
      value: point[1],
    });
    const chart = await forecastChart({
      title: 'with a gap',
      valueLabel: 'load',
      history: pointsAt(times, values),
      forecast: pointsFrom(forecastStart, 60, point),
      upper: pointsFrom(
        forecastStart,
        60,
        point.map((v) => v * 1.2),
      ),
    });
    expect(chart.svg).not.toContain('NaN');
    expect(texts(chart.svg, 'legend-label')).toEqual(['history', 'forecast', 'forecast band']);
  });
});

describe('the accuracy figures', () => {
  const forecast = hourly(0, 4, () => 100);
  const lower = hourly(0, 4, () => 90);
  const upper = hourly(0, 4, () => 110);

  it.each([
    {
      name: 'scores what came against the forecast, the band and its top',
      actual: [95, 105, 120, 100],
      want: [
        'in requests/min:',
        '4 of 4 steps scored',
        'mean absolute error 7.50',
        '  = 7.1% of the mean load',
        'bias −5.00 (forecast under)',
        'inside p10–p90: 75%',
        'at or below p90: 75%',
        'peak that came: 120',
        '  at 01-01 02:00 UTC',
        'peak forecast: 100',
        '  at 01-01 00:00 UTC',
      ],
    },
    {
      name: 'scores only the steps that came (a horizon half over)',
      actual: [80, 100],
      want: [
        'in requests/min:',
        '2 of 4 steps scored',
        'mean absolute error 10.0',
        '  = 11.1% of the mean load',
        'bias +10.0 (forecast over)',
        'inside p10–p90: 50%',
        'at or below p90: 100%',
        'peak that came: 100',
        '  at 01-01 01:00 UTC',
        'peak forecast: 100',
        '  at 01-01 00:00 UTC',
      ],
    },
    {
      name: 'says when nothing has come yet',
      actual: [],
      want: ['not scored: nothing has come', 'over the horizon yet'],
    },
  ])('$name', ({ actual, want }) => {
    const came = actual.map((value, i) => ({ time: START + i * 3_600_000, value }));
    expect(
      forecastAccuracy({ forecast, lower, upper, actual: came, unit: 'requests/min', bandLabel: 'p10–p90' }),
    ).toEqual(want);
  });
});
