import type { FloorSchedule } from './types';

/** Every scheduled action Scalepilot writes is named with this prefix; it deletes only those. */
export const FORECAST_ACTION_PREFIX = 'scalepilot-forecast-';
/** AWS's limit of scheduled actions per Auto Scaling group. */
export const MAX_SCHEDULED_ACTIONS = 125;
/**
 * The first action starts at the first whole minute at least this long after `now`: AWS refuses a start in the
 * past, and the put comes after the calls that precede it (the group's describe, the previous actions' deletes,
 * each retried by the SDK). At the next whole minute, a put a second late was refused and the run failed.
 */
export const SCHEDULE_LEAD_SECONDS = 60;

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

/** The target a Scalepilot action name belongs to (the name ends in its minute), or undefined for another name. */
export function targetOfAction(name: string): string | undefined {
  if (!name.startsWith(FORECAST_ACTION_PREFIX)) return undefined;
  return /^(.+)-\d{8}T\d{4}Z$/.exec(name.slice(FORECAST_ACTION_PREFIX.length))?.[1];
}

interface Segment {
  start: number;
  end: number;
  units: number;
}

/** The scheduled actions that mirror a group's floors, and where the budget cut them short, if it did. */
export interface ScheduledPlan {
  readonly actions: ScheduledMinSize[];
  /** The budget did not reach the end of the floors: from this instant MinSize is back at the baseline. */
  readonly cutAt?: Date;
}

/**
 * A group's floors as scheduled actions on MinSize, so the group stays protected if the functions stop:
 * MinSize follows the floors (never below `baseline`, never above `maxSize`) from the first whole minute
 * SCHEDULE_LEAD_SECONDS after `now` (AWS refuses a start in the past; `now` is read just before the actions are
 * planned, not at the run's start) and returns to `baseline` where the schedule ends. Runs of equal floors are
 * one action. `budget` is what the group has room for (AWS's 125, less every action already
 * there that is not Scalepilot's, issue 20, item 7): when the floors need more, the nearest hours are kept
 * and MinSize returns to the baseline where the kept ones end (`cutAt`); the ledger's floors, which the
 * scalers honour, still cover the rest, and the next hourly run moves the window on. With a budget too small
 * to raise MinSize and bring it back (0, or 1), nothing is raised. Without floors (declined, untrusted), one
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
}): ScheduledPlan {
  const { floors, now, target, currentMinSize } = options;
  const budget = Math.max(0, options.budget);
  const baseline = Math.min(options.baseline, options.maxSize);
  const first = firstStartMs(now);
  const segments: Segment[] = [];
  const step = (floors?.stepMinutes ?? 1) * MINUTE;
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
  const backToBaseline = (at: number) => ({ start: new Date(at), minSize: baseline });
  if (segments.every((s) => s.units === baseline))
    return { actions: currentMinSize === baseline || budget === 0 ? [] : [named(backToBaseline(first))] };
  // The first `k` runs, then back to the baseline where they end (unless the last of them is the baseline).
  const plan = (k: number) => {
    const kept = segments.slice(0, k);
    const actions = kept.map((s) => ({ start: new Date(s.start), minSize: s.units }));
    const last = kept.at(-1);
    if (last && last.units !== baseline) actions.push(backToBaseline(last.end));
    // A first action that sets MinSize to what it already is changes nothing.
    if (actions[0]?.minSize === currentMinSize && segments[0]?.start === first) actions.shift();
    return actions;
  };
  let k = segments.length;
  while (k > 0 && plan(k).length > budget) k -= 1;
  if (k === 0) {
    // Not even one run fits with its way back: raise nothing, and bring a raised MinSize back if room allows.
    const back = currentMinSize !== baseline && budget >= 1 ? [named(backToBaseline(first))] : [];
    return { actions: back, cutAt: new Date(first) };
  }
  const cut = k < segments.length ? { cutAt: new Date((segments[k - 1] as Segment).end) } : {};
  return { actions: plan(k).map(named), ...cut };
}

/** The first start a plan made at `now` may take: a whole minute at least SCHEDULE_LEAD_SECONDS after it. */
export function firstStartMs(now: Date): number {
  return Math.ceil((now.getTime() + SCHEDULE_LEAD_SECONDS * 1000) / MINUTE) * MINUTE;
}

/**
 * The minutes the group's actions that are not `target`'s forecast actions start at (AWS takes one action a start
 * time): an operator's, and another target's forecast actions (a target renamed leaves the old name's on the
 * group until they are pruned; two paused targets each hold a set-back a year ahead, at the same minute but for
 * this).
 */
export function othersStartMinutes(
  actions: readonly { readonly name: string; readonly start?: Date }[],
  target: string,
): Set<number> {
  return new Set(
    actions.flatMap((a) =>
      targetOfAction(a.name) === target || !a.start ? [] : [Math.floor(a.start.getTime() / MINUTE) * MINUTE],
    ),
  );
}

/**
 * The actions moved off the minutes other actions of the group start at, each to the next free minute: AWS
 * refuses an action at a time another scheduled action has ("a scheduled action with this scheduled start
 * time already exists"), and the refusal failed the run every hour and left the rest of the schedule unput.
 * An operator's action at a round hour meets one of Scalepilot's on the 5-minute grid often enough.
 */
export function clearOfTakenMinutes<A extends { readonly start: Date; readonly name: string }>(
  target: string,
  actions: readonly A[],
  taken: ReadonlySet<number>,
): A[] {
  const used = new Set(taken);
  return actions.map((a) => {
    let at = Math.floor(a.start.getTime() / MINUTE) * MINUTE;
    if (!used.has(at)) {
      used.add(at);
      return a;
    }
    while (used.has(at)) at += MINUTE;
    used.add(at);
    const start = new Date(at);
    return { ...a, start, name: forecastActionName(target, start) };
  });
}

const DAY = 86_400_000;

/**
 * How far ahead a pause holds a group's set-back (the action that returns MinSize to the target's baseline).
 * Deleting every forecast action while paused leaves a MinSize one of them raised where it is (paused is
 * frozen), and AWS keeps no old value: the set-back is the only record of the way back. So the pause keeps it
 * as one action this far ahead, where it does not fire while paused; the first run after resume finds it and
 * brings it forward (pruneScheduledActions), or replaces it with the target's new schedule (mirrorFloors).
 */
export const HELD_SETBACK_DAYS = 365;

/** A forecast action starting further ahead than this is a held set-back (the forecast's reach 48 hours). */
const HELD_AFTER_MS = 7 * DAY;

/** Whether the action is a set-back a pause held (starts more than a week ahead of `now`). */
export function isHeldSetBack(action: { readonly start?: Date }, now: Date): boolean {
  return action.start !== undefined && action.start.getTime() - now.getTime() > HELD_AFTER_MS;
}

/**
 * The action that sets a MinSize raised above `baseline` back to it, at the first start a plan made at `now` may
 * take; none when MinSize is not above it (or either is unknown).
 */
export function setBack(
  target: string,
  liveMin: number | undefined,
  baseline: number | undefined,
  now: Date,
): ScheduledMinSize | undefined {
  if (baseline === undefined || liveMin === undefined || liveMin <= baseline) return undefined;
  const start = new Date(firstStartMs(now));
  return { name: forecastActionName(target, start), start, minSize: baseline };
}

/** The held set-back of `target` at `now`: MinSize back to `minSize`, HELD_SETBACK_DAYS ahead, on a whole minute. */
export function heldSetBack(target: string, now: Date, minSize: number): ScheduledMinSize {
  const start = new Date(firstStartMs(now) + HELD_SETBACK_DAYS * DAY);
  return { name: forecastActionName(target, start), start, minSize };
}

/** The minute a forecast action's name ends in (`…-yyyymmddThhmmZ`), or undefined for another name. */
export function minuteOfAction(name: string): number | undefined {
  if (!name.startsWith(FORECAST_ACTION_PREFIX)) return undefined;
  const m = /-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z$/.exec(name);
  if (!m) return undefined;
  const [, y, mo, d, h, mi] = m;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi));
}
