import type { FloorSchedule } from './types';

/** The floor in force at `now`, or undefined outside the schedule (floors expire with their forecast). */
export function floorAt(
  schedule: FloorSchedule | undefined,
  now: Date,
): { units: number; source: string } | undefined {
  if (!schedule) return undefined;
  const step = Math.floor((now.getTime() - schedule.start.getTime()) / (schedule.stepMinutes * 60_000));
  const units = step >= 0 ? schedule.units[step] : undefined;
  if (units === undefined) return undefined;
  const from = schedule.stepSources;
  return { units, source: from?.sources[from.index[step] ?? -1] ?? schedule.source };
}
