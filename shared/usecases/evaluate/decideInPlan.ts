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
 * `decideMember` (its own rules with the plan's floor, the scale-in the plan leads, the readiness gate), held
 * from scaling in when the plan's records could not be read (heldWithoutRecords). The kind's gates, the kill
 * switch, the lease and the action follow as for any target.
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
    ...(context.dryRun?.includes(target.name) ? { dryRun: true } : {}),
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
  return { decision: heldWithoutRecords(decision, context), levels: planLevels, states };
}

/**
 * A member's decision in a run that could not read its plan's records (pure): it does not scale in. Its own
 * record holds the plan's past levels for it (the stabilisation window of the scale-ins the plan leads), and
 * the members in front of it are unknown: a dip of one minute would lead a scale-in the window holds. So it
 * keeps what it has (PlanRecordsUnreadable), noted as gate `planRecords`. A scale-out goes ahead, the plan's
 * or its own rules': the records could only have capped it (a member that cannot follow) or delayed it (a
 * readiness gate), and capacity added a minute early costs money, never availability; the next run that reads
 * them brings it back down through the window. A step back into the member's range (OutOfRange) goes ahead
 * too: that is the policy's bound, taken with or without the records. Unchanged when the records were read.
 */
export function heldWithoutRecords(decision: Decision, context: PlanContext): Decision {
  const why = context.recordsUnread;
  if (why === undefined || decision.direction !== 'in' || decision.reason === 'OutOfRange') return decision;
  const reason = 'PlanRecordsUnreadable';
  const message = `plan ${context.plan.name}'s records could not be read (${why}): no scale-in this run, held at ${decision.current}`;
  const explain = decision.explain ?? { rules: [], gates: [] };
  return {
    ...decision,
    desired: decision.current,
    direction: 'none',
    reason,
    message: `${decision.message}; ${message}`,
    explain: {
      ...explain,
      gates: [...explain.gates, { gate: 'planRecords', outcome: 'held', reason, message }],
    },
  };
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
