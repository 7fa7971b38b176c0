import { floorAt } from '../floors';
import type { FloorSchedule } from '../types';

/**
 * Two floor schedules as one (pure): at every step the higher of the two, on the finer step from the earlier
 * start to the later end (a member's own forecast and its plan's, written as one schedule that the scalers and
 * the group's scheduled actions read). Each step keeps the source of the floor it took (`stepSources`; on a tie,
 * the second's: a plan's over the member's own, as the backtest names it); the schedule's own `source` is that of
 * whichever gave the most units at their highest. Either may be undefined.
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
  const sources: string[] = [];
  const index: number[] = [];
  for (let i = 0; i < steps; i += 1) {
    const at = new Date(start + i * stepMinutes * 60_000);
    const fromA = floorAt(a, at);
    const fromB = floorAt(b, at);
    const unitsA = fromA?.units ?? 0;
    const unitsB = fromB?.units ?? 0;
    units.push(Math.max(unitsA, unitsB));
    const from = fromB && unitsB >= unitsA ? fromB : (fromA ?? fromB);
    index.push(from ? indexOf(sources, from.source) : -1);
  }
  const peak = (s: FloorSchedule) => Math.max(0, ...s.units);
  const source = peak(b) > peak(a) ? b.source : a.source;
  const oneSource = sources.every((s) => s === source);
  return {
    start: new Date(start),
    stepMinutes,
    units,
    madeAt: new Date(Math.max(a.madeAt.getTime(), b.madeAt.getTime())),
    source,
    ...(oneSource ? {} : { stepSources: { sources, index } }),
  };
}

/** The index of `source` in `sources`, added at the end when new. */
function indexOf(sources: string[], source: string): number {
  const known = sources.indexOf(source);
  if (known >= 0) return known;
  sources.push(source);
  return sources.length - 1;
}
