import { demandSample } from '../../decision/plans/demandSample';
import { planMemberStates } from '../../decision/plans/planMemberStates';
import { planModel } from '../../decision/plans/planModel';
import type { PlanMemberRecord } from '../../decision/plans/types';
import type { MetricReading } from '../../decision/types';
import { planDemandMetric } from '../../policy/planDemandMetric';
import type { Plan, Policy, Target } from '../../policy/schema';
import type { WriteId } from '../../ports';
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

/** The plan members' records as one batched read left them: by member, or why they could not be read. */
export interface PlanRecords {
  readonly records: ReadonlyMap<string, PlanMemberRecord & { readonly writeId?: WriteId }>;
  /** Why the read failed (its error), when it did: the records are then unknown, not absent. */
  readonly unread?: string;
}

/**
 * The plan members' last records, any kind's, in one batched ledger read (the other members' scalers run in
 * other functions and may not describe their resources: what they know of each other goes through the
 * ledger). A read that fails is logged and counted, and leaves every member unknown, which is safe for the
 * others' states (planMemberStates.ts) but not for a member's own record: it holds the plan's past levels for
 * it (the window of the scale-ins the plan leads) and its learned lead times. So the failure is kept
 * (`unread`): that run no member of those plans scales in (decideInPlan.ts) and no plan record is written
 * (planRecords.ts).
 */
export async function readPlanRecords(deps: EvaluateDeps, batch: BatchPlans): Promise<PlanRecords> {
  if (batch.plans.length === 0) return { records: new Map() };
  const names = [...new Set(batch.plans.flatMap((p) => p.members.map((m) => m.target)))];
  try {
    return { records: await deps.ledger.readPlanMembers(names) };
  } catch (error) {
    const described = describeError(error);
    deps.log.error('plan members unreadable', { members: names, error: described });
    deps.decisionMetrics?.failed('plans');
    return { records: new Map(), unread: described.message };
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
  read: PlanRecords,
  demandReadings: ReadonlyMap<string, readonly MetricReading[]>,
  targets: readonly Target[],
  now: Date,
): Map<string, PlanMembership> {
  const memberships = new Map<string, PlanMembership>();
  const inBatch = new Set(targets.map((t) => t.name));
  for (const plan of batch.plans) {
    const demand = demandReadings.get(plan.name);
    const context = planContext(policy, plan, read.records, demand, now, read.unread);
    for (const member of plan.members) {
      if (!inBatch.has(member.target)) continue;
      const last = read.records.get(member.target);
      memberships.set(member.target, { context, last, ...(last?.writeId ? { writeId: last.writeId } : {}) });
    }
  }
  return memberships;
}

/**
 * One plan as the batch sees it, from its members' records and its demand's datapoints, the members in dry run
 * marked so (the policy says which); `unread`: why the records could not be read, when they could not
 * (PlanContext.recordsUnread).
 */
export function planContext(
  policy: Policy,
  plan: Plan,
  records: ReadonlyMap<string, PlanMemberRecord>,
  demandReadings: readonly MetricReading[] | undefined,
  now: Date,
  unread?: string,
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
  const fresh = planMemberStates(records, members, now);
  // Known from the policy, which every scaler reads alike: a readiness gate waits on no dry-run member.
  const dryRun = members.filter((m) => {
    const target = policy.targets.find((t) => t.name === m);
    return target !== undefined && (target.dryRun ?? policy.dryRun);
  });
  const states = Object.fromEntries(
    Object.entries(fresh.states).map(([m, s]) => [m, dryRun.includes(m) ? { ...s, dryRun: true } : s]),
  );
  const { unknown } = fresh;
  return {
    plan,
    model,
    demand: sample.demand,
    highestDemand: sample.highestDemand,
    records,
    states,
    unknown,
    ...(dryRun.length > 0 ? { dryRun } : {}),
    ...(unread !== undefined ? { recordsUnread: unread } : {}),
  };
}
