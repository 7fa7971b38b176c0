import { demandSample } from '../../decision/plans/demandSample';
import { planMemberStates } from '../../decision/plans/planMemberStates';
import { planModel } from '../../decision/plans/planModel';
import type { PlanMemberRecord } from '../../decision/plans/types';
import type { MetricReading } from '../../decision/types';
import { planDemandMetric } from '../../policy/planDemandMetric';
import type { Plan, Policy, Target } from '../../policy/schema';
import { describeError } from './describeError';
import type { ExtraQuery } from './readMetrics';
import type { EvaluateDeps, PlanContext, PlanMembership } from './types';

/** The plans a batch's targets are members of, and the demand each reads in the batch's metric read. */
export interface BatchPlans {
  readonly plans: readonly Plan[];
  /** One per plan (keyed by its name): its demand metric over its scale-in hold (at least 10 minutes). */
  readonly demands: readonly ExtraQuery[];
}

/** The plans with a member among `targets` (pure), each with its one demand query. */
export function batchPlans(policy: Policy, targets: readonly Target[]): BatchPlans {
  const names = new Set(targets.map((t) => t.name));
  const plans = policy.plans.filter((p) => p.members.some((m) => names.has(m.target)));
  const demands = plans.flatMap((plan) => {
    const metric = planDemandMetric(policy, plan);
    if (!metric) return [];
    // Its hold's span, the period in progress and the staleness allowance.
    const lookbackSeconds = plan.scaleInHoldMinutes * 60 + 2 * metric.periodSeconds + 300;
    return [{ key: plan.name, metric, lookbackSeconds }];
  });
  return { plans, demands };
}

/**
 * The plan members' last records, any kind's, in one batched ledger read (the other members' scalers run in
 * other functions and may not describe their resources: what they know of each other goes through the
 * ledger). A read that fails leaves every member unknown (safe: see planMemberStates.ts), logged and counted.
 */
export async function readPlanRecords(
  deps: EvaluateDeps,
  batch: BatchPlans,
): Promise<ReadonlyMap<string, PlanMemberRecord>> {
  if (batch.plans.length === 0) return new Map();
  const names = [...new Set(batch.plans.flatMap((p) => p.members.map((m) => m.target)))];
  try {
    return await deps.ledger.readPlanMembers(names);
  } catch (error) {
    deps.log.error('plan members unreadable', { members: names, error: describeError(error) });
    deps.decisionMetrics?.failed('plans');
    return new Map();
  }
}

/**
 * Each target of the batch that is a plan member, with its plan as the batch sees it (pure): the plan's model
 * with the lead times learned from the records, the demand's sample from the batch's metric read, the
 * members' states fresh enough to use.
 */
export function planMemberships(
  policy: Policy,
  batch: BatchPlans,
  records: ReadonlyMap<string, PlanMemberRecord>,
  demandReadings: ReadonlyMap<string, readonly MetricReading[]>,
  targets: readonly Target[],
  now: Date,
): Map<string, PlanMembership> {
  const memberships = new Map<string, PlanMembership>();
  const inBatch = new Set(targets.map((t) => t.name));
  for (const plan of batch.plans) {
    const context = planContext(policy, plan, records, demandReadings.get(plan.name), now);
    for (const member of plan.members)
      if (inBatch.has(member.target))
        memberships.set(member.target, { context, last: records.get(member.target) });
  }
  return memberships;
}

/** One plan as the batch sees it, from its members' records and its demand's datapoints. */
export function planContext(
  policy: Policy,
  plan: Plan,
  records: ReadonlyMap<string, PlanMemberRecord>,
  demandReadings: readonly MetricReading[] | undefined,
  now: Date,
): PlanContext {
  const members = plan.members.map((m) => m.target);
  const observed = Object.fromEntries(members.map((m) => [m, records.get(m)?.leadSeconds ?? []]));
  const model = planModel(policy, plan, observed);
  const metric = planDemandMetric(policy, plan);
  const entry = policy.targets.find((t) => t.name === plan.members[0]?.target);
  const sample = demandSample(
    demandReadings,
    metric?.periodSeconds ?? 60,
    entry ? entry.metricStaleAfterSeconds : 300,
    plan.scaleInHoldMinutes,
    now,
  );
  const { states, unknown } = planMemberStates(records, members, now);
  return {
    plan,
    model,
    demand: sample.demand,
    highestDemand: sample.highestDemand,
    records,
    states,
    unknown,
  };
}
