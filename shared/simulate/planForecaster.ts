import {
  type CalibrationPoint,
  calibrate,
  floorHeadroom,
  measuredHeadroom,
  type PointForecast,
} from '../decision/floorSizing';
import { floorAt } from '../decision/floors';
import { extraLoadAtMost, floorsUntil, forecastHorizonMinutes } from '../decision/forecastFloors';
import {
  type ForecastTrack,
  judgedTrack,
  judgeTrack,
  KEPT_STEPS,
  trackedSteps,
} from '../decision/forecastTrust';
import { planFloorSchedules, plannedDemand } from '../decision/plans/planFloorSchedules';
import type { PlanModel } from '../decision/plans/types';
import type { FloorSchedule } from '../decision/types';
import type { ForecastResult } from '../forecast/types';
import type { FloorSettings } from './predictive';
import { SeriesForecasts } from './SeriesForecasts';

/** The first run with a day of history (the forecaster declines with less). */
const FIRST_FORECAST_MINUTE = 1440;

/**
 * The plan's predict run in the backtest, as `floorPlanner` is a target's and `predictPlans` the function's:
 * every hour (from the first minute with a day of history) a forecast of the demand from the demand before that
 * minute only, the previous forecasts scored against what came since (the headroom's calibration, and trust
 * against seasonal-naive: an untrusted forecast writes no floors, as the function's `ForecastUntrusted`), and
 * each member's floors from `planFloorSchedules`: the demand × headroom in the member's units, shifted by its
 * own lead time. A run without floors (declined, untrusted) removes the earlier ones, as the function does.
 */
export function planForecaster(
  settings: FloorSettings,
  model: PlanModel,
  minutes: number,
  /** The replayed demand, as the forecasts' cache key (runs of one plan on one series share them). */
  series?: object,
) {
  const pointAt = new Float64Array(minutes).fill(Number.NaN);
  const upperAt = new Float64Array(minutes).fill(Number.NaN);
  // The forecast reaches the floors' end plus the longest lead, so the slowest member's last floors see it.
  const lead = Math.max(0, ...model.members.map((m) => m.leadMinutes)) * 60;
  let schedules = new Map<string, FloorSchedule | undefined>();
  let lastRunHour = Number.NEGATIVE_INFINITY;
  let previous: PointForecast | undefined;
  let calibration: CalibrationPoint[] = [];
  let track: ForecastTrack | undefined;
  let trusted = true;
  return {
    /** Runs the hourly forecast when one is due; returns each member's plan floor in force at minute m. */
    at(m: number, now: number, demand: (j: number) => number) {
      const hour = Math.floor(now / 3_600_000);
      if (hour > lastRunHour && m >= FIRST_FORECAST_MINUTE) {
        lastRunHour = hour;
        const start = now - m * 60_000;
        if (previous) calibration = calibratedSince(calibration, previous, start, m, now, demand);
        const history = seriesForecasts(series, start, settings, minutes);
        const judged = trust(track, history, m, now, demand, settings);
        const { verdict } = judged;
        const made = cachedForecast(history, demand, m, now, settings, lead);
        const until = floorsUntil(new Date(now), settings.predictive);
        track = nextTrack(track, judged, made, history.seasonalNaiveScale(m, demand), now, until, lead);
        trusted = verdict.trusted;
        schedules = new Map();
        if (made.status === 'forecast') {
          previous = made;
          const { capacityBufferPercent, maxBufferPercent, maxBufferOfMeanPercent } = settings.predictive;
          const headroom = floorHeadroom(
            measuredHeadroom(calibration, 1, model.headroomQuantile),
            capacityBufferPercent,
            maxBufferPercent,
          );
          if (verdict.trusted)
            schedules = planFloorSchedules(
              model,
              made,
              headroom,
              until,
              new Date(now),
              made.message,
              maxBufferOfMeanPercent,
            );
          const extraAtMost = extraLoadAtMost(made.point, maxBufferOfMeanPercent);
          const k = settings.stepMinutes;
          for (let t = 0; t < (until.getTime() - now) / 60_000 && m + t < minutes; t += 1) {
            const point = made.point[Math.floor(t / k)] ?? Number.NaN;
            pointAt[m + t] = point;
            upperAt[m + t] = verdict.trusted ? plannedDemand(point, headroom, extraAtMost) : Number.NaN;
          }
        }
      }
      const at = new Date(now);
      return new Map(model.members.map((member) => [member.name, floorAt(schedules.get(member.name), at)]));
    },
    /** Whether the last run's forecast was trusted (its floors in force). */
    trusted: () => trusted,
    /** The demand forecast in force at minute m and the demand its floors planned for (NaN: none). */
    forecastAt(m: number): { value: number; upper: number } {
      return { value: pointAt[m] ?? Number.NaN, upper: upperAt[m] ?? Number.NaN };
    },
  };
}

/** The headroom's record with the previous forecast scored against the demand that came since (before m). */
function calibratedSince(
  calibration: CalibrationPoint[],
  previous: PointForecast,
  start: number,
  m: number,
  now: number,
  demand: (j: number) => number,
): CalibrationPoint[] {
  const from = (previous.start - start) / 60_000;
  const times: number[] = [];
  const values: number[] = [];
  for (let j = Math.max(0, from); j < m; j += 1) {
    times.push(start + j * 60_000);
    values.push(demand(j));
  }
  return calibrate(calibration, previous, { times, values, periodMinutes: 1 }, previous.start - 1, now);
}

/** The plan's demand forecasts are scored under this name (one series: the demand). */
const DEMAND = 'demand';

/**
 * The demand's forecasts, one SeriesForecasts per series and read settings (as the single-kind backtest's
 * predict runs have theirs): a run reads the demand before its minute only, and every run of a plan on one
 * series (the bench scores several holds) shares them.
 */
const forecasts = new WeakMap<object, Map<string, SeriesForecasts>>();
function seriesForecasts(
  series: object | undefined,
  start: number,
  settings: FloorSettings,
  minutes: number,
): SeriesForecasts {
  const read = { lookbackMinutes: settings.lookbackMinutes, stepMinutes: settings.stepMinutes };
  const key = `${start} ${minutes} ${read.lookbackMinutes} ${read.stepMinutes}`;
  let bySeries = series ? forecasts.get(series) : undefined;
  if (series && !bySeries) {
    bySeries = new Map();
    forecasts.set(series, bySeries);
  }
  let history = bySeries?.get(key);
  if (!history) {
    history = new SeriesForecasts(read, start, minutes);
    bySeries?.set(key, history);
  }
  return history;
}

function cachedForecast(
  history: SeriesForecasts,
  demand: (j: number) => number,
  m: number,
  now: number,
  settings: FloorSettings,
  lead: number,
): ForecastResult {
  const newest = history.newest(m, demand) ?? now;
  return history.forecast(
    m,
    demand,
    forecastHorizonMinutes(newest, floorsUntil(new Date(now), settings.predictive), lead),
  );
}

/** The verdict on the plan's earlier forecasts, scored as predictPlans scores them (the demand before m). */
function trust(
  track: ForecastTrack | undefined,
  history: SeriesForecasts,
  m: number,
  now: number,
  demand: (j: number) => number,
  settings: FloorSettings,
) {
  const actual = (_rule: string, time: number) => history.actual(m, demand, time);
  return judgeTrack(track, actual, new Date(now), settings.predictive.trustMaseRatio);
}

/** The track this run leaves for the next: its forecast over the floors' span, those still in flight, the scores. */
function nextTrack(
  track: ForecastTrack | undefined,
  judged: ReturnType<typeof trust>,
  made: ForecastResult,
  /** The MASE scale of the history it was made from. */
  scale: number,
  now: number,
  until: Date,
  lead: number,
): ForecastTrack {
  const kept =
    made.status === 'forecast'
      ? [
          {
            rule: DEMAND,
            start: made.start,
            stepMinutes: made.stepMinutes,
            point: made.point.slice(0, Math.min(KEPT_STEPS, trackedSteps(made, until, lead))),
            scale,
          },
        ]
      : [];
  return {
    madeAt: now,
    forecasts: kept,
    ...judgedTrack(track, judged, new Date(now)),
  };
}
