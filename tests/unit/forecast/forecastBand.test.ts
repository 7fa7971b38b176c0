import { describe, expect, it } from 'vitest';
import { forecastLoad } from '../../../shared/forecast/forecastLoad';

// The band the reports draw (issue 25): the lower quantile at 1 − q beside the upper at q, around the point.
describe('the forecast band', () => {
  // Three weeks at 5 minutes: a daily wave and noise from a fixed generator.
  let x = 25;
  const noise = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648 - 0.5;
  };
  const t0 = Date.parse('2026-02-02T00:00:00Z');
  const times = Array.from({ length: 21 * 288 }, (_, i) => t0 + i * 300_000);
  const values = times.map((_, i) =>
    Math.max(0, 100 + 60 * Math.sin((2 * Math.PI * i) / 288) + 40 * noise()),
  );

  it('holds lower ≤ point ≤ upper at every step, never below zero for a load that never is', () => {
    const f = forecastLoad({ times: times.slice(0, 14 * 288), values: values.slice(0, 14 * 288) });
    if (f.status !== 'forecast' || !f.lower) throw new Error('no band');
    expect(f.lower).toHaveLength(f.point.length);
    f.point.forEach((p, i) => {
      expect(f.lower?.[i]).toBeLessThanOrEqual(p);
      expect(f.upper[i]).toBeGreaterThanOrEqual(p);
      expect(f.lower?.[i]).toBeGreaterThanOrEqual(0);
    });
  });

  it('holds about 80% of what came between p10 and p90 on a steady wave', () => {
    const day = 288;
    const f = forecastLoad({ times: times.slice(0, 14 * day), values: values.slice(0, 14 * day) });
    if (f.status !== 'forecast' || !f.lower) throw new Error('no band');
    const came = values.slice(14 * day, 16 * day);
    const inside = came.filter((v, i) => v >= (f.lower?.[i] as number) && v <= (f.upper[i] as number)).length;
    expect(inside / came.length).toBeGreaterThan(0.65);
    expect(inside / came.length).toBeLessThan(0.95);
  });
});
