import { planModel } from '../../shared/decision/plans/planModel';
import { wantedUnits } from '../../shared/decision/plans/wantedUnits';
import { planDemandMetric } from '../../shared/policy/planDemandMetric';
import type { Plan, Policy, Target } from '../../shared/policy/schema';
import type { Scenario } from '../../shared/simulate/engine';
import { backtestScenario } from '../../shared/simulate/runBacktest';
import type { MinuteSeries } from '../../shared/simulate/trace';
import type { LocalAccount } from './localAccount';

/** How the replay plays a plan: its demand signal from the trace, and what each member sees of it. */
export interface PlanReplay {
  readonly plan: Plan;
  /** The demand metric, with its dimensions (the example's load balancer's RequestCount). */
  readonly metric: NonNullable<ReturnType<typeof planDemandMetric>>;
  /** The demand published per unit of the trace's load: the entry's `unitsPerDemand` then asks what it needs. */
  readonly demandPerLoad: number;
  /** The entry (the member the demand reaches first) and every member's scenario, as the plan backtest has them. */
  readonly entry: string;
  readonly members: ReadonlyMap<string, Scenario>;
}

/**
 * The plan the local account plays (the policy's first, with a demand metric of its own), or undefined. The
 * trace is the demand, in its own unit; each member gets the plan backtest's scenario for the window
 * (backtest.md, Plans: its kind's delay and unit capacity at p99), and the demand is published scaled so that
 * the entry's `unitsPerDemand` asks exactly the units the entry's scenario needs (`demand × unitsPerDemand =
 * load ÷ (unit capacity × T)`).
 */
export function planReplay(policy: Policy, series: MinuteSeries): PlanReplay | undefined {
  const plan = policy.plans.find((p) => p.demand.metric !== undefined);
  const metric = plan ? planDemandMetric(policy, plan) : undefined;
  const first = plan?.members[0];
  if (!plan || !metric || first?.unitsPerDemand === undefined) return undefined;
  const targetOf = (name: string) => policy.targets.find((t) => t.name === name) as Target;
  const members = new Map(
    plan.members.map((m) => {
      const target = targetOf(m.target);
      return [m.target, backtestScenario(series.load, target.kind, target)] as const;
    }),
  );
  const entry = members.get(first.target) as Scenario;
  return {
    plan,
    metric,
    demandPerLoad: 1 / (entry.unitCapacity * entry.targetUtilisation * first.unitsPerDemand),
    entry: first.target,
    members,
  };
}

/**
 * The units each member starts with: what the plan wants for the window's first minute (the entry's need,
 * the others by their ratios, each within its range), so the replay starts in balance, not catching up.
 */
export function planStartUnits(policy: Policy, replay: PlanReplay, firstLoad: number): Map<string, number> {
  const needs = wantedUnits(planModel(policy, replay.plan), firstLoad * replay.demandPerLoad);
  return new Map([...needs].map(([name, need]) => [name, need.wanted]));
}

/** The load a member sees at minute m: the entry, the demand; the others, what the entry served (backtest.md). */
export function memberLoad(replay: PlanReplay, member: string, demand: number, entryServing: number): number {
  if (member === replay.entry) return demand;
  const entry = replay.members.get(replay.entry) as Scenario;
  return Math.min(demand, entryServing * entry.unitCapacity);
}

/** The demand datapoint of one minute, as the load balancer publishes it. */
export function demandPoint(replay: PlanReplay, load: number, timestamp: Date) {
  return {
    metric: {
      namespace: replay.metric.namespace,
      name: replay.metric.name,
      dimensions: replay.metric.dimensions,
    },
    value: load * replay.demandPerLoad,
    timestamp,
  };
}

/** Days of the trace before the window published as the demand's history, so predict has some to forecast from. */
export const BACKFILL_DAYS = 2;

/**
 * Publishes the demand of the trace's minutes before the window (up to BACKFILL_DAYS), one datapoint a minute,
 * 1,000 per call as CloudWatch takes them: the history predict forecasts the plan's demand from.
 */
export async function backfillDemand(
  local: LocalAccount,
  replay: PlanReplay,
  before: MinuteSeries,
): Promise<number> {
  const points = [...before.load].map((load, m) =>
    demandPoint(replay, load, new Date(before.start + m * 60_000)),
  );
  for (let i = 0; i < points.length; i += 1000) await local.account.putMetrics(points.slice(i, i + 1000));
  return points.length;
}
