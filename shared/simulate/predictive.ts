import { floorAt } from '../decision/floors';
import { ceilUnits } from '../decision/ruleRecommendation';
import type { FloorSchedule } from '../decision/types';
import { forecastLoad } from '../forecast/forecastLoad';
import type { ForecastResult, LoadForecast, LoadHistory } from '../forecast/types';

/**
 * Predictive floors in the backtest, as the predict function makes them: every hour a forecast of the load
 * from the history before that instant, its upper quantile turned into units (with the buffer, at a
 * utilisation below the reactive target), each minute's floor covering the next D minutes so capacity
 * ordered now serves when the load comes.
 */
export interface FloorSettings {
  /** The policy's `predictive.capacityBufferPercent`: extra capacity on top of the upper forecast. */
  readonly bufferPercent: number;
  /** The utilisation of a unit the floor plans for (a fraction; below the reactive target). */
  readonly utilisation: number;
  /** The forecast's upper quantile. */
  readonly quantile: number;
  /** History read for each forecast (the policy's `predictive.lookbackDays`). */
  readonly lookbackMinutes: number;
  /** The step the history is read at (a metric period): coarser is faster. */
  readonly stepMinutes: number;
  /** How long each run's floors last: until the next hourly run, with a margin should one be late. */
  readonly validMinutes: number;
  /**
   * Headroom that follows the load's recent volatility: this quantile of actual ÷ forecast over the last
   * `headroomWindowMinutes` of earlier runs' forecasts scales the point forecast (never below 1). Until a
   * day of them exists, the forecaster's own upper quantile stands in.
   */
  readonly headroomQuantile: number;
  readonly headroomWindowMinutes: number;
}

/**
 * The backtest's floors (tuned over the kinds of load of the shared traces, the same for every kind and trace):
 * the point forecast times the 95th percentile of actual ÷ forecast over the last 12 hours, at 85% of a unit.
 * A higher quantile buys fewer overload minutes at a cost that grows fastest on noisy loads (request counts,
 * social volume); a longer window keeps yesterday's volatility after the load has calmed down.
 */
export const defaultFloorSettings: FloorSettings = {
  bufferPercent: 0,
  utilisation: 0.85,
  quantile: 0.9,
  lookbackMinutes: 14 * 1440,
  stepMinutes: 5,
  validMinutes: 90,
  headroomQuantile: 0.95,
  headroomWindowMinutes: 720,
};

/**
 * The floors the backtest runs: the forecast read at the trace's own step when it is 5 minutes or coarser
 * (a CloudWatch period of that length; faster), else at 5 minutes.
 */
export function benchFloorSettings(traceStepMinutes: number): FloorSettings {
  const steps = [5, 10, 15, 20, 30, 60];
  return {
    ...defaultFloorSettings,
    stepMinutes: steps.includes(traceStepMinutes) ? traceStepMinutes : 5,
  };
}

/** What a floor needs to know of the resource: a unit's capacity, its provisioning delay, its range. */
export interface FloorResource {
  readonly unitCapacity: number;
  readonly delayMinutes: number;
  readonly min: number;
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
    let sum = 0;
    for (let j = from; j < from + k; j += 1) sum += load(j);
    times.push(start + from * 60_000);
    values.push(sum / k);
  }
  return { times, values };
}

/** The forecast a run at minute m makes, reading the load before m only. */
export function forecastAt(
  load: (j: number) => number,
  start: number,
  m: number,
  settings: FloorSettings,
): ForecastResult {
  const history = historyBefore(load, start, m, settings);
  return forecastLoad(history, {
    stepMinutes: settings.stepMinutes,
    quantile: settings.quantile,
    horizonMinutes: settings.validMinutes + 60,
  });
}

/**
 * The floors of one forecast, one per minute from the forecast's start for `validMinutes`: the units the upper
 * forecast needs at `utilisation` with the buffer, the most over the minutes [t, t + D] (ordered at t, a unit
 * serves from t + D; until then what is already serving must carry the load), within the range.
 */
export function floorsFromForecast(
  forecast: LoadForecast,
  resource: FloorResource,
  settings: FloorSettings,
  headroom?: number,
): FloorSchedule {
  const k = forecast.stepMinutes;
  const per = resource.unitCapacity * settings.utilisation;
  const buffer = 1 + settings.bufferPercent / 100;
  const needAt = (minute: number) => {
    const i = Math.floor(minute / k);
    const v = headroom === undefined ? forecast.upper[i] : (forecast.point[i] ?? 0) * headroom;
    return v === undefined ? 0 : ceilUnits((v * buffer) / per);
  };
  const units: number[] = [];
  for (let t = 0; t < settings.validMinutes; t += 1) {
    let need = 0;
    for (let s = t; s <= t + resource.delayMinutes; s += 1) need = Math.max(need, needAt(s));
    units.push(Math.min(resource.max, Math.max(resource.min, need)));
  }
  return {
    start: new Date(forecast.start),
    stepMinutes: 1,
    units,
    madeAt: new Date(forecast.start),
    source: forecast.message,
  };
}

/** 12 hours of minutes: the least calibration the volatility headroom is computed from. */
const MIN_CALIBRATION_MINUTES = 720;

/**
 * The predict function in the backtest: every hour (from the first minute with a day of history) a forecast
 * from the load before that minute, turned into floors; `floorAt` gives the floor in force at each minute.
 * `load(j)` is only ever asked for minutes before the current one.
 */
export function floorPlanner(
  settings: FloorSettings,
  resource: FloorResource,
  minutes: number,
  /** The replayed series, as the forecasts' cache key (runs on the same series share them). */
  series?: object,
) {
  const pointAt = new Float64Array(minutes).fill(Number.NaN);
  /** The load the floors planned for at each minute (the upper band the charts draw). */
  const upperAt = new Float64Array(minutes).fill(Number.NaN);
  let schedule: FloorSchedule | undefined;
  let lastRunHour = Number.NEGATIVE_INFINITY;
  const ratios: number[] = [];
  return {
    /** Runs the hourly forecast when one is due; returns the floor in force at minute m. */
    at(m: number, now: number, load: (j: number) => number): { units: number; source: string } | undefined {
      const hour = Math.floor(now / 3_600_000);
      if (hour > lastRunHour && m >= FIRST_FORECAST_MINUTE) {
        lastRunHour = hour;
        const start = now - m * 60_000;
        const made = cachedForecast(series, load, start, m, settings);
        if (made.status === 'forecast') {
          const headroom = headroomAt(m, load);
          schedule = floorsFromForecast(made, resource, settings, headroom);
          const k = made.stepMinutes;
          for (let t = 0; t < settings.validMinutes && m + t < minutes; t += 1) {
            const i = Math.floor(t / k);
            const point = made.point[i] ?? Number.NaN;
            pointAt[m + t] = point;
            upperAt[m + t] = headroom === undefined ? (made.upper[i] ?? Number.NaN) : point * headroom;
          }
        }
      }
      return floorAt(schedule, new Date(now));
    },
    /** The forecast in force at minute m and the load its floors planned for (NaN: none). */
    forecastAt(m: number): { value: number; upper: number } {
      return { value: pointAt[m] ?? Number.NaN, upper: upperAt[m] ?? Number.NaN };
    },
  };
  /** The quantile of actual ÷ forecast over the window before m (undefined: too little to say). */
  function headroomAt(m: number, load: (j: number) => number): number | undefined {
    ratios.length = 0;
    for (let j = Math.max(0, m - settings.headroomWindowMinutes); j < m; j += 1) {
      const p = pointAt[j] as number;
      if (p > 0) ratios.push(load(j) / p);
    }
    if (ratios.length < MIN_CALIBRATION_MINUTES) return undefined;
    ratios.sort((a, b) => a - b);
    const q = ratios[
      Math.min(ratios.length - 1, Math.floor(settings.headroomQuantile * ratios.length))
    ] as number;
    return Math.max(1, q);
  }
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
): ForecastResult {
  if (!series) return forecastAt(load, start, m, settings);
  let bySeries = forecasts.get(series);
  if (!bySeries) {
    bySeries = new Map();
    forecasts.set(series, bySeries);
  }
  const key = `${start} ${m} ${settings.quantile} ${settings.lookbackMinutes} ${settings.stepMinutes} ${settings.validMinutes}`;
  let made = bySeries.get(key);
  if (!made) {
    made = forecastAt(load, start, m, settings);
    bySeries.set(key, made);
  }
  return made;
}
