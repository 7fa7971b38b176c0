import type { PointForecast } from '../floorSizing';
import { extraLoadAtMost, floorSchedule } from '../forecastFloors';
import type { FloorSchedule } from '../types';
import type { PlanModel } from './types';
import { wantedUnits } from './wantedUnits';

const MINUTE = 60_000;

/**
 * The plan's floors from one forecast of its demand: each step's demand × `headroom` (floorSizing.ts), its
 * extra load at most `maxBufferOfMeanPercent` % of the forecast's mean as a target's floors' (forecastFloors.ts),
 * turned into every member's units (wantedUnits.ts: ratios and ranges included), then shifted earlier by that
 * member's own lead time (floorSchedule: each step's floor is the most any step within the lead after it
 * needs), so the slowest tier's floor rises first and every tier serves when the demand arrives. Floors reach
 * `until`; the forecast is read past it, by the lead, so the last floors see the need they start early for.
 */
export function planFloorSchedules(
  model: PlanModel,
  forecast: PointForecast,
  headroom: number,
  until: Date,
  madeAt: Date,
  source: string,
  maxBufferOfMeanPercent: number | null = null,
): Map<string, FloorSchedule | undefined> {
  const perMember = new Map(model.members.map((m) => [m.name, [] as number[]]));
  const extraAtMost = extraLoadAtMost(forecast.point, maxBufferOfMeanPercent);
  for (const point of forecast.point) {
    const needs = wantedUnits(model, plannedDemand(Math.max(0, point), headroom, extraAtMost));
    for (const [name, units] of perMember) units.push(needs.get(name)?.wanted ?? 0);
  }
  // The floors' own steps (floorSchedule makes a coarser forecast's steps 5 minutes long): counted in the
  // forecast's steps, a 30-minute or hourly demand's floors ended a sixth or a twelfth of the way to `until`.
  const reach = (schedule: FloorSchedule) =>
    Math.max(0, Math.ceil((until.getTime() - forecast.start) / (schedule.stepMinutes * MINUTE) - 1e-9));
  const schedules = new Map<string, FloorSchedule | undefined>();
  for (const member of model.members) {
    const needed = {
      start: new Date(forecast.start),
      stepMinutes: forecast.stepMinutes,
      units: perMember.get(member.name) ?? [],
    };
    const schedule = floorSchedule(needed, member.leadMinutes * 60, member.max, madeAt, source);
    schedules.set(
      member.name,
      schedule ? { ...schedule, units: schedule.units.slice(0, reach(schedule)) } : undefined,
    );
  }
  return schedules;
}

/** The demand a step's floors plan for: the point × the headroom, its extra at most `extraAtMost`. */
export function plannedDemand(point: number, headroom: number, extraAtMost: number): number {
  const extra = point * (headroom - 1);
  return extra > extraAtMost ? point + extraAtMost : point * headroom;
}
