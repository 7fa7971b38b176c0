import { FLOOR_STEP_MINUTES, floorSchedule, type NeededCapacity } from '../decision/forecastFloors';
import type { FloorSchedule } from '../decision/types';

const MINUTE = 60_000;

/**
 * `floorSchedule`'s floors as the backtest reads them: the steps in force before `readUntil` (the next hourly
 * run, which replaces the schedule), each the same as in the whole schedule. The function's schedule reaches 48 h
 * (the scalers fall back on it when a run fails); the backtest's next run always comes, so the 500-odd steps after
 * the hour were computed every hour and never read. A step's floor is the most need from `holdMinutes` before it
 * to the lead after it, so the needs are cut one lead (and a step) past the last step read. Whether there is a
 * schedule at all depends on every step (none when every floor is 0): a cut schedule with no floor in the hour
 * falls back to the whole one.
 */
export function floorsReadBefore(
  needed: NeededCapacity,
  lead: number,
  max: number,
  madeAt: Date,
  source: string,
  holdMinutes: number,
  readUntil: number,
): FloorSchedule | undefined {
  // The step floorSchedule floors at: 5 minutes for a coarser forecast a whole number of times as long.
  const ratio = needed.stepMinutes / FLOOR_STEP_MINUTES;
  const fine = Number.isInteger(ratio) && ratio > 1 ? FLOOR_STEP_MINUTES : needed.stepMinutes;
  const perNeed = needed.stepMinutes / fine;
  const fineMs = fine * MINUTE;
  const lastRead = Math.floor((readUntil - 1 - needed.start.getTime()) / fineMs);
  const fineSteps = lastRead + Math.ceil(lead / (fine * 60)) + 1;
  const steps = Math.max(0, Math.ceil(fineSteps / perNeed));
  if (steps >= needed.units.length) return floorSchedule(needed, lead, max, madeAt, source, holdMinutes);
  const cut = { ...needed, units: needed.units.slice(0, steps) };
  return (
    floorSchedule(cut, lead, max, madeAt, source, holdMinutes) ??
    floorSchedule(needed, lead, max, madeAt, source, holdMinutes)
  );
}
