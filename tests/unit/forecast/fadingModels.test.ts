import { describe, expect, it } from 'vitest';
import { forecastLoad } from '../../../shared/forecast/forecastLoad';
import { GridSeries } from '../../../shared/forecast/gridSeries';
import { seasonalModels } from '../../../shared/forecast/seasonalModels';

const HOUR = 3_600_000;
const t0 = Date.parse('2026-03-02T00:00:00Z');
/** A daily cycle, hourly. */
const cycle = (i: number) => 100 + 50 * Math.sin((2 * Math.PI * i) / 24);

describe('the fading models', () => {
  // Eight days of a daily cycle, the last six hours at half of it: the ratio to the base is 0.5.
  const series = new GridSeries(t0, 60);
  for (let i = 0; i < 8 * 24; i += 1) series.push(i >= 8 * 24 - 6 ? 0.5 * cycle(i) : cycle(i));
  const o = series.length;
  const model = (name: string, halfLife: number) => {
    const m = seasonalModels(series, halfLife).find((x) => x.name === name);
    if (!m) throw new Error(`no ${name}`);
    return m.forecast(o, 48);
  };

  it.each([
    { name: 'the first step: the ratio in full', h: 0, share: 0.5 },
    { name: 'one half-life on: the ratio’s square root', h: 6, share: Math.SQRT1_2 },
    { name: 'two half-lives on: its fourth root', h: 12, share: 0.5 ** 0.25 },
    { name: 'two days on: nearly the base', h: 47, share: 0.5 ** (0.5 ** (47 / 6)) },
  ])('day×fade with a 6 h half-life, $name', ({ h, share }) => {
    const fading = model('day×fade', 360);
    expect((fading[h] as number) / cycle(o + h)).toBeCloseTo(share, 6);
  });

  it('day×ratio holds the ratio over the whole horizon', () => {
    const held = model('day×ratio', 360);
    for (const h of [0, 6, 47]) expect((held[h] as number) / cycle(o + h)).toBeCloseTo(0.5, 6);
  });

  it('a half-life of 0: no fading model', () => {
    expect(seasonalModels(series, 0).some((m) => m.name.endsWith('×fade'))).toBe(false);
    expect(
      seasonalModels(series)
        .filter((m) => m.name.endsWith('×fade'))
        .map((m) => m.name),
    ).toEqual(['day×fade', 'week×fade']);
  });
});

describe('the forecaster picks the fading models where a load returns to its pattern', () => {
  // Three weeks, hourly: a daily cycle pulled to a third for the last 6 hours of a few days at no fixed
  // interval (an outage, a storm), back to its pattern after. The forecast from the end of such a dip: the
  // next day is the usual cycle.
  const dipDays = new Set([3, 8, 11, 15, 19]);
  const dipped = (i: number) => (dipDays.has(Math.floor(i / 24)) && i % 24 >= 18 ? cycle(i) / 3 : cycle(i));
  const n = 20 * 24; // the end of day 19's dip
  const history = {
    times: Array.from({ length: n }, (_, i) => t0 + i * HOUR),
    values: Array.from({ length: n }, (_, i) => dipped(i)),
  };
  const maeSecondDay = (fadeHalfLifeMinutes?: number) => {
    const f = forecastLoad(history, {
      band: false,
      ...(fadeHalfLifeMinutes === undefined ? {} : { fadeHalfLifeMinutes }),
    });
    if (f.status !== 'forecast') throw new Error(f.message);
    let sum = 0;
    for (let h = 24; h < 48; h += 1) sum += Math.abs((f.point[h] as number) - dipped(n + h));
    return { mae: sum / 24, components: f.components.map((c) => c.name) };
  };

  // In-sample, the blend keeps the fading model beside the held ratio and the shift (the dips are rare at its
  // origins); by the second day ahead the fading model is back near the pattern.
  it('with them, the second day ahead is forecast nearer its usual level; without, at the dip’s', () => {
    const withFade = maeSecondDay(); // the default half-life
    const without = maeSecondDay(0);
    expect(withFade.components.some((c) => c.endsWith('×fade'))).toBe(true);
    expect(withFade.mae).toBeLessThan(0.85 * without.mae); // 44 against 58
  });
});
