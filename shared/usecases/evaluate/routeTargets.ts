import { historySeconds, nextHistory } from '../../decision/nextHistory';
import type { PauseState } from '../../decision/pauseState';
import { planObserved } from '../../decision/plans/nextPlanRecord';
import type { PlanMemberRecord } from '../../decision/plans/types';
import type { Decision } from '../../decision/types';
import type { Target } from '../../policy/schema';
import type { TargetRecord } from '../../ports';
import type { MemberInPlan } from './decideInPlan';
import { decideTarget, operationOf } from './decideTarget';
import { type EvaluationRun, emptyDecision } from './EvaluationRun';
import { kindScaler } from './kindScaler';
import { noticeKey } from './notifyChange';
import { planRecordFor } from './planRecords';
import { noReadings } from './readMetrics';
import type { UnleasedDecision } from './recordDecisions';
import type { Decided, TargetLook, TargetReadings } from './types';

/** Where the first look sends each target: recorded as it is, on to the lease, or failed. */
export interface Routes {
  /** Changes nothing: recorded in batches, no lease. */
  readonly unleased: UnleasedDecision[];
  /** About to act, or with an operation to settle: leased, read again, decided again. */
  readonly toLease: TargetLook[];
  /** Its resource could not be read. */
  readonly unreadable: { look: TargetLook; error: unknown }[];
}

/**
 * The decide step on the first look, for a batch: each target's pure decision, which sends it on. Only a
 * target about to change something takes a lease: one with an action to carry out (not in dry run, not
 * paused), an operation to settle, failures to clear, a lease left behind, or a new notice to tell. Every other one is recorded
 * as decided, in batches, with its recommendation window: it costs no lease and no per-target write.
 */
export function routeTargets(
  run: EvaluationRun,
  looks: readonly TargetLook[],
  readings: ReadonlyMap<string, TargetReadings>,
  paused: PauseState,
  now: Date,
): Routes {
  const routes: Routes = { unleased: [], toLease: [], unreadable: [] };
  const { model } = kindScaler(run.deps.capacity);
  for (const look of looks) {
    const { target, record } = look;
    if (look.backedOff && record.backoffUntil) {
      const decision = emptyDecision(
        target,
        'BackedOff',
        0,
        `${record.failures} failed evaluation(s) in a row: next attempt after ${record.backoffUntil.toISOString()}`,
      );
      // A plan member backed off cannot follow: the others read so (its last known state, blocked).
      const plan = planRecordFor(run, target.name, {
        observed: undefined,
        decision,
        appliedAt: undefined,
        changes: record.history.changes,
        now,
      });
      routes.unleased.push({ target, decision, ...planWrite(run, target.name, plan) });
      continue;
    }
    if (!look.observed || 'error' in look.observed) {
      routes.unreadable.push({
        look,
        error: look.observed && 'error' in look.observed ? look.observed.error : undefined,
      });
      continue;
    }
    if (record.intent) {
      routes.toLease.push(look);
      continue;
    }
    const { observation } = look.observed;
    const targetReadings = readings.get(target.name) ?? noReadings;
    const decided = decideTarget({
      policy: run.deps.policy,
      ...(run.deps.stage !== undefined ? { stage: run.deps.stage } : {}),
      model,
      target,
      observation,
      state: model.capacity(target, observation, now, targetReadings.raw),
      readings: targetReadings,
      history: record.history,
      floors: record.floors,
      failedRemovals: record.failedRemovals,
      paused,
      ...planOf(run, target.name),
      now,
    });
    if (needsLease(decided, record, run.dryRun(target))) routes.toLease.push(look);
    else {
      const plan = planRecordFor(run, target.name, {
        observed: planObserved(decided.state),
        decision: decided.decision,
        appliedAt: undefined,
        changes: record.history.changes,
        ...(decided.plan ? { planLevels: decided.plan.levels } : {}),
        now,
      });
      routes.unleased.push({
        target,
        decision: decided.decision,
        ...windowAfter(record, decided.decision, target, now),
        state: decided.state,
        ...planWrite(run, target.name, plan),
      });
    }
  }
  return routes;
}

/** A plan member's plan for the decide step: its context and the plan's past levels for it. */
export function planOf(run: EvaluationRun, target: string): { plan?: MemberInPlan } {
  const membership = run.plans.get(target);
  return membership
    ? { plan: { context: membership.context, planLevels: membership.last?.planLevels ?? [] } }
    : {};
}

/** The target's recommendation window after a decision recorded without a lease, with the write of it read. */
function windowAfter(
  record: TargetRecord,
  decision: Decision,
  target: Target,
  now: Date,
): Pick<UnleasedDecision, 'recommendations' | 'windowWriteId'> {
  const { recommendations } = nextHistory(record.history, decision, now, false, historySeconds(target));
  return { recommendations, ...(record.windowWriteId ? { windowWriteId: record.windowWriteId } : {}) };
}

/** A plan member's state to record without a lease, with the write of it the batch read (the one it replaces). */
function planWrite(
  run: EvaluationRun,
  target: string,
  plan: PlanMemberRecord | undefined,
): Pick<UnleasedDecision, 'plan' | 'planWriteId'> {
  if (!plan) return {};
  const writeId = run.plans.get(target)?.writeId;
  return { plan, ...(writeId ? { planWriteId: writeId } : {}) };
}

/**
 * Whether recording this decision needs the target's lease: it changes, or writes, the target's state (a
 * lease left behind by a holder that stopped is cleared that way too).
 */
function needsLease(decided: Decided, record: TargetRecord, dryRun: boolean): boolean {
  if (operationOf(decided).action && !dryRun) return true;
  if (record.failures > 0 || record.backoffUntil !== undefined) return true;
  if (record.leaseExpiresAt !== undefined) return true;
  return (
    noticeKey(decided.decision, dryRun, decided.notify, decided.plan?.notice) !== (record.lastNotice ?? null)
  );
}
