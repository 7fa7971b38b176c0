import { kthSmallest } from '../forecast/stats';
/**
 * How a forecast becomes floors, one definition for the predict function and the backtest: the load a floor
 * plans for is the point forecast times a headroom, and the units are that load over what one unit carries at
 * the rule's utilisation target.
 *
 * The headroom follows how wrong the forecasts have recently been: the 95th percentile of actual ÷ forecast, minute
 * by minute, over the last 6 hours of the forecasts that were in force (never below 1). Until 4 hours of them
 * have been scored (a new target, a metric that was missing), the policy's `capacityBufferPercent` stands in
 * (seeds: 30%). A shorter window follows a change of volatility sooner, and on the shared traces it gave the
 * same overload for less cost than 12 or 24 hours.
 */

/** One scored step of a forecast that was in force: when, and actual load ÷ forecast load. */
export interface CalibrationPoint {
  readonly time: number;
  readonly ratio: number;
}

/** A forecast's point values from `start` (epoch ms), one per `stepMinutes`. */
export interface PointForecast {
  readonly start: number;
  readonly stepMinutes: number;
  readonly point: readonly number[];
}

const MINUTE = 60_000;
/** The window of recent forecasts the headroom is measured over. */
export const HEADROOM_WINDOW_MINUTES = 360;
/** The least record the headroom is measured from; below it the policy's buffer stands in. */
export const MIN_CALIBRATION_MINUTES = 240;
/** The quantile of actual ÷ forecast the floors plan for. */
export const HEADROOM_QUANTILE = 0.95;

/** Actual load: `values[i]` over the period of `periodMinutes` that starts at `times[i]` (epoch ms). */
export interface ActualLoad {
  readonly times: readonly number[];
  readonly values: readonly number[];
  readonly periodMinutes: number;
}

/**
 * The calibration kept after scoring `forecast` on the actual periods in (after, until] that have ended by
 * `until`: `kept` plus one point per actual period (a period already kept is replaced), trimmed to the window
 * before `until`. Each period is compared with the forecast step it falls in; a step the forecast put at zero or
 * below says nothing about a ratio and is left out.
 */
export function calibrate(
  kept: readonly CalibrationPoint[],
  forecast: PointForecast,
  actual: ActualLoad,
  after: number,
  until: number,
): CalibrationPoint[] {
  const stepMs = forecast.stepMinutes * MINUTE;
  const scored: CalibrationPoint[] = [];
  actual.times.forEach((time, i) => {
    if (time <= after || time < forecast.start || time + actual.periodMinutes * MINUTE > until) return;
    const predicted = forecast.point[Math.floor((time - forecast.start) / stepMs)];
    const value = actual.values[i];
    // A period without a datapoint (NaN: a gap in a replayed demand) says nothing, as CalibrationRecord skips it.
    if (predicted === undefined || !(predicted > 0) || value === undefined || !Number.isFinite(value)) return;
    scored.push({ time, ratio: value / predicted });
  });
  const from = until - HEADROOM_WINDOW_MINUTES * MINUTE;
  // Each run scores the periods after the last one kept: then the record is the kept one followed by these.
  const last = kept.at(-1)?.time ?? Number.NEGATIVE_INFINITY;
  if (increasing(kept) && increasing(scored) && (scored[0]?.time ?? Number.POSITIVE_INFINITY) > last)
    return [...kept, ...scored].filter((p) => p.time >= from);
  const byTime = new Map(kept.map((p) => [p.time, p.ratio]));
  for (const p of scored) byTime.set(p.time, p.ratio);
  return [...byTime]
    .filter(([time]) => time >= from)
    .sort((a, b) => a[0] - b[0])
    .map(([time, ratio]) => ({ time, ratio }));
}

function increasing(points: readonly CalibrationPoint[]): boolean {
  for (let i = 1; i < points.length; i += 1)
    if (!((points[i] as CalibrationPoint).time > (points[i - 1] as CalibrationPoint).time)) return false;
  return true;
}

/**
 * The headroom measured from a calibration of one point per `periodMinutes`: the `quantile` (default the 95th
 * percentile) of its ratios, never below 1; undefined under MIN_CALIBRATION_MINUTES of record.
 */
export function measuredHeadroom(
  calibration: readonly CalibrationPoint[],
  periodMinutes: number,
  quantile = HEADROOM_QUANTILE,
): number | undefined {
  if (calibration.length * periodMinutes < MIN_CALIBRATION_MINUTES) return undefined;
  const ratios = new Float64Array(calibration.length);
  for (let i = 0; i < ratios.length; i += 1) ratios[i] = (calibration[i] as CalibrationPoint).ratio;
  return headroomOfRatios(ratios, ratios.length, periodMinutes, quantile);
}

/** `measuredHeadroom` of the first `count` ratios of a calibration, in time order; reorders them. */
export function headroomOfRatios(
  ratios: Float64Array,
  count: number,
  periodMinutes: number,
  quantile = HEADROOM_QUANTILE,
): number | undefined {
  if (count * periodMinutes < MIN_CALIBRATION_MINUTES) return undefined;
  // The rank's value once sorted, found without sorting (each backtest hour asks it of a few hundred ratios;
  // calibrate and CalibrationRecord keep only finite ones).
  const q = kthSmallest(ratios, count, Math.min(count - 1, Math.floor(quantile * count)));
  return Math.max(1, q);
}

/**
 * The headroom the floors use: the measured one, never above `1 + maxBufferPercent / 100` (the policy's
 * `maxBufferPercent`; null: no cap), else the policy's buffer. The cap is there because the measured headroom is
 * a ratio: where the forecast is small (a quiet night), a small miss is a large ratio, and the day's floors would
 * then plan for the night's ratio at the day's peak (bench/results.md: the held-out bike_share trace's floors cost
 * 1.48× target tracking's without it).
 */
export function floorHeadroom(
  measured: number | undefined,
  bufferPercent: number,
  maxBufferPercent: number | null = null,
): number {
  if (measured === undefined) return 1 + bufferPercent / 100;
  return maxBufferPercent === null ? measured : Math.min(measured, 1 + maxBufferPercent / 100);
}

/** The units that carry `load` at `perUnit` each (ceil tolerating float noise: 240 × 1.25 / 60 is 5). */
export function unitsForLoad(load: number, perUnit: number): number {
  return Math.max(0, Math.ceil(Math.max(0, load) / perUnit - 1e-9));
}
