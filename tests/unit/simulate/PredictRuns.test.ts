import { describe, expect, it } from 'vitest';
import { HEADROOM_WINDOW_MINUTES } from '../../../shared/decision/floorSizing';
import { PredictiveSchema } from '../../../shared/policy/schema';
import { scenarioFor } from '../../../shared/simulate/engine';
import { predictRunsFor } from '../../../shared/simulate/PredictRuns';
import { floorSettingsFor } from '../../../shared/simulate/predictive';
import { scalepilotTarget } from '../../../shared/simulate/scalepilotTarget';

const START = Date.parse('2026-03-02T00:00:00Z');
const MIN = 60_000;
const DAY = 1440;

describe('PredictRuns: the headroom’s record', () => {
  it('keeps only the window’s points, run after run, when runs make no forecast (a metric gone for hours)', () => {
    // Three days of a daily wave, then no datapoint for 6 hours (runs decline: stale history), then the wave again.
    const gapFrom = 3 * DAY;
    const gapTo = gapFrom + 6 * 60;
    const load = Array.from({ length: 4 * DAY }, (_, m) =>
      m >= gapFrom && m < gapTo ? Number.NaN : 300 + 150 * Math.sin((2 * Math.PI * m) / DAY) + (m % 7),
    );
    const s = scenarioFor(load, 'asg');
    const target = scalepilotTarget(s);
    const settings = floorSettingsFor(PredictiveSchema.parse({}));
    const runs = predictRunsFor(
      undefined,
      START,
      { ...settings, predictive: settings.predictive },
      target.rules,
      load.length,
      300,
    );
    const read = (j: number) => load[j] as number;
    const declinedWithRecord: number[] = [];
    for (let m = 60; m < load.length; m += 60) {
      const now = START + m * MIN;
      const run = runs.at(m, now, read);
      const points = Object.values(run.calibration).flat();
      for (const p of points) expect(p.time).toBeGreaterThanOrEqual(now - HEADROOM_WINDOW_MINUTES * MIN);
      if (run.status === 'declined' && points.length > 0) declinedWithRecord.push(m);
    }
    // The record outlives a few declined runs: it is trimmed at each, not only where a forecast is scored.
    expect(declinedWithRecord.length).toBeGreaterThanOrEqual(2);
  });
});

describe('PredictRuns: the headroom read on the clock’s periods', () => {
  it('a trace whose minutes are stamped at :53 (the Twitter volumes) measures its headroom as one on the minute', () => {
    // Four days of a daily wave with a rush the forecast misses every afternoon: a headroom above 1 to measure.
    const load = Array.from(
      { length: 4 * DAY },
      (_, m) => 300 + 150 * Math.sin((2 * Math.PI * m) / DAY) + (m % DAY > 900 && m % DAY < 960 ? 200 : 0),
    );
    const s = scenarioFor(load, 'asg');
    const target = scalepilotTarget(s);
    const settings = floorSettingsFor(PredictiveSchema.parse({}));
    const read = (j: number) => load[j] as number;
    const headroomsFrom = (start: number) => {
      const runs = predictRunsFor(undefined, start, settings, target.rules, load.length, 300);
      let run = runs.at(60, start + 60 * MIN, read);
      for (let m = 120; m < load.length; m += 60) run = runs.at(m, start + m * MIN, read);
      return { headrooms: run.headrooms, points: Object.values(run.calibration).flat().length };
    };
    const onTheMinute = headroomsFrom(START);
    const at53 = headroomsFrom(START + 53_000);
    expect(onTheMinute.points).toBeGreaterThan(0);
    // Read as on the clock's minutes, every period of the :53 trace fell between two of its minutes: no point.
    // It scores a period less per run (the first whole minute after a forecast's start at :53 is the next one).
    expect(at53.points).toBeGreaterThan(0.95 * onTheMinute.points);
    for (const [i, h] of at53.headrooms.entries()) {
      const aligned = onTheMinute.headrooms[i];
      expect(h.measured && aligned?.measured).toBe(true);
      expect(h.headroom).toBeCloseTo(aligned?.headroom ?? 0, 1);
    }
  });
});
