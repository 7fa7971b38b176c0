import type { Plan, Policy } from '../../policy/schema';
import { unitByKind } from '../../policy/targetResource';
import { leadSeconds } from '../forecastFloors';
import { estimateLeadMinutes } from './estimateLeadMinutes';
import type { MemberFollows, PlanModel } from './types';

/**
 * A plan of a validated policy with each member's target resolved: its range, its unit, and its lead time:
 * the policy's `leadTimeMinutes`, else one learned from `observed` (seconds each past operation took, by
 * member: estimateLeadMinutes.ts), never past the forecast horizon, else the kind's (the group's warm-up,
 * `predictive.provisioningMinutes`).
 */
export function planModel(
  policy: Policy,
  plan: Plan,
  observed: Readonly<Record<string, readonly number[]>> = {},
): PlanModel {
  const horizon = policy.predictive.horizonMinutes;
  return {
    name: plan.name,
    scaleInHoldMinutes: plan.scaleInHoldMinutes,
    headroomQuantile: plan.headroomQuantile,
    gateTiming: plan.gateTiming,
    members: plan.members.map((member) => {
      const target = policy.targets.find((t) => t.name === member.target);
      if (!target) throw new RangeError(`plan ${plan.name}: ${member.target} is not a target`);
      const learned = estimateLeadMinutes(observed[member.target] ?? []);
      const lead =
        member.leadTimeMinutes !== undefined
          ? { minutes: member.leadTimeMinutes, source: 'leadTimeMinutes' }
          : learned !== undefined
            ? {
                minutes: Math.min(learned, horizon),
                source: `learned from ${observed[member.target]?.length} operations${learned > horizon ? `, capped at the ${horizon} min horizon` : ''}`,
              }
            : {
                minutes: Math.ceil(leadSeconds(target, policy.predictive) / 60),
                source: target.kind === 'asg' ? 'instanceWarmupSeconds' : `the ${target.kind} default`,
              };
      const follows: MemberFollows =
        member.unitsPerDemand !== undefined
          ? { unitsPerDemand: member.unitsPerDemand }
          : {
              member: member.ratio?.member ?? '',
              units: member.ratio?.units ?? 1,
              per: member.ratio?.per ?? 1,
            };
      return {
        name: target.name,
        kind: target.kind,
        unit: unitByKind[target.kind],
        min: target.capacity.min,
        max: target.capacity.max,
        leadMinutes: lead.minutes,
        leadSource: lead.source,
        follows,
        waitFor: member.waitFor ?? [],
      };
    }),
  };
}
