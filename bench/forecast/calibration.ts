import { forecastLoad } from '../../shared/forecast/forecastLoad';
import { type BandCalibration, DEFAULT_BAND_CALIBRATION } from '../../shared/forecast/predictionBand';
import type { LoadHistory } from '../../shared/forecast/types';
import { QUANTILE } from './yardsticks';

// The band's calibration chosen leave-one-out (`npm run bench:forecast`, ../forecast.ts): every setting of the
// grid below forecasts every origin of every trace; for each trace, the setting that calibrates best on the
// other five is scored on it. The default (DEFAULT_BAND_CALIBRATION) is the grid's best on all six, and the
// held-out figures show what that choice is worth on a trace it was not chosen on.

/** One origin of a trace: the 14 days the forecaster sees, and what came over the scored 48 h (NaN: gap). */
export interface CalibrationOrigin {
  readonly history: LoadHistory;
  readonly actual: Float64Array;
}

export interface CalibrationTrace {
  readonly file: string;
  readonly firstDaySteps: number;
  readonly origins: readonly CalibrationOrigin[];
}

/** Coverage of the upper quantile over the first 24 h and the whole 48 h. */
export interface Coverage {
  readonly firstDay: number;
  readonly whole: number;
}

export const CALIBRATION_GRID: readonly BandCalibration[] = [
  360,
  1440,
  4320,
  Number.POSITIVE_INFINITY,
].flatMap((halfLifeMinutes) =>
  [false, true].flatMap((recentDayFloor) =>
    [1, 0.7, 0.5].map((missScale) => ({ halfLifeMinutes, recentDayFloor, missScale })),
  ),
);

export const describeCalibration = (c: BandCalibration): string =>
  `half-life ${Number.isFinite(c.halfLifeMinutes) ? `${c.halfLifeMinutes / 60} h` : 'none'}, last-day floor ${c.recentDayFloor ? 'on' : 'off'}, miss scale ${c.missScale}`;

/** A setting's coverage on one trace, every origin forecast with it. */
export function coverageWith(trace: CalibrationTrace, calibration: BandCalibration): Coverage {
  let covered = 0;
  let scored = 0;
  let coveredFirstDay = 0;
  let scoredFirstDay = 0;
  for (const { history, actual } of trace.origins) {
    const f = forecastLoad(history, { quantile: QUANTILE, bandCalibration: calibration });
    if (f.status !== 'forecast') throw new Error(`${trace.file}: declined: ${f.message}`);
    actual.forEach((a, h) => {
      if (Number.isNaN(a)) return;
      const hit = a <= (f.upper[h] as number) ? 1 : 0;
      covered += hit;
      scored += 1;
      if (h < trace.firstDaySteps) {
        coveredFirstDay += hit;
        scoredFirstDay += 1;
      }
    });
  }
  return { firstDay: coveredFirstDay / Math.max(1, scoredFirstDay), whole: covered / Math.max(1, scored) };
}

/**
 * How well a setting calibrates a set of traces, lower is better: first the (trace, horizon) pairs outside
 * QUANTILE ± 3 points, then the summed distance from QUANTILE.
 */
export function calibrationLoss(coverages: readonly Coverage[]): [number, number] {
  let outside = 0;
  let distance = 0;
  for (const c of coverages)
    for (const v of [c.firstDay, c.whole]) {
      if (Math.abs(v - QUANTILE) > 0.03) outside += 1;
      distance += Math.abs(v - QUANTILE);
    }
  return [outside, distance];
}

/** The index of the setting with the lowest loss over the traces `among` (by index), the first on a tie. */
export function bestSetting(coverage: readonly (readonly Coverage[])[], among: readonly number[]): number {
  let best = 0;
  let bestLoss: [number, number] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  coverage.forEach((perTrace, k) => {
    const loss = calibrationLoss(among.map((t) => perTrace[t] as Coverage));
    if (loss[0] < bestLoss[0] || (loss[0] === bestLoss[0] && loss[1] < bestLoss[1] - 1e-12)) {
      best = k;
      bestLoss = loss;
    }
  });
  return best;
}

/** The leave-one-out section of the results: per trace, the setting chosen without it and its coverage there. */
export function calibrationLeaveOneOut(traces: readonly CalibrationTrace[]): string[] {
  // coverage[setting][trace]
  const coverage = CALIBRATION_GRID.map((c) => traces.map((t) => coverageWith(t, c)));
  const all = traces.map((_, i) => i);
  const chosen = bestSetting(coverage, all);
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const isDefault = (c: BandCalibration) =>
    c.halfLifeMinutes === DEFAULT_BAND_CALIBRATION.halfLifeMinutes &&
    c.recentDayFloor === DEFAULT_BAND_CALIBRATION.recentDayFloor &&
    c.missScale === DEFAULT_BAND_CALIBRATION.missScale;
  const lines = [
    '## The band calibrated leave-one-out',
    '',
    `Every setting of the band's calibration (${CALIBRATION_GRID.length}: the record's half-life, the last-day floor, the miss`,
    'scale; `BandCalibration` in shared/forecast/predictionBand.ts) forecast every origin above. For each trace, the',
    'setting with the fewest coverages outside 90 ± 3% on the **other five** traces (then the least summed distance',
    'from 90%) is scored on it.',
    '',
    '| held-out trace | setting chosen on the other five | coverage 24 h | coverage 48 h |',
    '|---|---|---|---|',
  ];
  traces.forEach((t, i) => {
    const k = bestSetting(
      coverage,
      all.filter((j) => j !== i),
    );
    const c = coverage[k]?.[i] as Coverage;
    lines.push(
      `| ${t.file} | ${describeCalibration(CALIBRATION_GRID[k] as BandCalibration)} | ${pct(c.firstDay)} | ${pct(c.whole)} |`,
    );
  });
  const pick = CALIBRATION_GRID[chosen] as BandCalibration;
  lines.push(
    '',
    `Chosen on all six: ${describeCalibration(pick)}; the default (\`DEFAULT_BAND_CALIBRATION\`) is ${isDefault(pick) ? 'that setting' : `**not** that setting (${describeCalibration(DEFAULT_BAND_CALIBRATION)}): update it`}.`,
    '',
  );
  return lines;
}
