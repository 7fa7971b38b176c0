import { historySeconds, nextHistory } from '../decision/nextHistory';
import { decideMember } from '../decision/plans/decideMember';
import { decidePlan } from '../decision/plans/decidePlan';
import { planOrder } from '../decision/plans/planOrder';
import type { PlanMemberState, PlanModel } from '../decision/plans/types';
import type { Decision, DecisionInput, MetricReading, ScalingHistory } from '../decision/types';
import type { Target } from '../policy/schema';
import type { PolicyFactory, PolicyView, Scenario } from './engine';
import type { PlanMemberScenario, PlanScenario, PlanSimPolicy, PlanView } from './planEngine';
import { planForecaster } from './planForecaster';
import { type FloorSettings, floorPlanner } from './predictive';

/** A member's scenario as the single-kind policies read it, over the load it sees (filled as the run goes). */
export function memberScenario(member: PlanMemberScenario, load: readonly number[]): Scenario {
  return {
    load,
    unitCapacity: member.unitCapacity,
    targetUtilisation: member.targetUtilisation,
    min: member.min,
    max: member.max,
    delay: member.delay,
  };
}

/**
 * Each member scaled alone by a single-kind policy (target tracking, Scalepilot with floors from its own
 * load) on the load it sees, exactly as the single-kind backtest runs it.
 */
export function independent(name: string, factories: readonly PolicyFactory[]): () => PlanSimPolicy {
  return () => {
    const policies = factories.map((make) => make());
    const seen = seenLoads();
    let scenarios: Scenario[] | undefined;
    return {
      name,
      decide(view, s, now) {
        // Each member's scenario names the load it has seen so far: the policies read it through their views,
        // and their floors key their forecasts on the array.
        const loads = seen(view, s);
        scenarios ??= s.members.map((member, i) => memberScenario(member, loads[i] as number[]));
        return policies.map((p, i) => p.decide(view.member(i), scenarios?.[i] as Scenario, now));
      },
      explain: (i) => policies[i]?.explain?.(),
    };
  };
}

/**
 * The plan as Scalepilot runs it: every minute the pure plan decision (decidePlan: the measured demand's
 * needs, the forecast floors shifted by each member's lead time, the scale-in hold, the cap of a member that
 * cannot follow), then per member, slowest first, `decideMember` (the very `decideCapacity` the functions run,
 * with the plan's floor; the scale-in the plan leads; the readiness gate). Each member keeps its history as
 * the ledger keeps it.
 */
export function coordinated(
  model: PlanModel,
  targets: readonly Target[],
  settings: FloorSettings | undefined,
): () => PlanSimPolicy & { forecastAt(m: number): { value: number; upper: number } } {
  return () => {
    const histories: ScalingHistory[] = targets.map(() => ({ recommendations: [], changes: [] }));
    const explained: (Decision | undefined)[] = [];
    /** The plan's past levels per member, for the stabilisation window of the scale-ins it leads. */
    const planLevels: ScalingHistory['recommendations'][] = targets.map(() => []);
    let forecaster: ReturnType<typeof planForecaster> | undefined;
    // Only a predictive member has floors of its own to weigh against the plan's.
    const own = settings && targets.some((t) => t.predictive) ? ownFloors(targets, settings) : undefined;
    const order = planOrder(model).out.map((name) => model.members.findIndex((m) => m.name === name));
    return {
      name: 'coordinated',
      decide(view, s, now) {
        const m = view.minute;
        const at = new Date(now);
        forecaster ??= settings ? planForecaster(settings, model, s.demand.length, s.demand) : undefined;
        const planned = forecaster?.at(m, now, view.demand);
        const floors = own ? own.at(view, s, now, planned) : planned;
        const states = memberStates(model, view, histories, floors);
        const plan = decidePlan({
          model,
          demand: view.demand(m - 1),
          highestDemand: highestDemand(view.demand, m, model.scaleInHoldMinutes),
          members: states,
          now: at,
        });
        const ordered = model.members.map((_, i) => view.member(i).ordered);
        for (const i of order) {
          const target = targets[i] as Target;
          const { decision, planLevels: levels } = decideMember({
            decision: memberInput(
              target,
              s.members[i] as PlanMemberScenario,
              view.member(i),
              histories[i],
              now,
            ),
            asked: plan.members.find((p) => p.member === target.name),
            model,
            states,
            planLevels: planLevels[i] ?? [],
            ...(plan.demand !== undefined ? { demand: plan.demand } : {}),
          });
          planLevels[i] = levels;
          histories[i] = nextHistory(
            histories[i] as ScalingHistory,
            decision,
            at,
            true,
            historySeconds(target),
          );
          explained[i] = decision;
          ordered[i] = decision.desired;
        }
        return ordered;
      },
      explain: (i) => {
        const d = explained[i];
        return d ? { reason: d.reason, message: d.message } : undefined;
      },
      forecastAt: (m) => forecaster?.forecastAt(m) ?? { value: Number.NaN, upper: Number.NaN },
    };
  };
}

/**
 * The load each member has seen, kept as the run goes (a run decides from minute 1): at minute m, the minutes
 * before it; NaN after. One array per member, the same from minute to minute (floors key their forecasts on it).
 */
function seenLoads(): (view: PlanView, s: PlanScenario) => number[][] {
  let loads: number[][] | undefined;
  return (view, s) => {
    const m = view.minute;
    loads ??= s.members.map(() => new Array<number>(s.demand.length).fill(Number.NaN));
    for (const [i, load] of loads.entries()) load[m - 1] = view.member(i).load(m - 1);
    return loads;
  };
}

type MemberFloor = { units: number; source: string } | undefined;

/**
 * The floors of the members that are predictive targets themselves (`predictive: true`), each from its own
 * load as the single-kind backtest makes them: `predict` writes such a member the higher of its own floors and
 * the plan's at every step (withPlanFloors), and so does this, minute by minute; the others keep the plan's.
 */
function ownFloors(targets: readonly Target[], settings: FloorSettings) {
  const predictive = targets.map((t) => t.predictive === true);
  const seen = seenLoads();
  const planners: (ReturnType<typeof floorPlanner> | undefined)[] = [];
  return {
    at(
      view: PlanView,
      s: PlanScenario,
      now: number,
      planned: ReadonlyMap<string, MemberFloor> | undefined,
    ): Map<string, MemberFloor> {
      const m = view.minute;
      const loads = seen(view, s);
      const floors = new Map<string, MemberFloor>();
      s.members.forEach((member, i) => {
        const plan = planned?.get(member.name);
        const load = loads[i] as number[];
        if (!predictive[i]) {
          floors.set(member.name, plan);
          return;
        }
        planners[i] ??= floorPlanner(settings, targets[i] as Target, member, load.length, load);
        const mine = planners[i]?.at(m, now, (j) => load[j] as number);
        floors.set(member.name, mine && (!plan || mine.units > plan.units) ? mine : plan);
      });
      return floors;
    },
  };
}

/** What the plan knows of each member at minute m: what it ordered and serves, its changes, its forecast floor. */
function memberStates(
  model: PlanModel,
  view: PlanView,
  histories: readonly ScalingHistory[],
  floors: ReadonlyMap<string, { units: number; source: string } | undefined> | undefined,
): Record<string, PlanMemberState> {
  const states: Record<string, PlanMemberState> = {};
  model.members.forEach((member, i) => {
    const seen = view.member(i);
    const floor = floors?.get(member.name);
    states[member.name] = {
      ordered: seen.ordered,
      serving: seen.serving,
      changes: histories[i]?.changes ?? [],
      ...(floor ? { forecastFloor: floor } : {}),
    };
  });
  return states;
}

/** A member's decision input as its scaler builds it, from what the simulated member shows (floor apart). */
function memberInput(
  target: Target,
  member: PlanMemberScenario,
  seen: PolicyView,
  history: ScalingHistory | undefined,
  now: number,
): DecisionInput {
  return {
    target,
    policyMaxUnitsPerDecision: Math.max(1, member.max - member.min),
    state: { current: seen.ordered, serving: seen.serving, liveMin: member.min, liveMax: member.max },
    readings: utilisationReadings(target, seen, now),
    history: history ?? { recommendations: [], changes: [] },
    now: new Date(now),
  };
}

/** A target's rules read the member's utilisation (in %) of the complete minutes before this one, as `scalepilot` does. */
function utilisationReadings(target: Target, seen: PolicyView, now: number): Record<string, MetricReading[]> {
  const periods = Math.max(1, ...target.rules.map((r) => r.evaluationPeriods));
  const recent: MetricReading[] = [];
  for (let j = Math.max(0, seen.minute - periods); j < seen.minute; j += 1)
    recent.push({ value: seen.utilisation(j) * 100, timestamp: new Date(now - (seen.minute - j) * 60_000) });
  return Object.fromEntries(target.rules.map((r) => [r.name, recent]));
}

/** The most the demand reached in the hold's minutes before m (at least the newest one). */
function highestDemand(demand: (j: number) => number, m: number, holdMinutes: number): number {
  let highest = Number.NEGATIVE_INFINITY;
  for (let j = Math.max(0, m - Math.max(1, holdMinutes)); j < m; j += 1)
    highest = Math.max(highest, demand(j));
  return highest;
}
