import { forecastLoad } from '../../shared/forecast/forecastLoad';
import { type BandCalibration, DEFAULT_BAND_CALIBRATION } from '../../shared/forecast/predictionBand';
import { DEFAULT_FADE_HALF_LIFE_MINUTES } from '../../shared/forecast/seasonalModels';
import type { LoadHistory } from '../../shared/forecast/types';
import { QUANTILE } from './yardsticks';

// The forecaster's settings chosen leave-one-out (`npm run bench:forecast`, ../forecast.ts): the fading models'
// half-life (by 48 h MASE) and the band's calibration (by coverage). Every setting of a grid forecasts every
// origin of every trace; for each trace, the setting best on the other five is scored on it. The defaults
// (DEFAULT_FADE_HALF_LIFE_MINUTES, DEFAULT_BAND_CALIBRATION) are each grid's best on all six, and the held-out
// figures show what the choice is worth on a trace it was not chosen on.

/**
 * One origin of a trace: the 14 days the forecaster sees, what came over the scored 48 h (NaN: gap), and the
 * MASE scale (the in-sample daily seasonal-naive MAE).
 */
export interface CalibrationOrigin {
  readonly history: LoadHistory;
  readonly actual: Float64Array;
  readonly scale: number;
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

/** The fading models' half-lives tried (0: no fading model, the forecaster before them). */
export const FADE_GRID: readonly number[] = [0, 180, 360, 720, 1440];

const describeFade = (minutes: number) => (minutes === 0 ? 'no fading model' : `half-life ${minutes / 60} h`);

/** The mean over origins of the 48 h MASE with the given fading half-life (point forecast only). */
export function maseWith(trace: CalibrationTrace, fadeHalfLifeMinutes: number): number {
  let sum = 0;
  for (const { history, actual, scale } of trace.origins) {
    const f = forecastLoad(history, { band: false, fadeHalfLifeMinutes });
    if (f.status !== 'forecast') throw new Error(`${trace.file}: declined: ${f.message}`);
    let error = 0;
    let count = 0;
    actual.forEach((a, h) => {
      if (Number.isNaN(a)) return;
      error += Math.abs(a - (f.point[h] as number));
      count += 1;
    });
    sum += error / Math.max(1, count) / scale;
  }
  return sum / Math.max(1, trace.origins.length);
}

/**
 * The fading half-life chosen leave-one-out: for each trace, the half-life with the lowest geometric mean of
 * MASE ÷ the no-fade forecaster's MASE over the other five, and its MASE on the trace left out.
 */
export function fadeLeaveOneOut(traces: readonly CalibrationTrace[]): string[] {
  // mase[setting][trace]
  const mase = FADE_GRID.map((minutes) => traces.map((t) => maseWith(t, minutes)));
  const at = (k: number, t: number) => (mase[k] as number[])[t] as number;
  const loss = (k: number, among: readonly number[]) =>
    among.reduce((a, t) => a + Math.log(at(k, t) / at(0, t)), 0);
  const best = (among: readonly number[]) =>
    FADE_GRID.reduce((b, _, k) => (loss(k, among) < loss(b, among) - 1e-12 ? k : b), 0);
  const all = traces.map((_, i) => i);
  const lines = [
    '## The fading models chosen leave-one-out',
    '',
    "Each half-life of the fading models (the recent load's ratio to the seasonal base fading back over the",
    'horizon; seasonalModels.ts) forecast every origin above. For each trace, the half-life with the lowest',
    "geometric mean of MASE ÷ the no-fade forecaster's over the **other five** traces is scored on it.",
    '',
    `| held-out trace | chosen on the other five | MASE 48 h held out | no fading model | ${FADE_GRID.slice(1).map(describeFade).join(' | ')} |`,
    `|---|---|---|---|${FADE_GRID.slice(1)
      .map(() => '---|')
      .join('')}`,
  ];
  traces.forEach((t, i) => {
    const k = best(all.filter((j) => j !== i));
    lines.push(
      `| ${t.file} | ${describeFade(FADE_GRID[k] as number)} | **${at(k, i).toFixed(3)}** | ${FADE_GRID.map((_, s) => at(s, i).toFixed(3)).join(' | ')} |`,
    );
  });
  const chosen = FADE_GRID[best(all)] as number;
  lines.push(
    '',
    `Chosen on all six: ${describeFade(chosen)}; the default (\`DEFAULT_FADE_HALF_LIFE_MINUTES\`) is ${chosen === DEFAULT_FADE_HALF_LIFE_MINUTES ? 'that one' : `**not** that one (${describeFade(DEFAULT_FADE_HALF_LIFE_MINUTES)}): update it`}.`,
    '',
  );
  return lines;
}
