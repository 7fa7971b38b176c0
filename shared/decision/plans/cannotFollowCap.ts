import type { FloorSchedule } from '../types';
import { carriedDemand } from './carriedDemand';
import { formatDemand, plural } from './planText';
import type { PlanMemberState, PlanModel } from './types';
import { wantedUnits } from './wantedUnits';

/** The plan's floors held to what its members that cannot follow carry, and why (undefined: none holds it). */
export interface CannotFollowCap {
  /** The demand the plan's floors are sized for at most. */
  readonly demand: number;
  /** Each member's units for that demand. */
  readonly units: ReadonlyMap<string, number>;
  readonly why: string;
}

/**
 * What the plan's forecast floors may ask of its members while some cannot follow: a member recorded blocked
 * (refused, stuck, out of quota: the level it holds) or whose resource now takes fewer units than the policy's
 * maximum (a group's MaxSize lowered by hand) carries only so much demand, and the others are sized for no more,
 * as the scalers size them for measured demand (followCap.ts). Predict needs it too: it mirrors a group member's
 * floors on its MinSize, which AWS applies with none of the scaler's caps, so an uncapped floor raised the API
 * ahead of a database that could not follow. `states`: the members' fresh recorded states (planMemberStates).
 */
export function cannotFollowCap(
  model: PlanModel,
  states: Readonly<Record<string, PlanMemberState>>,
): CannotFollowCap | undefined {
  let cap: { demand: number; why: string } | undefined;
  for (const member of model.members) {
    const state = states[member.name];
    if (!state) continue;
    const limit =
      state.blocked !== undefined
        ? { level: state.reachable ?? state.ordered, why: state.blocked }
        : state.max !== undefined && state.max < member.max
          ? { level: state.max, why: `its live maximum is ${state.max}` }
          : undefined;
    if (!limit) continue;
    const demand = carriedDemand(model, member.name, limit.level);
    if (cap && cap.demand <= demand) continue;
    cap = {
      demand,
      why: `${member.name} cannot follow (${limit.why}): floors sized for what its ${limit.level} ${plural(member.unit, limit.level)} ${limit.level === 1 ? 'carries' : 'carry'}, demand ${formatDemand(demand)}`,
    };
  }
  if (!cap) return undefined;
  const wanted = wantedUnits(model, cap.demand);
  return {
    ...cap,
    units: new Map(model.members.map((m) => [m.name, wanted.get(m.name)?.wanted ?? m.min])),
  };
}

/** A member's floor schedule with no step above `units`. */
export function scheduleCappedAt(schedule: FloorSchedule, units: number, why: string): FloorSchedule {
  if (!schedule.units.some((u) => u > units)) return schedule;
  return {
    ...schedule,
    units: schedule.units.map((u) => Math.min(u, units)),
    source: `${schedule.source}; ${why}`,
  };
}
