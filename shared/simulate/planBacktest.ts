import type { PriceTable } from '../cost/priceTable';
import { unitPrice } from '../cost/scalingCost';
import { planModel } from '../decision/plans/planModel';
import type { PlanModel } from '../decision/plans/types';
import type { EngineSeen } from '../decision/types';
import { ScalingError } from '../errors';
import type { Plan, Policy, Target } from '../policy/schema';
import { scalepilot, targetTracking } from './baselines';
import { kindDefaults } from './engine';
import { type PlanScenario, type PlanTimeline, simulatePlan } from './planEngine';
import { type PlanFigures, planFigures } from './planFigures';
import { coordinated, independent } from './planPolicies';
import { benchFloorSettings } from './predictive';
import { type MinuteSeries, percentile } from './trace';

/** The target utilisation every member is sized at (backtest.md: the seeds' 70%). */
export const PLAN_TARGET_UTILISATION = 0.7;

export interface PlanBacktestResult {
  readonly plan: string;
  readonly scenario: PlanScenario;
  /** The plan as the backtest runs it: each `unitsPerDemand` is the scenario's `1 / (u_k × T_k)`. */
  readonly model: PlanModel;
  readonly timelines: readonly PlanTimeline[];
  readonly figures: readonly PlanFigures[];
  /** The coordinated policy's demand forecast and the demand its floors planned for (NaN: none). */
  readonly forecast: { readonly value: Float64Array; readonly upper: Float64Array };
}

export interface PlanBacktestOptions {
  /** The price list and region the cost is read from (the bundled list, us-east-1). */
  readonly prices: PriceTable;
  readonly region?: string;
  /** The rows to run (default: all three); the bench's leave-one-out runs `coordinated` alone. */
  readonly policies?: readonly string[];
  readonly onPolicyDone?: (policy: string, done: number, total: number) => void;
}

/** The policy's plan of that name, or a one-line error naming the plans there are. */
export function findPlan(policy: Policy, name: string): Plan {
  const plan = policy.plans.find((p) => p.name === name);
  if (plan) return plan;
  const known = policy.plans.map((p) => p.name);
  throw new ScalingError(
    `no plan named "${name}" (${known.length > 0 ? `the policy's plans: ${known.join(', ')}` : 'the policy has no plans'})`,
  );
}

/**
 * The engine a member is priced as: a scenario has no resource to read it from, so RDS replicas as PostgreSQL and
 * cache nodes as Redis OSS, the engines the bundled table prices (plans.md).
 */
const scenarioEngines: Record<Target['kind'], readonly EngineSeen[]> = {
  asg: [],
  'rds-replicas': [{ name: 'postgres' }],
  'cache-shards': [{ name: 'redis' }],
};

/**
 * The scenario of a plan backtest (backtest.md, Plans): per member its kind's row of the table (delay, min, max,
 * units at p99), T = 0.70, `u_k = p99(demand) / (units_k × T)` from the demand trace, and its bundled on-demand
 * price. The members' own rules, windows and floors decide, within that range.
 */
export function planScenario(
  demand: readonly number[],
  policyAsWritten: Policy,
  plan: Plan,
  options: PlanBacktestOptions,
): { scenario: PlanScenario; model: PlanModel; targets: Target[] } {
  const policy = withKindRanges(policyAsWritten, plan);
  const region = options.region ?? 'us-east-1';
  const p99 = percentile(demand, 0.99);
  const targets = plan.members.map((m) => {
    const target = policy.targets.find((t) => t.name === m.target);
    if (!target) throw new ScalingError(`plan ${plan.name}: "${m.target}" is not a target of the policy`);
    return target;
  });
  const members = targets.map((target) => {
    const d = kindDefaults[target.kind];
    const price = unitPrice(target, region, options.prices, { engines: scenarioEngines[target.kind] });
    if ('note' in price) throw new ScalingError(`plan ${plan.name}: member ${target.name}: ${price.note}`);
    return {
      name: target.name,
      kind: target.kind,
      unitCapacity: p99 / (d.unitsAtP99 * PLAN_TARGET_UTILISATION),
      targetUtilisation: PLAN_TARGET_UTILISATION,
      min: d.min,
      max: d.max,
      delay: d.delay,
      usdPerUnitHour: price.usdPerUnitHour,
      unitType: price.unitType,
    };
  });
  // A trace is in its own unit: the demand one unit carries is the scenario's, not the policy's figure.
  const policyModel = planModel(policy, plan);
  const model: PlanModel = {
    ...policyModel,
    members: policyModel.members.map((member, i) => {
      const s = members[i];
      return 'unitsPerDemand' in member.follows && s
        ? { ...member, follows: { unitsPerDemand: 1 / (s.unitCapacity * s.targetUtilisation) } }
        : member;
    }),
  };
  return { scenario: { demand, members }, model, targets };
}

/**
 * The policy with each plan member at its kind's range (backtest.md, Plans: "its own kind's row of the table",
 * min and max included), as every row of the plan backtest runs it: a policy's own range (the example's API at
 * most 10, as the seeds write it) would cap each row below the demand the scenario sizes for.
 */
function withKindRanges(policy: Policy, plan: Plan): Policy {
  const members = new Set(plan.members.map((m) => m.target));
  return {
    ...policy,
    targets: policy.targets.map((t) =>
      members.has(t.name)
        ? ({
            ...t,
            capacity: { ...t.capacity, min: kindDefaults[t.kind].min, max: kindDefaults[t.kind].max },
          } as Target)
        : t,
    ),
  };
}

/**
 * Replays one demand trace through a plan's members: `coordinated` (the plan decisions and each member's
 * `decideCapacity`), `independent-scalepilot` (each member alone on the load it sees, with floors from its
 * own load, as the single-kind `scalepilot` row) and `independent-target-tracking`.
 */
export function runPlanBacktest(
  series: MinuteSeries,
  policy: Policy,
  planName: string,
  options: PlanBacktestOptions,
): PlanBacktestResult {
  const plan = findPlan(policy, planName);
  const { scenario, model, targets } = planScenario(series.load, policy, plan, options);
  const settings = benchFloorSettings(series.stepMinutes, policy.predictive);
  const plans = coordinated(model, targets, settings)();
  const all = [
    () => plans,
    independent(
      'independent-scalepilot',
      targets.map((t) => scalepilot(t, { floors: settings })),
    ),
    independent(
      'independent-target-tracking',
      targets.map(() => targetTracking),
    ),
  ];
  const names = ['coordinated', 'independent-scalepilot', 'independent-target-tracking'];
  const factories = all.filter((_, i) => !options.policies || options.policies.includes(names[i] as string));
  const timelines = factories.map((make, i) => {
    const timeline = simulatePlan(make(), scenario, series.start);
    options.onPolicyDone?.(timeline.policy, i + 1, factories.length);
    return timeline;
  });
  const n = series.load.length;
  const forecast = { value: new Float64Array(n), upper: new Float64Array(n) };
  for (let m = 0; m < n; m += 1) {
    const f = plans.forecastAt(m);
    forecast.value[m] = f.value;
    forecast.upper[m] = f.upper;
  }
  return {
    plan: plan.name,
    scenario,
    model,
    timelines,
    figures: timelines.map((t) => planFigures(t, scenario)),
    forecast,
  };
}

/** `minute,timestamp,demand` and per member `k.load,k.ordered,k.serving`: every figure can be recomputed. */
export function planTimelineCsv(t: PlanTimeline, series: MinuteSeries): string {
  const header = [
    'minute',
    'timestamp',
    'demand',
    ...t.members.flatMap((k) => [`${k.name}.load`, `${k.name}.ordered`, `${k.name}.serving`]),
  ];
  const lines = [header.join(',')];
  for (let m = 0; m < series.load.length; m += 1) {
    const cells = [m, new Date(series.start + m * 60_000).toISOString(), series.load[m]];
    for (const k of t.members)
      cells.push(k.load[m] as number, k.ordered[m] as number, k.serving[m] as number);
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}
