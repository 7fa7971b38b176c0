import { FLOOR_STEP_MINUTES, floorSchedule, type NeededCapacity } from '../decision/forecastFloors';
import type { FloorSchedule } from '../decision/types';

const MINUTE = 60_000;
/** The needs first made reach this far past the lead after the last minute read: a step of any forecast (≤ 1 h). */
const MARGIN_MS = 2 * 60 * MINUTE;

/**
 * `floorSchedule`'s floors as the backtest reads them: the steps in force before `readUntil` (the next hourly
 * run, which replaces the schedule), each the same as in the whole schedule to `until`. The function's schedule
 * reaches 48 h (the scalers fall back on it when a run fails); the backtest's next run always comes, so the
 * 500-odd steps after the hour were computed every hour and never read. A step's need depends on its own time
 * alone (`needUntil` gives the needs from the run's start to a time, `neededCapacity` or `eventOnlyCapacity`),
 * and a step's floor is the most need from `holdMinutes` before it to the lead after it, so the needs are made to
 * a little past the lead after the hour and cut one lead (and a step) past the last step read. Whether there is a
 * schedule at all depends on every step (none when every floor is 0): a cut schedule with no floor in the hour
 * falls back to the whole one.
 */
export function floorsReadBefore(
  needUntil: (until: Date) => NeededCapacity,
  until: Date,
  lead: number,
  max: number,
  madeAt: Date,
  source: string,
  holdMinutes: number,
  readUntil: number,
): FloorSchedule | undefined {
  const madeTo = Math.min(until.getTime(), readUntil + lead * 1000 + MARGIN_MS);
  const soon = needUntil(new Date(madeTo));
  const whole = () =>
    floorSchedule(
      madeTo === until.getTime() ? soon : needUntil(until),
      lead,
      max,
      madeAt,
      source,
      holdMinutes,
    );
  // The step floorSchedule floors at: 5 minutes for a coarser forecast a whole number of times as long.
  const ratio = soon.stepMinutes / FLOOR_STEP_MINUTES;
  const fine = Number.isInteger(ratio) && ratio > 1 ? FLOOR_STEP_MINUTES : soon.stepMinutes;
  const lastRead = Math.floor((readUntil - 1 - soon.start.getTime()) / (fine * MINUTE));
  const fineSteps = lastRead + Math.ceil(lead / (fine * 60)) + 1;
  const steps = Math.max(0, Math.ceil(fineSteps / (soon.stepMinutes / fine)));
  if (steps >= soon.units.length) return whole();
  const cut = { ...soon, units: soon.units.slice(0, steps) };
  return floorSchedule(cut, lead, max, madeAt, source, holdMinutes) ?? whole();
}
