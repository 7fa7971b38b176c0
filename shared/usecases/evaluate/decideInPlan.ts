import { blockedBy } from '../../decision/plans/blockedBy';
import { decideMember } from '../../decision/plans/decideMember';
import { decidePlan } from '../../decision/plans/decidePlan';
import { followCap } from '../../decision/plans/followCap';
import { planObserved } from '../../decision/plans/nextPlanRecord';
import type { PlanMemberRecord, PlanMemberState, PlanNotice } from '../../decision/plans/types';
import type { Decision, DecisionInput } from '../../decision/types';
import type { PlanContext } from './types';

/** What a plan member's decision reads besides its own input: its plan, and the plan's past levels for it. */
export interface MemberInPlan {
  readonly context: PlanContext;
  readonly planLevels: PlanMemberRecord['planLevels'];
}

/** A plan member's generic decision, the plan's levels to keep, and the members' states it was taken on. */
export interface DecidedInPlan {
  readonly decision: Decision;
  readonly levels: PlanMemberRecord['planLevels'];
  readonly states: Readonly<Record<string, PlanMemberState>>;
}

/**
 * The generic decision of a plan member (pure), in place of `decideCapacity` alone: the plan's decision
 * (decidePlan.ts) on the other members' recorded states and this member's own, as its walk observed it now
 * (with the forecast floor in force for it, which predict wrote as the higher of its own and the plan's), then
 * `decideMember` (its own rules with the plan's floor, the scale-in the plan leads, the readiness gate). The
 * kind's gates, the kill switch, the lease and the action follow as for any target.
 */
export function decideInPlan(
  plan: MemberInPlan,
  input: Omit<DecisionInput, 'floor'>,
  forecastFloor: DecisionInput['floor'],
): DecidedInPlan {
  const { context } = plan;
  const { target, state, history, now } = input;
  const own: PlanMemberState = {
    ...planObserved(state),
    changes: history.changes,
    ...(forecastFloor ? { forecastFloor } : {}),
  };
  const states = { ...context.states, [target.name]: own };
  const planned = decidePlan({
    model: context.model,
    demand: context.demand,
    ...(context.highestDemand !== undefined ? { highestDemand: context.highestDemand } : {}),
    members: states,
    now,
  });
  const { decision, planLevels } = decideMember({
    decision: input,
    asked: planned.members.find((m) => m.member === target.name),
    model: context.model,
    states,
    planLevels: plan.planLevels,
    ...(planned.demand !== undefined ? { demand: planned.demand } : {}),
  });
  return { decision, levels: planLevels, states };
}

/**
 * The notice about this member that cannot follow its plan, after its kind's gates (pure): at its maximum
 * while the demand needs more, or held by its own outcome (a quota, a conflict, a kind it may not scale:
 * blockedBy.ts). It names the member, why, and what the plan asks of the others instead; undefined when the
 * member follows, or without a demand to size for.
 */
export function cannotFollowNotice(
  context: PlanContext,
  member: string,
  states: Readonly<Record<string, PlanMemberState>>,
  gated: Pick<Decision, 'reason'>,
): PlanNotice | undefined {
  if (context.demand === undefined) return undefined;
  const blocked = blockedBy(gated);
  const own = states[member];
  const withOwn = blocked !== undefined && own ? { ...states, [member]: { ...own, blocked } } : states;
  return followCap(context.model, context.demand, withOwn).notices.find((n) => n.member === member);
}
