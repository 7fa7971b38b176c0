import type { PlanModel } from './types';

/**
 * The most demand a member carries at `level` units: the largest demand whose need (wantedUnits.ts) is at most
 * `level`. Through a ratio it is the demand its leader carries at the most units `level` serves
 * (`floor(level × per / units)`). The members' minimums are left out: they only ever add capacity.
 */
export function carriedDemand(model: PlanModel, member: string, level: number): number {
  const seen = new Set<string>();
  let name = member;
  let units = Math.max(0, level);
  for (;;) {
    const m = model.members.find((x) => x.name === name);
    if (!m) throw new RangeError(`plan ${model.name}: ${name} is not a member`);
    if (seen.has(name)) throw new RangeError(`plan ${model.name}: ratio cycle through ${name}`);
    seen.add(name);
    if ('unitsPerDemand' in m.follows) return units / m.follows.unitsPerDemand;
    units = Math.floor((units * m.follows.per) / m.follows.units + 1e-9);
    name = m.follows.member;
  }
}
