import { floorHeadroom, measuredHeadroom } from '../decision/floorSizing';
import { floorAt } from '../decision/floors';
import { floorsSource } from '../decision/floorsSource';
import {
  eventOnlyCapacity,
  eventsFor,
  floorsUntil,
  leadSeconds,
  neededCapacity,
} from '../decision/forecastFloors';
import type { FloorSchedule } from '../decision/types';
import type { LoadForecast, LoadHistory } from '../forecast/types';
import { PREDICTIVE_DEFAULTS } from '../policy/predictiveDefaults';
import type { PredictivePolicy, Target } from '../policy/schema';
import { defaultKnobs, type FloorKnobs } from '../tune/chooseFloorKnobs';
import { type ForecastRun, keptRuns } from '../tune/forecastRuns';
import { tunedKnobs, tunedRule } from '../tune/tunedKnobs';
import { floorsReadBefore } from './floorsReadBefore';
import { historyBefore } from './historyBefore';
import { type PredictRun, predictRunsFor, type RuleHeadroom } from './PredictRuns';

/**
 * Predictive floors in the backtest, exactly as the predict function makes them: every hour the previous
 * forecasts scored against what happened since (trust against seasonal-naive, and the headroom's calibration),
 * a forecast of the load from the history before that instant, and the floors from the same `neededCapacity`,
 * `eventOnlyCapacity` and `floorSchedule` (point × headroom at each rule's utilisation target, raised by the
 * policy's known events, each step covering the warm-up or provisioning delay). An untrusted or declined
 * forecast leaves only the known events' floors, as in the function.
 */
export interface FloorSettings {
  /** The policy's `predictive` section: buffer, horizon, provisioning delays. */
  readonly predictive: PredictivePolicy;
  /** History read for each forecast (the policy's `predictive.lookbackDays`). */
  readonly lookbackMinutes: number;
  /** The step the history is read at (a metric period): coarser is faster. */
  readonly stepMinutes: number;
}

/** The policy's predictive section with its defaults (the seeds' 30% buffer), 14 days read at 5 minutes. */
export const defaultFloorSettings: FloorSettings = floorSettingsFor(PREDICTIVE_DEFAULTS);

/** Floor settings from a policy's predictive section: history over its lookback, read at 5 minutes. */
export function floorSettingsFor(predictive: PredictivePolicy): FloorSettings {
  return { predictive, lookbackMinutes: predictive.lookbackDays * 1440, stepMinutes: 5 };
}

/**
 * The floors the backtest runs: the forecast read at the trace's own step when it is 5 minutes or coarser
 * (a CloudWatch period of that length; faster), else at 5 minutes.
 */
export function benchFloorSettings(traceStepMinutes: number, predictive?: PredictivePolicy): FloorSettings {
  const steps = [5, 10, 15, 20, 30, 60];
  const settings = predictive ? floorSettingsFor(predictive) : defaultFloorSettings;
  return { ...settings, stepMinutes: steps.includes(traceStepMinutes) ? traceStepMinutes : 5 };
}

/** What a floor needs to know of the resource: a unit's capacity (the load at 100%), its range. */
export interface FloorResource {
  readonly unitCapacity: number;
  readonly max: number;
}

/** A forecast of the load in the rules' unit: percent of one unit's capacity. */
function inPercentOfUnit(forecast: LoadForecast, unitCapacity: number): LoadForecast {
  const scale = 100 / unitCapacity;
  return {
    ...forecast,
    point: forecast.point.map((v) => v * scale),
    upper: forecast.upper.map((v) => v * scale),
  };
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** A run's forecast as the charts read it: from its minute, over its floors' span. */
interface ChartedRun {
  readonly minute: number;
  readonly span: number;
  readonly point: readonly number[] | undefined;
  readonly headroom: number;
}

/**
 * The predict function in the backtest, for one target: at the first minute and at each new clock hour after it
 * (the function's hourly schedule) a run (PredictRuns.ts: trust, headroom, forecast from the load before that
 * minute), turned into this target's floors as the function turns it; `floorAt` gives the floor in force at each
 * minute, as the scalers read it. `load(j)` is only ever asked for minutes before the current one.
 */
export function floorPlanner(
  settings: FloorSettings,
  target: Target,
  resource: FloorResource,
  minutes: number,
  /** The replayed series, as the runs' cache key (every kind and row on the same series shares them). */
  series?: object,
) {
  /**
   * The runs whose forecast is charted, oldest first: a minute shows the newest run whose forecast reaches it
   * (read when the minute is asked, not written ahead over the 48 h each run reaches).
   */
  const charted: ChartedRun[] = [];
  const lead = leadSeconds(target, settings.predictive);
  const events = eventsFor(settings.predictive, target);
  let runs: ReturnType<typeof predictRunsFor> | undefined;
  let schedule: FloorSchedule | undefined;
  let lastRunHour = Number.NEGATIVE_INFINITY;
  const inForce = new InForce();
  let lastSchedule: FloorSchedule | undefined;
  let lastStep = Number.NaN;
  let lastFloor: ReturnType<typeof floorAt>;
  const at = new Date(0);
  const planning: RunPlanning = {
    settings,
    resource,
    lead,
    events,
    tuning: walkForward(settings, target, resource),
    ownRules: new Map(target.rules.map((rule) => [rule.name, rule])),
  };
  return {
    /** Runs the hourly predict when one is due; returns the floor in force at minute m. */
    at(m: number, now: number, load: (j: number) => number): { units: number; source: string } | undefined {
      const hour = Math.floor(now / HOUR);
      if (hour > lastRunHour) {
        lastRunHour = hour;
        runs ??= predictRunsFor(series, now - m * MINUTE, settings, target.rules, minutes, lead);
        const made = runFloors(planning, runs.at(m, now, load), m, now, load);
        schedule = made.schedule;
        charted.push(made.charted);
      }
      // The floor in force changes with the schedule's step: the same answer is given again until then.
      const step = schedule
        ? Math.floor((now - schedule.start.getTime()) / (schedule.stepMinutes * MINUTE))
        : Number.NaN;
      if (schedule !== lastSchedule || step !== lastStep) {
        lastSchedule = schedule;
        lastStep = step;
        // A Date set only here: setTime is a call into the runtime, and the step changes every 5 minutes or more.
        at.setTime(now);
        lastFloor = floorAt(schedule, at);
      }
      return lastFloor;
    },
    /** The knobs walk-forward tuning chose at the last run (the defaults while it is off), for tests and tools. */
    knobs: (): FloorKnobs => planning.tuning?.knobs ?? defaultKnobs(settings.predictive.tuning),
    /** The forecast in force at minute m and the load its floors planned for (NaN: none); read it at once. */
    forecastAt(m: number): { readonly value: number; readonly upper: number } {
      // One object, rewritten each ask (read at once by the engine, every minute).
      inForce.value = Number.NaN;
      inForce.upper = Number.NaN;
      for (let r = charted.length - 1; r >= 0 && m < minutes; r -= 1) {
        const run = charted[r] as ChartedRun;
        const t = m - run.minute;
        if (t < 0 || t >= run.span) continue;
        const point = run.point
          ? (run.point[Math.floor(t / settings.stepMinutes)] ?? Number.NaN)
          : Number.NaN;
        inForce.value = point;
        inForce.upper = point * run.headroom;
        break;
      }
      return inForce;
    },
  };
}

/**
 * The forecast in force at a minute, rewritten each ask. A class: its number fields are written in place, where an
 * object literal's allocated a number at each write (two a minute; the backtest runs without escape analysis).
 */
class InForce {
  value = Number.NaN;
  upper = Number.NaN;
}

/** What every run of one target's planner reads besides the run: its settings, resource, lead, events, tuning. */
interface RunPlanning {
  readonly settings: FloorSettings;
  readonly resource: FloorResource;
  readonly lead: number;
  readonly events: ReturnType<typeof eventsFor>;
  readonly tuning: ReturnType<typeof walkForward>;
  /** The target's own rules by name (the runs are shared by targets whose rules have the same names). */
  readonly ownRules: ReadonlyMap<string, Target['rules'][number]>;
}

/**
 * One run's floors as the function turns a run into floors (walk-forward knobs, the headroom of each of the
 * target's own rules, the needs, the schedule), read until the next run replaces them; and what the chart shows.
 */
function runFloors(
  { settings, resource, lead, events, tuning, ownRules }: RunPlanning,
  run: PredictRun,
  m: number,
  now: number,
  load: (j: number) => number,
): { schedule: FloorSchedule | undefined; charted: ChartedRun } {
  const hour = Math.floor(now / HOUR);
  const at = new Date(now);
  const until = floorsUntil(at, settings.predictive);
  const knobs = tuning?.run(run, m, now, load, until.getTime() + lead * 1000);
  const shared = knobs ? (tuning?.headrooms(run, knobs) ?? run.headrooms) : run.headrooms;
  // The runs are shared by every target replaying the series with the same rules' names and periods: the
  // floors are sized at this target's own rules (their floorTarget), not at the first one's.
  const headrooms = shared.map((h) => ({ ...h, rule: ownRules.get(h.rule.name) ?? h.rule }));
  const floorsOn = knobs?.floors ?? true;
  const forecast = run.status === 'forecast' && floorsOn ? run.forecast : undefined;
  const inUnits =
    forecast &&
    headrooms.map(({ rule, headroom }) => ({
      rule,
      forecast: inPercentOfUnit(forecast, resource.unitCapacity),
      headroom,
    }));
  // The needs start at the forecast's first step, or (events only) at the 5 minutes the run falls in.
  const start = new Date(forecast ? forecast.start : Math.floor(now / (5 * MINUTE)) * 5 * MINUTE);
  const neededUntil = (to: Date) =>
    inUnits
      ? neededCapacity(inUnits, events, to, settings.predictive.maxBufferOfMeanPercent)
      : eventOnlyCapacity(events, start, 5, to);
  // Read until the next run replaces it (each floor the same as in the function's whole schedule).
  const schedule = floorsReadBefore(
    neededUntil,
    until,
    lead,
    resource.max,
    at,
    floorsSource({
      forecast,
      rules: headrooms.map(({ rule, headroom, measured }) => ({ name: rule.name, headroom, measured })),
      events,
      start,
      until,
    }),
    knobs?.holdMinutes ?? 0,
    (hour + 1) * HOUR,
  );
  // The chart's forecast and band: the forecast in force, while its floors are (the first rule's headroom).
  return {
    schedule,
    charted: {
      minute: m,
      span: (until.getTime() - now) / MINUTE,
      point: forecast?.point,
      headroom: headrooms[0]?.headroom ?? Number.NaN,
    },
  };
}

/**
 * Walk-forward tuning of one target's floor knobs in the backtest (`predictive.tuning`), as `predictTargets` does
 * it: at each run, before the run joins the record, `tunedKnobs` chooses from this target's past runs (kept as
 * the forecast track keeps them, `keptRuns`, in percent of a unit) and the history before the run; the headroom is
 * then the chosen quantile of the run's calibration. Undefined while tuning is off (the runs' own headrooms).
 */
function walkForward(settings: FloorSettings, target: Target, resource: FloorResource) {
  const { predictive } = settings;
  const { tuning } = predictive;
  const rule = tunedRule(target);
  if (!tuning.enabled || !rule) return undefined;
  let record: ForecastRun[] = [];
  const state = {
    knobs: defaultKnobs(tuning),
    /** This run's knobs, chosen on the record before it; then the run's forecast joins the record. */
    run(run: PredictRun, m: number, now: number, load: (j: number) => number, until: number): FloorKnobs {
      state.knobs = tunedKnobs({
        predictive,
        target,
        rule,
        runs: record,
        history: percentHistory(load, now - m * MINUTE, m, settings, resource.unitCapacity),
        max: resource.max,
        now,
      }).knobs;
      const made = run.forecast && inPercentOfUnit(run.forecast, resource.unitCapacity);
      record = keptRuns(
        record,
        made && { madeAt: now, start: made.start, stepMinutes: made.stepMinutes, point: made.point },
        now,
        until,
        tuning,
      );
      return state.knobs;
    },
    /** Each rule's headroom at the chosen quantile of its calibration. */
    headrooms(run: PredictRun, knobs: FloorKnobs): RuleHeadroom[] {
      return run.headrooms.map((h) => {
        const cal = run.calibration[h.rule.name] ?? [];
        const measured = measuredHeadroom(cal, h.rule.metric.periodSeconds / 60, knobs.headroomQuantile);
        return {
          rule: h.rule,
          headroom: floorHeadroom(measured, predictive.capacityBufferPercent, predictive.maxBufferPercent),
          measured: measured !== undefined,
        };
      });
    },
  };
  return state;
}

/** The load before minute m at the forecasts' step, in percent of one unit, over what walk-forward tuning reads. */
function percentHistory(
  load: (j: number) => number,
  start: number,
  m: number,
  settings: FloorSettings,
  unitCapacity: number,
): LoadHistory {
  const lookbackMinutes = (settings.predictive.tuning.windowHours + 7) * 60;
  const history = historyBefore(load, start, m, { lookbackMinutes, stepMinutes: settings.stepMinutes });
  return { times: history.times, values: history.values.map((v) => (v * 100) / unitCapacity) };
}
