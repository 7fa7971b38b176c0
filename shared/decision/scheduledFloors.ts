import type { FloorSchedule } from './types';

/** Every scheduled action Scalepilot writes is named with this prefix; it deletes only those. */
export const FORECAST_ACTION_PREFIX = 'scalepilot-forecast-';
/** AWS's limit of scheduled actions per Auto Scaling group. */
export const MAX_SCHEDULED_ACTIONS = 125;

/** One scheduled action: at `start`, the group's MinSize becomes `minSize`. */
export interface ScheduledMinSize {
  readonly name: string;
  readonly start: Date;
  readonly minSize: number;
}

const MINUTE = 60_000;

/** `scalepilot-forecast-<target>-<yyyymmddThhmm>Z`: one name per target and minute (moto keys names globally). */
export function forecastActionName(target: string, start: Date): string {
  const stamp = start.toISOString().slice(0, 16).replace(/[-:]/g, '');
  return `${FORECAST_ACTION_PREFIX}${target}-${stamp}Z`;
}

interface Segment {
  start: number;
  end: number;
  units: number;
}

/**
 * A group's floors as scheduled actions on MinSize, so the group stays protected if the functions stop:
 * MinSize follows the floors (never below `baseline`, never above `maxSize`) from the first whole minute
 * after `now` (AWS refuses a start in the past) and returns to `baseline` where the schedule ends. Runs of
 * equal floors are one action; beyond `budget` actions, neighbours are merged at the higher floor (never less
 * protection), cheapest first (the fewest extra unit-minutes). Without floors (declined, untrusted), one
 * action returns a MinSize an earlier run raised to the baseline; nothing when MinSize is already there.
 */
export function scheduledMinSizes(options: {
  readonly target: string;
  readonly floors: FloorSchedule | undefined;
  readonly baseline: number;
  readonly maxSize: number;
  /** The group's MinSize now (an earlier run's action may have raised it). */
  readonly currentMinSize: number;
  readonly now: Date;
  readonly budget: number;
}): ScheduledMinSize[] {
  const { floors, now, target, currentMinSize } = options;
  const baseline = Math.min(options.baseline, options.maxSize);
  const first = Math.ceil((now.getTime() + 1) / MINUTE) * MINUTE;
  const segments: Segment[] = [];
  const step = (floors?.stepMinutes ?? 1) * MINUTE;
  const end = floors ? floors.start.getTime() + floors.units.length * step : first;
  floors?.units.forEach((u, i) => {
    const start = Math.max(first, floors.start.getTime() + i * step);
    const stop = floors.start.getTime() + (i + 1) * step;
    if (stop <= start) return;
    const units = Math.max(baseline, Math.min(options.maxSize, u));
    const last = segments.at(-1);
    if (last && last.units === units) last.end = stop;
    else segments.push({ start, end: stop, units });
  });
  const named = (a: { start: Date; minSize: number }) => ({
    ...a,
    name: forecastActionName(target, a.start),
  });
  if (segments.every((s) => s.units === baseline))
    return currentMinSize === baseline ? [] : [named({ start: new Date(first), minSize: baseline })];
  // The closing action returns MinSize to the baseline; it counts against the budget too.
  const room = Math.max(1, options.budget - 1);
  while (segments.length > room) mergeCheapest(segments);
  const actions = segments.map((s) => ({ start: new Date(s.start), minSize: s.units }));
  if ((segments.at(-1) as Segment).units !== baseline)
    actions.push({ start: new Date(end), minSize: baseline });
  // A first action that sets MinSize to what it already is changes nothing.
  if (actions[0]?.minSize === currentMinSize && segments[0]?.start === first) actions.shift();
  return actions.map(named);
}

/** Merges the two neighbours whose merge adds the fewest unit-minutes above what they need. */
function mergeCheapest(segments: Segment[]): void {
  let best = 0;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let i = 0; i + 1 < segments.length; i += 1) {
    const a = segments[i] as Segment;
    const b = segments[i + 1] as Segment;
    const top = Math.max(a.units, b.units);
    const cost = (top - a.units) * (a.end - a.start) + (top - b.units) * (b.end - b.start);
    if (cost < bestCost) {
      bestCost = cost;
      best = i;
    }
  }
  const a = segments[best] as Segment;
  const b = segments[best + 1] as Segment;
  segments.splice(best, 2, { start: a.start, end: b.end, units: Math.max(a.units, b.units) });
}
