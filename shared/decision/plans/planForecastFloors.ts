import { forecastLoad } from '../../forecast/forecastLoad';
import type { LoadForecast, LoadHistory } from '../../forecast/types';
import { forecastHorizonMinutes } from '../forecastFloors';
import type { FloorSchedule, MetricReading } from '../types';
import { higherFloors } from './higherFloors';
import { planFloorSchedules } from './planFloorSchedules';
import type { PlanModel } from './types';

/** Predict reads a plan's demand at 5 minutes, as it reads a target's load. */
export const PLAN_HISTORY_STEP_MINUTES = 5;

/**
 * A plan's demand history from its metric read at a longer `periodSeconds` than the metric's own (pure), in the
 * unit the walk reads the demand in (its statistic at the metric's own period), as the plan's `unitsPerDemand`
 * reads it: a `Sum` (a load balancer's `RequestCount`) read as the period's sum and spread back over the metric's
 * periods in it (requests a minute); an `Average` read as `Sum ÷ SampleCount`; any other statistic (`Maximum`,
 * a percentile) read as itself at the longer period. A period nothing reported in is a gap, not a zero.
 */
export function demandHistory(
  read: readonly MetricReading[],
  sampleCount: readonly MetricReading[],
  periodSeconds: number,
  metricPeriodSeconds: number,
  statistic: string,
): LoadHistory {
  const perPeriod = periodSeconds / metricPeriodSeconds;
  const counts = new Map(sampleCount.map((p) => [p.timestamp.getTime(), p.value]));
  const times: number[] = [];
  const values: number[] = [];
  for (const p of [...read].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime())) {
    const count = counts.get(p.timestamp.getTime());
    if (count === undefined || !(count > 0)) continue;
    times.push(p.timestamp.getTime());
    values.push(
      statistic === 'Sum' ? p.value / perPeriod : statistic === 'Average' ? p.value / count : p.value,
    );
  }
  return { times, values };
}

/** The statistic predict reads a demand metric's history with, for demandHistory: an Average is read as its Sum. */
export const historyStatistic = (statistic: string) => (statistic === 'Average' ? 'Sum' : statistic);

/** The plan's floors from its demand's history, or why there are none (the members keep their own). */
export type PlanForecastOutcome =
  | {
      readonly status: 'forecast';
      readonly forecast: LoadForecast;
      /** Per member, already shifted earlier by its own lead time (planFloorSchedules.ts). */
      readonly schedules: ReadonlyMap<string, FloorSchedule | undefined>;
    }
  | { readonly status: 'declined'; readonly why: string };

/**
 * One predict run of a plan (pure): the demand forecast far enough ahead for the floors' end plus the slowest
 * member's lead, times `headroom` (its extra load limited as a target's floors'), in every member's units, each member's floors started its own lead time
 * early. Declines when the forecaster does (under a day of history, too many gaps) or the history stopped
 * `staleMinutes` ago: a forecast from it would be stale.
 */
export function planForecastFloors(input: {
  readonly model: PlanModel;
  readonly history: LoadHistory;
  readonly headroom: number;
  /** The limit on the headroom's extra load (`predictive.maxBufferOfMeanPercent`; null: none). */
  readonly maxBufferOfMeanPercent: number | null;
  readonly now: Date;
  readonly until: Date;
  readonly staleMinutes: number;
}): PlanForecastOutcome {
  const { model, history, now, until } = input;
  const newest = history.times.at(-1);
  if (newest !== undefined && newest < now.getTime() - input.staleMinutes * 60_000)
    return {
      status: 'declined',
      why: `plan ${model.name}: no demand datapoint since ${new Date(newest).toISOString()}, over ${input.staleMinutes / 60} h ago`,
    };
  const slowest = Math.max(0, ...model.members.map((m) => m.leadMinutes)) * 60;
  const forecast = forecastLoad(history, {
    horizonMinutes: forecastHorizonMinutes(newest ?? until.getTime(), until, slowest),
    stepMinutes: PLAN_HISTORY_STEP_MINUTES,
  });
  if (forecast.status === 'declined')
    return { status: 'declined', why: `plan ${model.name}: ${forecast.reason}: ${forecast.message}` };
  const source = `plan ${model.name}: forecast of its demand (headroom ×${input.headroom.toFixed(2)}): ${forecast.message}`;
  return {
    status: 'forecast',
    forecast,
    schedules: planFloorSchedules(
      model,
      forecast,
      input.headroom,
      until,
      now,
      source,
      input.maxBufferOfMeanPercent,
    ),
  };
}

/**
 * A member's floors with its plan's (pure): the higher of the two at every step (higherFloors.ts), and whether
 * the plan's asked for more at their highest, so predict records the member's floors with reason
 * `PlanForecast` and the plan's source.
 */
export function withPlanFloors(
  own: FloorSchedule | undefined,
  plan: FloorSchedule | undefined,
): { readonly floors: FloorSchedule | undefined; readonly fromPlan: boolean } {
  const floors = higherFloors(own, plan);
  return { floors, fromPlan: plan !== undefined && floors?.source === plan.source };
}
