import type { PlanScenario, PlanTimeline } from './planEngine';

/** One member's share of a plan policy's figures. */
export interface PlanMemberFigures {
  readonly member: string;
  readonly overloadMinutes: number;
  readonly unitHours: number;
  readonly cost: number;
  readonly actions: number;
}

/** The figures of backtest.md's Plans section for one policy. */
export interface PlanFigures {
  readonly policy: string;
  /** System overload: minutes in which any member's utilisation is above 1.0. */
  readonly overloadMinutes: number;
  /** Those of them in which the entry was not overloaded: a tier behind it was short. */
  readonly downstreamOverloadMinutes: number;
  /** Σ max(0, demand − the least any member serves), in demand-minutes, and as % of the demand. */
  readonly unserved: number;
  readonly unservedPercent: number;
  /** USD: Σ ordered × price per unit-hour ÷ 60, over members and minutes. */
  readonly cost: number;
  /** Minutes in which some member's ordered capacity changed, summed over members. */
  readonly actions: number;
  readonly members: readonly PlanMemberFigures[];
}

/** Computes a plan policy's figures from its timeline; everything follows from demand and `ordered`. */
export function planFigures(t: PlanTimeline, s: PlanScenario): PlanFigures {
  const n = s.demand.length;
  let overload = 0;
  let downstream = 0;
  let unserved = 0;
  let total = 0;
  const perMember = t.members.map((k) => ({ member: k.name, overloadMinutes: 0, ordered: 0, actions: 0 }));
  for (let m = 0; m < n; m += 1) {
    let any = false;
    let least = Number.POSITIVE_INFINITY;
    t.members.forEach((k, i) => {
      const row = perMember[i] as (typeof perMember)[number];
      const member = s.members[i];
      if (!member) return;
      if ((k.utilisation[m] as number) > 1.0) {
        any = true;
        row.overloadMinutes += 1;
      }
      row.ordered += k.ordered[m] as number;
      if (m > 0 && k.ordered[m] !== k.ordered[m - 1]) row.actions += 1;
      least = Math.min(least, (k.serving[m] as number) * member.unitCapacity);
    });
    const entryOverloaded = (t.members[0]?.utilisation[m] as number) > 1.0;
    if (any) overload += 1;
    if (any && !entryOverloaded) downstream += 1;
    const demand = s.demand[m] as number;
    total += demand;
    unserved += Math.max(0, demand - least);
  }
  const members = perMember.map((row, i) => {
    const price = s.members[i]?.usdPerUnitHour ?? Number.NaN;
    const unitHours = row.ordered / 60;
    return {
      member: row.member,
      overloadMinutes: row.overloadMinutes,
      unitHours,
      cost: unitHours * price,
      actions: row.actions,
    };
  });
  return {
    policy: t.policy,
    overloadMinutes: overload,
    downstreamOverloadMinutes: downstream,
    unserved,
    unservedPercent: total > 0 ? (100 * unserved) / total : 0,
    cost: members.reduce((sum, k) => sum + k.cost, 0),
    actions: members.reduce((sum, k) => sum + k.actions, 0),
    members,
  };
}
