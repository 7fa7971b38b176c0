import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketMinutes,
  CHART_WINDOW_SOURCE,
  type ChartSeries,
  chartWindow,
  cutOffLabels,
  type DecisionMark,
  unitsAxisTop,
  utilisationAxisTop,
} from '../../../shared/report/chartWindow';

// What a capacity chart draws for a window, before it is drawn: the rows per stretch of minutes with their
// least and most, the overload spans, the decision marks with their reasons. The page runs the same code.
const START = Date.parse('2026-01-01T00:00:00Z');

/** A day of load with a surge at 09:00 that capacity meets 5 minutes late; u = 100, T = 0.5. */
function surgeDay(decisions: DecisionMark[] = []): ChartSeries {
  const load = Array.from({ length: 1440 }, (_, m) => (m >= 540 && m < 600 ? 900 : 300));
  const ordered = load.map((_, m) => (m >= 541 && m < 610 ? 10 : 4));
  const serving = load.map((_, m) => (m >= 546 && m < 610 ? 10 : 4));
  return {
    start: START,
    unitCapacity: 100,
    targetUtilisation: 0.5,
    unitName: 'instances',
    loadUnit: 'requests/min',
    load,
    ordered,
    serving,
    decisions,
  };
}

describe('a chart window', () => {
  it.each([
    { name: 'ten hours at one row a minute', minutes: 600, bucket: 1 },
    { name: 'a day in 5-minute stretches', minutes: 1440, bucket: 5 },
    { name: 'six days in 15-minute stretches', minutes: 6 * 1440, bucket: 15 },
    { name: 'two weeks by the hour', minutes: 14 * 1440, bucket: 60 },
    { name: 'seven months by the day', minutes: 309_660, bucket: 1440 },
    { name: 'ten years by the week', minutes: 3650 * 1440, bucket: 10080 },
    { name: 'a century beyond the list', minutes: 36_500 * 1440, bucket: 87_600 },
  ])('stretches $name', ({ minutes, bucket }) => {
    expect(bucketMinutes(minutes, 600)).toBe(bucket);
  });

  it('keeps a stretch’s least and most of load and serving, the most ordered, and the load as units at the target', () => {
    const w = chartWindow(surgeDay(), 0, 1440, 48, 100); // half-hour stretches
    expect(w.bucket).toBe(60);
    const nine = w.rows.find((r) => r.t === START + 540 * 60_000);
    // 300 → 900 requests/min at u = 100, T = 0.5: 6 → 18 units needed; serving 4 until 09:06, then 10.
    expect(nine).toMatchObject({ needLo: 18, needHi: 18, ordered: 10, servingLo: 4, servingHi: 10 });
    expect(nine?.utilHi).toBe(225);
    expect(nine?.readout).toBe(
      '2026-01-01 09:00–10:00 UTC · load 900 requests/min (needs 18.0 instances at 50%) · ordered up to 10 · serving 4–10 · utilisation 90–225% (target 50%)',
    );
    const ten = w.rows.find((r) => r.t === START + 600 * 60_000);
    expect(ten).toMatchObject({ needLo: 6, needHi: 6, ordered: 10, servingLo: 4, servingHi: 10 });
  });

  it('reads one minute as it is, and the forecast where there is one', () => {
    const series = {
      ...surgeDay(),
      forecast: Array.from({ length: 1440 }, (_, m) => (m < 720 ? null : 500)),
      upper: Array.from({ length: 1440 }, (_, m) => (m < 720 ? Number.NaN : 650)),
    };
    const w = chartWindow(series, 700, 760, 600, 100);
    expect(w.bucket).toBe(1);
    expect(w.rows[0]).not.toHaveProperty('forecast');
    expect(w.rows[30]).toMatchObject({ forecast: 10, upper: 13 });
    expect(w.rows[30]?.readout).toBe(
      '2026-01-01 12:10 UTC · load 300 requests/min (needs 6.00 instances at 50%) · ordered 4 · serving 4 · utilisation 75% (target 50%) · forecast 500 requests/min, floors planned for 650',
    );
  });

  it('shades every overload minute, and only those (the surge until capacity serves)', () => {
    expect(chartWindow(surgeDay(), 0, 1440, 1440, 100).overload).toEqual([
      { t: START + 540 * 60_000, t2: START + 546 * 60_000 },
    ]);
  });

  it('marks each decision with its time, reason code, change and message', () => {
    const w = chartWindow(
      surgeDay([
        { minute: 541, from: 4, to: 10, reason: 'ScaleOut', message: 'cpu 92% above 70%' },
        { minute: 800, from: 10, to: 10, reason: 'WithinTolerance', message: 'no change' },
        { minute: 610, from: 10, to: 4, reason: 'ScaleIn', message: 'cpu 20% below 30%' },
      ]),
      0,
      1440,
      600,
      100,
    );
    expect(w.marks).toEqual([
      {
        t: START + 541 * 60_000,
        to: 10,
        action: 'scale-out',
        tip: '2026-01-01 09:01 ScaleOut 4 → 10 instances: cpu 92% above 70%',
      },
      {
        t: START + 610 * 60_000,
        to: 4,
        action: 'scale-in',
        tip: '2026-01-01 10:10 ScaleIn 10 → 4 instances: cpu 20% below 30%',
      },
    ]);
  });

  it('gives each decision its own mark up to the most, then one mark per stretch counting its reasons (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            minute: fc.integer({ min: 0, max: 19_999 }),
            out: fc.boolean(),
            code: fc.integer({ min: 0, max: 2 }),
          }),
          {
            maxLength: 400,
          },
        ),
        (raw) => {
          const reasons = ['ScaleOut', 'ScaleOutRateLimited', 'PredictiveFloor'];
          const decisions = raw
            .sort((a, b) => a.minute - b.minute)
            .map((d) => ({
              minute: d.minute,
              from: d.out ? 3 : 4,
              to: d.out ? 4 : 3,
              reason: reasons[d.code] as string,
              message: 'm',
            }));
          const series = {
            ...surgeDay(decisions),
            load: Array(20_000).fill(100),
            ordered: Array(20_000).fill(3),
            serving: Array(20_000).fill(3),
          };
          const { marks } = chartWindow(series, 0, 20_000, 600, 100);
          expect(marks.length).toBeLessThanOrEqual(100);
          // Every decision is in exactly one mark, and every mark names the reason codes it stands for.
          let counted = 0;
          for (const mark of marks) {
            if (mark.action === 'several decisions') {
              const counts = [...mark.tip.matchAll(/(ScaleOut|ScaleOutRateLimited|PredictiveFloor) ×(\d+)/g)];
              expect(counts.length).toBeGreaterThan(0);
              counted += counts.reduce((sum, c) => sum + Number(c[2]), 0);
            } else {
              expect(mark.tip).toMatch(
                /^\d{4}-\d\d-\d\d \d\d:\d\d (ScaleOut|ScaleOutRateLimited|PredictiveFloor) /,
              );
              counted += 1;
            }
          }
          expect(counted).toBe(decisions.length);
          if (decisions.length <= 100) expect(marks.length).toBe(decisions.length);
        },
      ),
      { numRuns: 40, seed: 25 },
    );
  });

  it('tops the units axis just above its data, and stops at 1.5 × capacity when the load outgrows it by far', () => {
    const day = chartWindow(surgeDay(), 0, 1440, 600, 100);
    expect(unitsAxisTop([day])).toBe(16); // 1.5 × 10 served, to an even number: the 18 units of the surge are cut off
    const quiet = chartWindow(surgeDay(), 0, 500, 600, 100);
    expect(unitsAxisTop([quiet])).toBe(6); // 6 units needed, 4 served: at most 1.5 × 4
    expect(cutOffLabels(surgeDay(), day.rows, 16)).toEqual([
      { t: START + 540 * 60_000, label: '↑ 900 requests/min', right: false },
    ]);
    expect(cutOffLabels(surgeDay(), quiet.rows, 6)).toEqual([]);
    expect(utilisationAxisTop([day])).toBe(240); // 225% at the surge
    expect(utilisationAxisTop([quiet])).toBe(110); // never below 100%
  });

  it('carries its own source to the page: the functions run alone and give the same windows', () => {
    // The page defines the functions from this text, with esbuild's name helper as the identity.
    const run = new Function(
      'series',
      `function __name(f) { return f; }\n${CHART_WINDOW_SOURCE}\nconst w = chartWindow(series, 300, 900, 600, 100);\nreturn { w, top: unitsAxisTop([w]), cut: cutOffLabels(series, w.rows, 3) };`,
    );
    const series = surgeDay([{ minute: 541, from: 4, to: 10, reason: 'ScaleOut', message: 'm' }]);
    const w = chartWindow(series, 300, 900, 600, 100);
    expect(run(series)).toEqual({ w, top: unitsAxisTop([w]), cut: cutOffLabels(series, w.rows, 3) });
  });
});
