import type { LoadForecast, LoadHistory } from '../forecast/types';
import type { PredictiveEvent, PredictivePolicy, Rule, Target } from '../policy/schema';
import { unitsForLoad } from './floorSizing';
import type { FloorSchedule, MetricReading } from './types';

/**
 * From a forecast load to the units that carry it. The load of a rule is read as CloudWatch's `Sum` and
 * `SampleCount` of the rule's metric: for a per-unit average (CPUUtilization over a group), `Sum` adds every
 * unit's datapoints, so `Sum × metric period / read period` is the total load (percent-units) and
 * `SampleCount` the same way counts the units reporting. The units needed then are
 * `ceil(point × headroom / utilisation target)` (floorSizing.ts: the headroom the forecasts' record shows).
 */

/**
 * The history is read at 5 minutes (the default 32 days: 9,216 datapoints a series), or at the rule's period when
 * longer, rounded up to a multiple of 5 minutes: GetMetricData returns no datapoint between 15 and 63 days old at
 * any other period (`lookbackDays` is at most 60), so a 6-minute rule's 32 days came back empty or cut to 15.
 */
export function historyPeriodSeconds(rule: Rule): number {
  return Math.ceil(Math.max(300, rule.metric.periodSeconds) / 300) * 300;
}

/**
 * The utilisation one unit is sized for: the rule's `floorTarget` when it sets one, else a target-tracking rule's
 * target, or a step rule's lowest scale-out threshold (so a floor sized at it leaves the reactive rule quiet on the
 * forecast load). In the unit the rule reads (a `percentOf` metric's Sum is read as a percentage too).
 */
export function utilisationTarget(rule: Rule): number {
  if (rule.floorTarget !== undefined) return rule.floorTarget;
  return rule.type === 'target-tracking' ? rule.target : Math.min(...rule.scaleOut.map((s) => s.above));
}

/**
 * Why a rule's load cannot be turned into units, or undefined when it can: only a per-unit average
 * (statistic `Average`) adds up to a total load; a Maximum, a percentile or a Sum does not.
 */
export function unforecastable(rule: Rule): string | undefined {
  if (rule.metric.statistic !== 'Average')
    return `rule ${rule.name} reads ${rule.metric.statistic}, not a per-unit Average: its load does not add up over units`;
  if (!(utilisationTarget(rule) > 0)) return `rule ${rule.name} has no positive utilisation target`;
  return undefined;
}

/**
 * A rule's total load per period (and the units reporting), from its metric's Sum and SampleCount read at
 * `periodSeconds` (by default the history's period).
 */
export function loadHistory(
  rule: Rule,
  sum: readonly MetricReading[],
  sampleCount: readonly MetricReading[],
  periodSeconds = historyPeriodSeconds(rule),
): LoadHistory & { readonly reporting: readonly number[] } {
  const perUnit = periodSeconds / rule.metric.periodSeconds;
  const counts = new Map(sampleCount.map((p) => [p.timestamp.getTime(), p.value]));
  const times: number[] = [];
  const values: number[] = [];
  const reporting: number[] = [];
  for (const p of sum) {
    const time = p.timestamp.getTime();
    const count = counts.get(time);
    // A period no unit reported in says nothing about the load (a gap, not a zero).
    if (count === undefined || !(count > 0)) continue;
    times.push(time);
    values.push(p.value / perUnit);
    reporting.push(count / perUnit);
  }
  return { times, values, reporting };
}

/** A rule's forecast load, as the forecaster made it, and the headroom its floors plan for (floorSizing.ts). */
export interface RuleForecast {
  readonly rule: Rule;
  readonly forecast: LoadForecast;
  readonly headroom: number;
}

/** The known events that concern a target (every predictive target when an event names none). */
export function eventsFor(policy: PredictivePolicy, target: Target): PredictiveEvent[] {
  return policy.events.filter((e) => e.targets === undefined || e.targets.includes(target.name));
}

/** Units needed per step: `start + i × stepMinutes` needs `units[i]`, before any lead or cap. */
export interface NeededCapacity {
  readonly start: Date;
  readonly stepMinutes: number;
  readonly units: readonly number[];
  /**
   * Per rule whose headroom's extra load `maxBufferOfMeanPercent` held at some step: how many of the steps, and
   * the load it was held to (the run's message says so).
   */
  readonly bufferLimited?: readonly {
    readonly rule: string;
    readonly steps: number;
    readonly atMost: number;
    readonly percentOfMean: number;
  }[];
}

const MINUTE = 60_000;

/** What the known events overlapping the step [time, time + step) ask, the most of each kind of demand. */
function eventDemand(events: readonly PredictiveEvent[], time: number, stepMs: number) {
  let units = 0;
  let multiplier = 1;
  for (let i = 0; i < events.length; i += 1) {
    const e = events[i] as PredictiveEvent;
    // An event starting mid-step counts for the whole step: the floor must be there when it starts.
    if (time + stepMs <= Date.parse(e.start) || time >= Date.parse(e.end)) continue;
    units = Math.max(units, e.demand.units ?? 0);
    multiplier = Math.max(multiplier, e.demand.multiplier ?? 1);
  }
  return { units, multiplier };
}

/**
 * The units each step needs: per rule `ceil((point + extra) × m / utilisation target)`, the largest over the
 * rules (each rule is a resource that can run out), where extra is the headroom's `point × (headroom − 1)`, at most
 * `maxBufferOfMeanPercent` % of the forecast's mean (`predictive.maxBufferOfMeanPercent`; null: no limit), m is the
 * multiplier of a known event in force (1 outside events), and at least a known event's `units`. Steps run from
 * the forecasts' start to `until`.
 */
export function neededCapacity(
  forecasts: readonly RuleForecast[],
  events: readonly PredictiveEvent[],
  until: Date,
  maxBufferOfMeanPercent: number | null = null,
): NeededCapacity {
  const first = forecasts[0]?.forecast;
  if (!first) throw new RangeError('neededCapacity needs at least one forecast');
  const { start, stepMinutes } = first;
  const steps = Math.max(0, Math.ceil((until.getTime() - start) / (stepMinutes * MINUTE)));
  const units: number[] = [];
  const extraAtMost = forecasts.map(({ forecast }) =>
    extraLoadAtMost(forecast.point, maxBufferOfMeanPercent),
  );
  const limited = forecasts.map(() => 0);
  const targets = forecasts.map(({ rule }) => utilisationTarget(rule));
  for (let i = 0; i < steps; i += 1) {
    const time = start + i * stepMinutes * MINUTE;
    const demand = eventDemand(events, time, stepMinutes * MINUTE);
    let need = demand.units;
    // By index, not a callback: without escape analysis (the backtest's) a callback per step was a closure and a
    // context for `need`, every step of every run.
    for (let r = 0; r < forecasts.length; r += 1) {
      const { forecast, headroom } = forecasts[r] as RuleForecast;
      const k = Math.round((time - forecast.start) / (forecast.stepMinutes * MINUTE));
      const point = forecast.point[k];
      if (point === undefined) continue;
      const extra = point * (headroom - 1);
      const atMost = extraAtMost[r] as number;
      if (extra > atMost) limited[r] = (limited[r] as number) + 1;
      const load = point + Math.min(extra, atMost);
      need = Math.max(need, unitsForLoad(load * demand.multiplier, targets[r] as number));
    }
    units.push(need);
  }
  const bufferLimited = forecasts.flatMap(({ rule }, r) =>
    (limited[r] as number) > 0
      ? [
          {
            rule: rule.name,
            steps: limited[r] as number,
            atMost: extraAtMost[r] as number,
            percentOfMean: maxBufferOfMeanPercent as number,
          },
        ]
      : [],
  );
  return {
    start: new Date(start),
    stepMinutes,
    units,
    ...(bufferLimited.length > 0 ? { bufferLimited } : {}),
  };
}

/**
 * The most load a headroom may add at any step of a forecast: `maxBufferOfMeanPercent` % of its mean
 * (`predictive.maxBufferOfMeanPercent`; null: no limit). A target's floors and a plan's are held to it alike.
 */
export function extraLoadAtMost(point: readonly number[], maxBufferOfMeanPercent: number | null): number {
  return maxBufferOfMeanPercent === null
    ? Number.POSITIVE_INFINITY
    : (meanOf(point) * maxBufferOfMeanPercent) / 100;
}

/**
 * The mean of a forecast's steps (below zero counted as zero): the level the headroom's extra load is limited by.
 * A headroom is a ratio measured on the last hours' forecasts; planned for at a peak several times the level (a
 * daily commute, a weekday rush) it would buy the peak's multiple of a quiet hour's miss.
 */
function meanOf(point: readonly number[]): number {
  let sum = 0;
  // By index: without escape analysis (the backtest's compiler settings) a for-of allocates a result per step.
  for (let i = 0; i < point.length; i += 1) sum += Math.max(0, point[i] as number);
  return point.length === 0 ? 0 : sum / point.length;
}

/** Only the known events' `units` (no forecast: declined or untrusted), from `start` to `until`. */
export function eventOnlyCapacity(
  events: readonly PredictiveEvent[],
  start: Date,
  stepMinutes: number,
  until: Date,
): NeededCapacity {
  const steps = Math.max(0, Math.ceil((until.getTime() - start.getTime()) / (stepMinutes * MINUTE)));
  // No known events (the usual case, asked every hour a forecast is missing): nothing to look up.
  const units =
    events.length === 0
      ? new Array<number>(steps).fill(0)
      : Array.from(
          { length: steps },
          (_, i) =>
            eventDemand(events, start.getTime() + i * stepMinutes * MINUTE, stepMinutes * MINUTE).units,
        );
  return { start, stepMinutes, units };
}

/** A history whose newest datapoint is older than this is not forecast from (a metric that stopped reporting). */
export const STALE_HISTORY_MINUTES = 120;

/** The predict function runs hourly: a run's floors reach the next run and the policy's horizon beyond it. */
export const RUN_EVERY_MINUTES = 60;
export function floorsUntil(now: Date, predictive: PredictivePolicy): Date {
  return new Date(now.getTime() + (RUN_EVERY_MINUTES + predictive.horizonMinutes) * MINUTE);
}

/**
 * How far a forecast from a history whose newest period starts at `newest` must reach: to the end of the floors
 * (`until`), and the lead beyond it (a floor at the end covers the need one lead later), with a step to spare.
 */
export function forecastHorizonMinutes(newest: number, until: Date, lead: number): number {
  return Math.max(5, Math.ceil((until.getTime() - newest) / MINUTE + lead / 60) + 5);
}

/** How early a target's floor must start before the need: its warm-up or provisioning delay. */
export function leadSeconds(target: Target, policy: PredictivePolicy): number {
  if (target.kind === 'asg') return target.instanceWarmupSeconds;
  return policy.provisioningMinutes[target.kind] * 60;
}

/**
 * The floor schedule the scalers honour: each step's floor is the most any step within the lead after it
 * needs (so capacity ordered at a rise is serving when the rise comes, and a fall waits for its own time),
 * and, with a hold, the most any step of the `holdMinutes` before it needed (a floor comes down only once its
 * need has stayed lower that long), capped at `max` (the policy's and the group's). Undefined when no step asks
 * for any unit.
 */
export function floorSchedule(
  needed: NeededCapacity,
  lead: number,
  max: number,
  madeAt: Date,
  source: string,
  holdMinutes = 0,
): FloorSchedule | undefined {
  const fine = finer(needed);
  const k = Math.ceil(lead / (fine.stepMinutes * 60));
  const hold = Math.ceil(holdMinutes / fine.stepMinutes);
  const need = fine.units;
  const units: number[] = new Array(need.length);
  let any = false;
  // Each step: the most of the steps from `hold` before it to the lead after it (loops, not slices: the backtest
  // asks this every simulated hour of 576 steps).
  for (let i = 0; i < need.length; i += 1) {
    let most = 0;
    const last = Math.min(need.length - 1, i + k);
    for (let j = Math.max(0, i - hold); j <= last; j += 1)
      if ((need[j] as number) > most) most = need[j] as number;
    const floor = Math.min(max, most);
    units[i] = floor;
    if (floor > 0) any = true;
  }
  if (!any) return undefined;
  return { start: fine.start, stepMinutes: fine.stepMinutes, units, madeAt, source };
}

/** The floors' finest step: a forecast at a coarser step is floored at this one. */
export const FLOOR_STEP_MINUTES = 5;

/**
 * The needs of a forecast coarser than 5 minutes (30-minute or hourly metrics) at 5 minutes, each step's need
 * held over its minutes: the floor then rises one lead before the next step's need, not a whole step before it.
 */
function finer(needed: NeededCapacity): NeededCapacity {
  const ratio = needed.stepMinutes / FLOOR_STEP_MINUTES;
  if (!Number.isInteger(ratio) || ratio <= 1) return needed;
  const units: number[] = new Array(needed.units.length * ratio);
  for (let i = 0; i < units.length; i += 1) units[i] = needed.units[Math.floor(i / ratio)] as number;
  return { start: needed.start, stepMinutes: FLOOR_STEP_MINUTES, units };
}

/** The names of the known events whose window overlaps [from, until), for messages. */
export function eventsNear(events: readonly PredictiveEvent[], from: Date, until: Date): string[] {
  return events
    .filter((e) => Date.parse(e.start) < until.getTime() && Date.parse(e.end) > from.getTime())
    .map((e) => e.name);
}
