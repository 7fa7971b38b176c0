import { ceilUnits } from '../decision/ruleRecommendation';
import type { TargetKind } from '../policy/schema';
import { clamp, type PolicyView, type SimDecision, servingAt } from './engine';

/** One member of a plan backtest: its kind's delay and range, its unit capacity, its price. */
export interface PlanMemberScenario {
  readonly name: string;
  readonly kind: TargetKind;
  /** Demand one unit serves at 100% utilisation: `u_k = p99(demand) / (units_k × T_k)`. */
  readonly unitCapacity: number;
  readonly targetUtilisation: number;
  readonly min: number;
  readonly max: number;
  /** Capacity ordered at minute m serves from m + delay. */
  readonly delay: number;
  /** On-demand USD per unit-hour (a shard counts its nodes). */
  readonly usdPerUnitHour: number;
  /** What was priced, for the printed figures: `t3.medium`, `2 × cache.t4g.small`. */
  readonly unitType: string;
}

/** Everything every policy of one plan backtest shares (backtest.md, Plans). */
export interface PlanScenario {
  /** The demand per minute. */
  readonly demand: readonly number[];
  /** In the plan's order: the first is the entry, the member the demand reaches. */
  readonly members: readonly PlanMemberScenario[];
}

/** What a plan policy may see at minute m: the demand and each member's view, minutes ≤ m − 1 only. */
export interface PlanView {
  readonly minute: number;
  /** demand(j) for j ≤ m − 1. */
  demand(j: number): number;
  /** Member i's own view: its utilisation and load before m, what it ordered and what served at m − 1. */
  member(i: number): PolicyView;
}

/** A policy over all of a plan's members at once, created fresh per run. */
export interface PlanSimPolicy {
  readonly name: string;
  /** The capacity each member orders at minute `view.minute` (in the scenario's member order). */
  decide(view: PlanView, scenario: PlanScenario, now: number): readonly number[];
  /** Why member i's minute just decided came out as it did (asked only where its ordered capacity changed). */
  explain?(member: number): { reason: string; message: string } | undefined;
}

/** One member's run: the load it saw, what it ordered, what served, and its decisions' reasons. */
export interface PlanMemberTimeline {
  readonly name: string;
  readonly load: Float64Array;
  readonly ordered: Int32Array;
  readonly serving: Int32Array;
  readonly utilisation: Float64Array;
  readonly decisions: readonly SimDecision[];
}

export interface PlanTimeline {
  readonly policy: string;
  readonly members: readonly PlanMemberTimeline[];
}

/** A member's arrays as the engine fills them. */
interface MemberRun {
  readonly member: PlanMemberScenario;
  readonly load: Float64Array;
  readonly ordered: Int32Array;
  readonly serving: Int32Array;
  readonly utilisation: Float64Array;
  readonly decisions: SimDecision[];
  start: number;
}

/** What a policy sees at the minute `minute()` returns: each array read before it only, else a RangeError. */
function planView(s: PlanScenario, members: readonly MemberRun[], minute: () => number): PlanView {
  const past = (what: string, j: number) => {
    const m = minute();
    if (j >= m || j < 0) throw new RangeError(`minute ${m} cannot see ${what}(${j})`);
  };
  const views = members.map(
    (k): PolicyView => ({
      get minute() {
        return minute();
      },
      utilisation: (j) => {
        past('utilisation', j);
        return k.utilisation[j] as number;
      },
      load: (j) => {
        past('load', j);
        return k.load[j] as number;
      },
      get ordered() {
        return k.ordered[minute() - 1] as number;
      },
      get serving() {
        return k.serving[minute() - 1] as number;
      },
    }),
  );
  return {
    get minute() {
      return minute();
    },
    demand: (j) => {
      past('demand', j);
      return s.demand[j] as number;
    },
    member: (i) => views[i] as PolicyView,
  };
}

/**
 * Runs one plan policy minute by minute. The entry's load is the demand; every other member sees only the
 * work the entry served, `min(demand(m), serving_entry(m) × u_entry)`. Every member starts at the oracle's
 * capacity for its minute-0 load, all serving; each has its own delay, and the bounds are applied every minute.
 */
export function simulatePlan(policy: PlanSimPolicy, s: PlanScenario, startTime = 0): PlanTimeline {
  const n = s.demand.length;
  const members: MemberRun[] = s.members.map((member) => ({
    member,
    load: new Float64Array(n),
    ordered: new Int32Array(n),
    serving: new Int32Array(n),
    utilisation: new Float64Array(n),
    decisions: [],
    start: 0,
  }));
  const entry = members[0];
  if (!entry) throw new RangeError('a plan backtest needs at least one member');
  let m = 0;
  const view = planView(s, members, () => m);
  for (m = 0; m < n; m += 1) {
    const demand = s.demand[m] as number;
    const decided = m === 0 ? undefined : policy.decide(view, s, startTime + m * 60_000);
    members.forEach((k, i) => {
      // The entry is settled first: the others' load is what it served this very minute.
      const load =
        i === 0 ? demand : Math.min(demand, (entry.serving[m] as number) * entry.member.unitCapacity);
      k.load[m] = load;
      if (m === 0) {
        k.start = clamp(ceilUnits(load / (k.member.unitCapacity * k.member.targetUtilisation)), k.member);
        k.ordered[0] = k.start;
      } else {
        const before = k.ordered[m - 1] as number;
        const now = clamp(Math.round(decided?.[i] ?? before), k.member);
        k.ordered[m] = now;
        if (now !== before) {
          const why = policy.explain?.(i);
          k.decisions.push({
            minute: m,
            from: before,
            to: now,
            reason: why?.reason ?? (now > before ? 'ScaleOut' : 'ScaleIn'),
            message: why?.message ?? '',
          });
        }
      }
      k.serving[m] = servingAt(k.ordered, m, k.member.delay, k.start);
      k.utilisation[m] = load / ((k.serving[m] as number) * k.member.unitCapacity);
    });
  }
  return {
    policy: policy.name,
    members: members.map((k) => ({
      name: k.member.name,
      load: k.load,
      ordered: k.ordered,
      serving: k.serving,
      utilisation: k.utilisation,
      decisions: k.decisions,
    })),
  };
}
