import { floorAt } from '../floors';
import type { FloorSchedule } from '../types';

/**
 * Two floor schedules as one (pure): at every step the higher of the two, on the finer step from the earlier
 * start to the later end, and the source of whichever gave the most units at their highest (a member's own
 * forecast and its plan's, written as one schedule that the scalers and the group's scheduled actions read).
 * Either may be undefined.
 */
export function higherFloors(
  a: FloorSchedule | undefined,
  b: FloorSchedule | undefined,
): FloorSchedule | undefined {
  if (!a || !b) return a ?? b;
  const end = (s: FloorSchedule) => s.start.getTime() + s.units.length * s.stepMinutes * 60_000;
  const start = Math.min(a.start.getTime(), b.start.getTime());
  const stepMinutes = Math.min(a.stepMinutes, b.stepMinutes);
  const steps = Math.ceil((Math.max(end(a), end(b)) - start) / (stepMinutes * 60_000));
  const units: number[] = [];
  for (let i = 0; i < steps; i += 1) {
    const at = new Date(start + i * stepMinutes * 60_000);
    units.push(Math.max(floorAt(a, at)?.units ?? 0, floorAt(b, at)?.units ?? 0));
  }
  const peak = (s: FloorSchedule) => Math.max(0, ...s.units);
  return {
    start: new Date(start),
    stepMinutes,
    units,
    madeAt: new Date(Math.max(a.madeAt.getTime(), b.madeAt.getTime())),
    source: peak(b) > peak(a) ? b.source : a.source,
  };
}
