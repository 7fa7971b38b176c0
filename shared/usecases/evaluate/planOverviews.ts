import { planObserved } from '../../decision/plans/nextPlanRecord';
import { type PlanOverview, planOverview } from '../../decision/plans/planOverview';
import type { PlanMemberRecord, PlanMemberState } from '../../decision/plans/types';
import type { MetricReading } from '../../decision/types';
import type { MetricQuery } from '../../ports';
import { describeError } from './describeError';
import { batchPlans, planContext } from './readPlans';
import type { EvaluateDeps, Evaluation } from './types';

/** What the overview reads besides the members' evaluations: the policy, the demand, the members' records. */
export type OverviewDeps = Pick<EvaluateDeps, 'policy' | 'metrics' | 'ledger' | 'log'>;

/**
 * `scalepilot plan`'s view of every plan, after each kind's `planTargets` (the CLI runs with the operator's
 * credentials and so describes every member, where each scaler reads the others' records): the demand read as
 * the walk reads it (its metric over the scale-in hold), the members' records (their recent changes, why one
 * cannot follow, the lead times learned), each member's state as described now (or as recorded, when it could
 * not be), its forecast floor, and its own decision; then the plan's decision on them (planOverview.ts).
 */
export async function planOverviews(
  deps: OverviewDeps,
  evaluations: readonly Evaluation[],
  now: Date,
): Promise<PlanOverview[]> {
  const { policy } = deps;
  if (policy.plans.length === 0) return [];
  const inPlans = policy.targets.filter((t) =>
    policy.plans.some((p) => p.members.some((m) => m.target === t.name)),
  );
  const batch = batchPlans(policy, inPlans);
  const [demands, { records, unreadable }] = await Promise.all([
    readDemands(deps, batch.demands, now),
    readRecords(deps, batch),
  ]);
  const byTarget = new Map(evaluations.map((e) => [e.decision.target, e]));
  return batch.plans.map((plan) => {
    const context = planContext(policy, plan, records, demands.get(plan.name), now);
    const states: Record<string, PlanMemberState> = { ...context.states };
    for (const { target } of plan.members) {
      const seen = byTarget.get(target);
      if (!seen?.state) continue;
      const recorded = context.states[target];
      states[target] = {
        ...planObserved(seen.state),
        changes: recorded?.changes ?? records.get(target)?.changes ?? [],
        ...(recorded?.blocked !== undefined ? { blocked: recorded.blocked } : {}),
        ...(seen.floor ? { forecastFloor: seen.floor } : {}),
      };
    }
    return planOverview({
      model: context.model,
      demand: context.demand,
      ...(context.highestDemand !== undefined ? { highestDemand: context.highestDemand } : {}),
      states,
      unknown: Object.fromEntries(
        plan.members.map((m) => [
          m.target,
          unknownWhy(byTarget.get(m.target), unreadable, context.unknown[m.target]),
        ]),
      ),
      decisions: new Map(
        plan.members.flatMap((m) => {
          const d = byTarget.get(m.target)?.decision;
          return d ? [[m.target, d] as const] : [];
        }),
      ),
      now,
    });
  });
}

/** Every plan's demand over its scale-in hold, in one read; a failed read leaves the demand unknown. */
async function readDemands(
  deps: OverviewDeps,
  demands: ReturnType<typeof batchPlans>['demands'],
  now: Date,
): Promise<Map<string, readonly MetricReading[]>> {
  const queries: MetricQuery[] = demands.map((d, i) => ({ id: `d${i}`, metric: d.metric }));
  const result = new Map<string, readonly MetricReading[]>();
  if (queries.length === 0) return result;
  const lookback = Math.max(...demands.map((d) => d.lookbackSeconds));
  const read = await deps.metrics.recent(queries, now, lookback);
  for (const failure of read.failures)
    deps.log.error('plan demand unreadable', { error: describeError(failure.error) });
  for (const [i, d] of demands.entries()) result.set(d.key, read.values.get(`d${i}`) ?? []);
  return result;
}

/**
 * Why a member's state is unknown, when neither a describe nor a fresh record gives it: the describe's error first
 * (what the operator can fix), else the records' read failure, else why its record does not do (none, stale).
 */
function unknownWhy(
  seen: Evaluation | undefined,
  unreadable: boolean,
  unrecorded: string | undefined,
): string {
  if (seen?.unread !== undefined) return seen.unread;
  // The read's error is logged once (the CLI's line on stderr names the table); here, only that it failed.
  if (unreadable) return 'not described; the ledger unreadable';
  return `not described${unrecorded !== undefined ? `; ${unrecorded}` : ''}`;
}

/**
 * The members' records (PLAN items); unreadable (`unreadable`), every member's state is what its describe shows
 * alone.
 */
async function readRecords(
  deps: OverviewDeps,
  batch: ReturnType<typeof batchPlans>,
): Promise<{ records: ReadonlyMap<string, PlanMemberRecord>; unreadable: boolean }> {
  const names = [...new Set(batch.plans.flatMap((p) => p.members.map((m) => m.target)))];
  try {
    return { records: await deps.ledger.readPlanMembers(names), unreadable: false };
  } catch (error) {
    deps.log.error('plan members unreadable', { members: names, error: describeError(error) });
    return { records: new Map(), unreadable: true };
  }
}
