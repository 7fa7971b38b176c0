import { ceilUnits } from '../ruleRecommendation';
import type { PlanMemberModel, PlanModel } from './types';

/** What a demand asks of one member: `need` as its relation gives it, `wanted` within its range. */
export interface MemberNeed {
  readonly need: number;
  readonly wanted: number;
}

/**
 * Each member's units for a demand: `ceil(demand × unitsPerDemand)`, or `ceil(other's wanted × units / per)`
 * for a ratio (one replica per four API instances, rounded up), each within the member's own min/max. A ratio
 * follows the other member's *wanted* units (within its range): a tier is sized for what the tier it follows
 * will have, not for demand that tier cannot take.
 */
export function wantedUnits(model: PlanModel, demand: number): Map<string, MemberNeed> {
  const byName = new Map(model.members.map((m) => [m.name, m]));
  const needs = new Map<string, MemberNeed>();
  const resolve = (member: PlanMemberModel, path: readonly string[]): MemberNeed => {
    const known = needs.get(member.name);
    if (known) return known;
    if (path.includes(member.name))
      throw new RangeError(`plan ${model.name}: ratio cycle ${[...path, member.name].join(' → ')}`);
    const { follows } = member;
    let need: number;
    if ('unitsPerDemand' in follows) need = ceilUnits(Math.max(0, demand) * follows.unitsPerDemand);
    else {
      const other = byName.get(follows.member);
      if (!other) throw new RangeError(`plan ${model.name}: ${follows.member} is not a member`);
      need = ceilUnits((resolve(other, [...path, member.name]).wanted * follows.units) / follows.per);
    }
    const result = { need, wanted: Math.min(member.max, Math.max(member.min, need)) };
    needs.set(member.name, result);
    return result;
  };
  for (const member of model.members) resolve(member, []);
  return needs;
}
