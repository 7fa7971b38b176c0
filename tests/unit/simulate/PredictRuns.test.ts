import { describe, expect, it } from 'vitest';
import { HEADROOM_WINDOW_MINUTES } from '../../../shared/decision/floorSizing';
import { PredictiveSchema } from '../../../shared/policy/schema';
import { scalepilotTarget } from '../../../shared/simulate/baselines';
import { scenarioFor } from '../../../shared/simulate/engine';
import { predictRunsFor } from '../../../shared/simulate/PredictRuns';
import { floorSettingsFor } from '../../../shared/simulate/predictive';

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
