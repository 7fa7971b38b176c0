import { HEADROOM_WINDOW_MINUTES } from '../decision/floorSizing';
import type { FloorTuning } from '../policy/schema';

/**
 * The record walk-forward tuning scores: each hourly run's point forecast, as far as it can be in force (until
 * the floors it wrote run out). The predict function keeps it in the target's forecast track; the backtest's
 * planner keeps the same record in memory, so both choose from the same information.
 */
export interface ForecastRun {
  /** Epoch ms of the run that made it. */
  readonly madeAt: number;
  /** Epoch ms of `point[0]`. */
  readonly start: number;
  readonly stepMinutes: number;
  /** The point forecast of one rule, in the rule's load unit (percent of a unit, summed over units). */
  readonly point: readonly number[];
}

const MINUTE = 60_000;

/**
 * The runs kept after a run at `now` made `run` (undefined: no forecast this time): those that can still be
 * scored or measure a headroom for the window (`windowHours` and the headroom's 6 hours before it), the new one
 * trimmed to the steps before `until` (the end of its floors and its lead), its points rounded (`keptPoint`).
 */
export function keptRuns(
  runs: readonly ForecastRun[],
  run: ForecastRun | undefined,
  now: number,
  until: number,
  tuning: Pick<FloorTuning, 'windowHours'>,
): ForecastRun[] {
  const from = now - (tuning.windowHours * 60 + HEADROOM_WINDOW_MINUTES) * MINUTE;
  const kept = runs.filter((r) => r.madeAt >= from && r.madeAt < now);
  if (!run) return kept;
  const steps = Math.max(0, Math.ceil((until - run.start) / (run.stepMinutes * MINUTE)));
  return [...kept, { ...run, point: run.point.slice(0, steps).map(keptPoint) }];
}

/** Significant digits a kept point keeps. */
export const KEPT_DIGITS = 6;

/**
 * A point as the record keeps it: rounded to 6 significant digits, far finer than any floor it could change,
 * because the record is stored in one DynamoDB item (400 KB at most) and DynamoDB counts a number by its digits:
 * a full double takes about 11 bytes there, 6 digits 5. The backtest keeps the same rounded record. Anything but
 * a finite number (NaN, a missing point) is kept as it is.
 */
export function keptPoint(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(KEPT_DIGITS)) : value;
}
