import {
  type CalibrationPoint,
  calibrate,
  floorHeadroom,
  measuredHeadroom,
  type PointForecast,
} from '../decision/floorSizing';
import { floorAt } from '../decision/floors';
import {
  floorSchedule,
  floorsUntil,
  forecastHorizonMinutes,
  leadSeconds,
  neededCapacity,
  unforecastable,
} from '../decision/forecastFloors';
import type { FloorSchedule } from '../decision/types';
import { forecastLoad } from '../forecast/forecastLoad';
import type { ForecastResult, LoadForecast, LoadHistory } from '../forecast/types';
import { type PredictivePolicy, PredictiveSchema, type Target } from '../policy/schema';
import { defaultKnobs, type FloorKnobs } from '../tune/chooseFloorKnobs';
import { type ForecastRun, keptRuns } from '../tune/forecastRuns';
import { tunedKnobs } from '../tune/tunedKnobs';

/**
 * Predictive floors in the backtest, exactly as the predict function makes them: every hour a forecast of the
 * load from the history before that instant, the previous forecast scored against what happened since (the
 * headroom's calibration), and the floors from the same `neededCapacity` and `floorSchedule` (floorSizing.ts:
 * point × headroom at each rule's utilisation target, each step covering the warm-up or provisioning delay).
 */
export interface FloorSettings {
  /** The policy's `predictive` section: buffer, horizon, provisioning delays. */
  readonly predictive: PredictivePolicy;
  /** The forecast's upper quantile (drawn as the band; the floors plan on point × headroom). */
  readonly quantile: number;
  /** History read for each forecast (the policy's `predictive.lookbackDays`). */
  readonly lookbackMinutes: number;
  /** The step the history is read at (a metric period): coarser is faster. */
  readonly stepMinutes: number;
}

/** The policy's predictive section with its defaults (the seeds' 30% buffer), 14 days read at 5 minutes. */
export const defaultFloorSettings: FloorSettings = floorSettingsFor(PredictiveSchema.parse({}));

/** Floor settings from a policy's predictive section: history over its lookback, read at 5 minutes. */
export function floorSettingsFor(predictive: PredictivePolicy): FloorSettings {
  return { predictive, quantile: 0.9, lookbackMinutes: predictive.lookbackDays * 1440, stepMinutes: 5 };
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

/**
 * The history before minute m (exclusive) at `stepMinutes`: each step the mean of its minutes, the newest step
 * ending at m, timestamps at step starts (as GetMetricData gives them). `load(j)` is only asked for j < m.
 */
export function historyBefore(
  load: (j: number) => number,
  start: number,
  m: number,
  settings: Pick<FloorSettings, 'lookbackMinutes' | 'stepMinutes'>,
): LoadHistory {
  const k = settings.stepMinutes;
  const steps = Math.floor(Math.min(m, settings.lookbackMinutes) / k);
  const times: number[] = [];
  const values: number[] = [];
  for (let i = steps; i >= 1; i -= 1) {
    const from = m - i * k;
    times.push(start + from * 60_000);
    values.push(stepMean(load, from, k));
  }
  return { times, values };
}

function stepMean(load: (j: number) => number, from: number, k: number): number {
  let sum = 0;
  for (let j = from; j < from + k; j += 1) sum += load(j);
  return sum / k;
}

/** The forecast a run at minute m makes, reading the load before m only, as far as the predict function's. */
export function forecastAt(
  load: (j: number) => number,
  start: number,
  m: number,
  settings: FloorSettings,
  lead: number,
): ForecastResult {
  const history = historyBefore(load, start, m, settings);
  const newest = history.times.at(-1) ?? start + m * 60_000;
  return forecastLoad(history, {
    stepMinutes: settings.stepMinutes,
    quantile: settings.quantile,
    horizonMinutes: forecastHorizonMinutes(
      newest,
      floorsUntil(new Date(start + m * 60_000), settings.predictive),
      lead,
    ),
  });
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

/**
 * The predict function in the backtest: every hour (from the first minute with a day of history) a forecast
 * from the load before that minute, turned into floors as the function turns it; `floorAt` gives the floor in
 * force at each minute. `load(j)` is only ever asked for minutes before the current one.
 */
export function floorPlanner(
  settings: FloorSettings,
  target: Target,
  resource: FloorResource,
  minutes: number,
  /** The replayed series, as the forecasts' cache key (runs on the same series share them). */
  series?: object,
) {
  const pointAt = new Float64Array(minutes).fill(Number.NaN);
  /** The load the floors planned for at each minute (the upper band the charts draw). */
  const upperAt = new Float64Array(minutes).fill(Number.NaN);
  const rules = target.rules.filter((r) => unforecastable(r) === undefined);
  const lead = leadSeconds(target, settings.predictive);
  let schedule: FloorSchedule | undefined;
  let lastRunHour = Number.NEGATIVE_INFINITY;
  let previous: PointForecast | undefined;
  let calibration: CalibrationPoint[] = [];
  const { tuning } = settings.predictive;
  let runs: ForecastRun[] = [];
  let knobs: FloorKnobs = defaultKnobs(tuning);
  /** The predict function's hourly run at minute m: score the last forecast, tune, forecast, write the floors. */
  const hourlyRun = (m: number, now: number, load: (j: number) => number) => {
    const start = now - m * 60_000;
    const k = settings.stepMinutes;
    // The forecast in force until now, scored on its steps that have ended (minutes before m only).
    if (previous) {
      const from = (previous.start - start) / 60_000;
      const times: number[] = [];
      const values: number[] = [];
      for (let j = Math.max(0, from); j < m; j += 1) {
        times.push(start + j * 60_000);
        values.push(load(j));
      }
      calibration = calibrate(
        calibration,
        previous,
        { times, values, periodMinutes: 1 },
        previous.start - 1,
        now,
      );
    }
    const made = cachedForecast(series, load, start, m, settings, lead);
    const until = floorsUntil(new Date(now), settings.predictive);
    // The knobs from this target's own past runs (walk-forward), before this run joins them.
    knobs = tunedKnobs({
      predictive: settings.predictive,
      target,
      rule: rules[0] as Target['rules'][number],
      runs,
      history: tuning.enabled
        ? percentHistory(load, start, m, settings, resource.unitCapacity)
        : { times: [], values: [] },
      max: resource.max,
      now,
    }).knobs;
    if (made.status !== 'forecast') {
      runs = keptRuns(runs, undefined, now, now, tuning);
      return;
    }
    previous = made;
    const headroom = floorHeadroom(
      measuredHeadroom(calibration, 1, knobs.headroomQuantile),
      settings.predictive.capacityBufferPercent,
    );
    const forecast = inPercentOfUnit(made, resource.unitCapacity);
    const needed = neededCapacity(
      rules.map((rule) => ({ rule, forecast, headroom })),
      [],
      until,
    );
    schedule = knobs.floors
      ? floorSchedule(needed, lead, resource.max, new Date(now), made.message, knobs.holdMinutes)
      : undefined;
    const run = { madeAt: now, start: forecast.start, stepMinutes: k, point: forecast.point };
    runs = keptRuns(runs, run, now, until.getTime() + lead * 1000, tuning);
    for (let t = 0; t < (until.getTime() - now) / 60_000 && m + t < minutes; t += 1) {
      const point = made.point[Math.floor(t / k)] ?? Number.NaN;
      pointAt[m + t] = point;
      upperAt[m + t] = point * headroom;
    }
  };
  return {
    /** Runs the hourly forecast when one is due; returns the floor in force at minute m. */
    at(m: number, now: number, load: (j: number) => number): { units: number; source: string } | undefined {
      const hour = Math.floor(now / 3_600_000);
      if (hour > lastRunHour && m >= FIRST_FORECAST_MINUTE && rules.length > 0) {
        lastRunHour = hour;
        hourlyRun(m, now, load);
      }
      return floorAt(schedule, new Date(now));
    },
    /** The knobs the last run chose (walk-forward tuning), for the charts and tests. */
    knobs: () => knobs,
    /** The forecast in force at minute m and the load its floors planned for (NaN: none). */
    forecastAt(m: number): { value: number; upper: number } {
      return { value: pointAt[m] ?? Number.NaN, upper: upperAt[m] ?? Number.NaN };
    },
  };
}

/** The load before minute m at the forecasts' step, in percent of one unit, over what walk-forward tuning reads. */
function percentHistory(
  load: (j: number) => number,
  start: number,
  m: number,
  settings: FloorSettings,
  unitCapacity: number,
): LoadHistory {
  const { tuning } = settings.predictive;
  const lookbackMinutes = (tuning.windowHours + 7) * 60;
  const history = historyBefore(load, start, m, { lookbackMinutes, stepMinutes: settings.stepMinutes });
  return { times: history.times, values: history.values.map((v) => (v * 100) / unitCapacity) };
}

/** A forecast needs a day of history. */
export const FIRST_FORECAST_MINUTE = 1440;

/**
 * Forecasts by series, settings and minute: every kind replays the same trace, so each hourly forecast is made
 * once per trace. The series is only the cache's key (its identity); the forecast reads `load(j)`, j < m.
 */
const forecasts = new WeakMap<object, Map<string, ForecastResult>>();
function cachedForecast(
  series: object | undefined,
  load: (j: number) => number,
  start: number,
  m: number,
  settings: FloorSettings,
  lead: number,
): ForecastResult {
  if (!series) return forecastAt(load, start, m, settings, lead);
  let bySeries = forecasts.get(series);
  if (!bySeries) {
    bySeries = new Map();
    forecasts.set(series, bySeries);
  }
  const key = `${start} ${m} ${settings.quantile} ${settings.lookbackMinutes} ${settings.stepMinutes} ${settings.predictive.horizonMinutes} ${lead}`;
  let made = bySeries.get(key);
  if (!made) {
    made = forecastAt(load, start, m, settings, lead);
    bySeries.set(key, made);
  }
  return made;
}
