import { nextPlanRecord, type PlanRecordInput } from '../../decision/plans/nextPlanRecord';
import type { PlanMemberRecord } from '../../decision/plans/types';
import type { Decision } from '../../decision/types';
import type { Target } from '../../policy/schema';
import { cannotFollowNotice } from './decideInPlan';
import { type EvaluationRun, emptyDecision } from './EvaluationRun';

/**
 * The plan record a member's decision leaves (nextPlanRecord.ts), written with that decision; the run keeps it
 * as the member's last, so a second record in the same run (a settled operation, then a new decision) starts
 * from the first. Undefined for a target in no plan, or one never observed, and in a run that could not read
 * the plan records: what it would write replaces the stored record whole, the plan's past levels for the member
 * and its learned lead times with this run's alone; the record left as it was goes stale (the others then
 * treat the member as unknown, safely) until a run reads it again.
 */
export function planRecordFor(
  run: EvaluationRun,
  target: string,
  input: Omit<PlanRecordInput, 'previous' | 'planLevels'> & {
    readonly planLevels?: PlanRecordInput['planLevels'];
  },
): PlanMemberRecord | undefined {
  const membership = run.plans.get(target);
  if (!membership || membership.context.recordsUnread !== undefined) return undefined;
  const own = run.deps.policy.targets.find((t) => t.name === target);
  const record = nextPlanRecord({
    ...input,
    previous: membership.last,
    planLevels: input.planLevels ?? membership.last?.planLevels ?? [],
    // A group's instances in service within its warm-up serve no load yet: not for the gates, nor its lead.
    ...(own?.kind === 'asg' ? { warmupSeconds: own.instanceWarmupSeconds } : {}),
  });
  if (record) membership.last = record;
  return record;
}

/**
 * The notice that a member whose change AWS refused or gave up on (ActionFailed, OperationFailed) cannot follow
 * its plan, as a decision for the operators' topic, told with the failure's own notice; undefined for a target
 * in no plan, or when its plan asks nothing of it the failure holds back.
 */
export function failedMemberNotice(
  run: EvaluationRun,
  target: Target,
  failure: Decision,
  ordered: number,
): Decision | undefined {
  const membership = run.plans.get(target.name);
  if (!membership) return undefined;
  const { context } = membership;
  const own = { ordered, serving: membership.last?.serving ?? ordered, changes: [] };
  const notice = cannotFollowNotice(context, target.name, { ...context.states, [target.name]: own }, failure);
  return notice ? noticeDecision(target, ordered, notice.message) : undefined;
}

/** A notice about a plan member as a decision that changes nothing (reason PlanMemberCannotFollow). */
export function noticeDecision(target: Target, current: number, message: string): Decision {
  return emptyDecision(target, 'PlanMemberCannotFollow', current, message);
}
