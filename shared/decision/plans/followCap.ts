import { carriedDemand } from './carriedDemand';
import { formatDemand, plural } from './planText';
import type { PlanMemberState, PlanModel, PlanNotice } from './types';
import { wantedUnits } from './wantedUnits';

/** The demand the plan sizes its members for, and one notice per member that holds it below the demand. */
export interface FollowCap {
  readonly sizedFor: number;
  readonly notices: readonly PlanNotice[];
}

/**
 * A member that cannot follow (its own walk reports it refused, stuck or out of quota, or the demand needs more
 * than its maximum: its range's, or fewer its resource takes now, as a group's MaxSize lowered by hand) caps
 * what the plan asks of the others: they are sized for the demand that member carries at the level it can
 * hold, since what they had beyond it would either wait in front of it or idle behind it. One notice per
 * member that caps, naming it and why.
 */
export function followCap(
  model: PlanModel,
  demand: number,
  states: Readonly<Record<string, PlanMemberState>>,
): FollowCap {
  const needs = wantedUnits(model, demand);
  let sizedFor = demand;
  const notices: PlanNotice[] = [];
  for (const member of model.members) {
    const need = needs.get(member.name)?.need ?? 0;
    const state = states[member.name];
    const blocked = state?.blocked;
    // What a blocked member can hold: what it ordered, or fewer when that cannot be had (a capacity shortfall).
    const held = state ? (state.reachable ?? state.ordered) : undefined;
    const live = state?.max !== undefined && state.max < member.max ? state.max : undefined;
    const max = live ?? member.max;
    const limit =
      blocked !== undefined && held !== undefined
        ? { level: held, why: blocked, cause: blocked }
        : need > max
          ? {
              level: max,
              cause: 'at its maximum',
              why: `at its ${live === undefined ? '' : 'live '}maximum of ${max} ${plural(member.unit, max)}${live === undefined ? '' : ` (the policy's is ${member.max})`} (the demand needs ${need})`,
            }
          : undefined;
    if (!limit) continue;
    const carried = carriedDemand(model, member.name, limit.level);
    if (!(carried < demand)) continue;
    sizedFor = Math.min(sizedFor, carried);
    notices.push({
      member: member.name,
      reason: 'PlanMemberCannotFollow',
      key: `${model.name}: ${member.name} ${limit.cause}`,
      message: `${member.name} cannot follow plan ${model.name}: ${limit.why}; the plan sizes the others for what its ${limit.level} ${plural(member.unit, limit.level)} ${limit.level === 1 ? 'carries' : 'carry'} (demand ${formatDemand(carried)} of ${formatDemand(demand)})`,
    });
  }
  return { sizedFor, notices };
}
