import { backoffUntil } from '../../decision/backoff';
import type { KindModel } from '../../decision/kindModel';
import { historySeconds, withAppliedChange, withoutChange } from '../../decision/nextHistory';
import type { PauseState } from '../../decision/pauseState';
import { planObserved } from '../../decision/plans/nextPlanRecord';
import { reconcileIntent } from '../../decision/reconcileIntent';
import type { CapacityState, Decision, PendingIntent, ScalingHistory } from '../../decision/types';
import type { Target } from '../../policy/schema';
import type { Lease, TargetRecord, TargetUpdate } from '../../ports';
import { actOnTarget } from './actOnTarget';
import { describeError } from './describeError';
import type { EvaluationRun } from './EvaluationRun';
import { fencedByLease, leaseOutlivesCall } from './leaseOutlivesCall';
import { notifyChange, toldWithinTheHour, withTold } from './notifyChange';
import { failedMemberNotice, planRecordFor } from './planRecords';
import { recordLeased } from './recordDecisions';
import type { TargetReadings } from './types';

/** What settling left: the history to decide on, and whether the target may decide anything new now. */
export interface Settled {
  readonly history: ScalingHistory;
  readonly decideNow: boolean;
}

/**
 * The reconcile step, under the lease, before anything new is decided: an operation written ahead is
 * judged against the resource as observed now. Never applied: cleared. Applied but never recorded (its
 * holder stopped): its change joins the history with its cooldown from when it was made, and is notified.
 * Still running: recorded, and nothing new until it ends but the kind's step that needs no intent (reader
 * discovery kept to the serving replicas), unless dry or paused. Failed (AWS gave up): recorded, notified (at most
 * once an hour), backed off, and its change leaves the rate limits; a plan member is recorded as one that cannot follow, and told.
 * The units AWS kept on a failed removal are remembered for the kind's gates (KindModel.rememberRemovals).
 */
export async function settleIntent(
  run: EvaluationRun,
  model: KindModel<unknown>,
  lease: Lease,
  target: Target,
  record: TargetRecord & { intent: PendingIntent },
  seen: { readonly observation: unknown; readonly metrics: TargetReadings['raw'] },
  state: CapacityState,
  paused: PauseState,
  now: Date,
): Promise<Settled> {
  const { observation } = seen;
  const { intent } = record;
  const dryRun = run.dryRun(target);
  const settlement = model.settle(target, intent, observation, now);
  const decision = reconcileIntent(target, intent, settlement);
  const failedRemovals = model.rememberRemovals?.({
    intent,
    settlement,
    observation,
    remembered: record.failedRemovals ?? {},
    now,
  });
  const newlyApplied =
    !intent.recorded && settlement.status !== 'not-applied' && settlement.status !== 'failed';
  const history = newlyApplied
    ? withAppliedChange(record.history, intent, now, historySeconds(target))
    : record.history;
  const plan = planRecordFor(run, target.name, {
    observed: planObserved(state),
    decision,
    // A change its holder made but never recorded is watched from when it was written ahead.
    appliedAt: newlyApplied ? intent.at : undefined,
    changes: history.changes,
    now,
  });
  if (settlement.status === 'failed') {
    await recordFailed(
      run,
      { target, lease, record, state },
      decision,
      { history, ...(failedRemovals ? { failedRemovals } : {}), ...(plan ? { plan } : {}) },
      now,
    );
    return { history, decideNow: false };
  }
  const running = settlement.status === 'in-flight';
  const recorded =
    running && !dryRun && paused.state === 'running'
      ? await stepWhilePending(run, model, { target, lease }, decision, seen, state, now)
      : decision;
  await recordLeased(
    run,
    target,
    recorded,
    newlyApplied,
    {
      lease,
      history,
      ...(running ? { intentRecorded: true } : { clearIntent: true }),
      ...(failedRemovals ? { failedRemovals } : {}),
      ...(plan ? { plan } : {}),
    },
    now,
    state,
  );
  // The holder that made the change stopped before telling anyone.
  if (newlyApplied) notifyChange(run, decision, dryRun, now);
  return { history, decideNow: !running };
}

/**
 * An operation AWS gave up on: recorded with its intent cleared, backed off, its change out of the cooldowns
 * and rate limits, told at most once an hour (with its plan's notice, for a plan member).
 */
async function recordFailed(
  run: EvaluationRun,
  at: {
    readonly target: Target;
    readonly lease: Lease;
    readonly record: TargetRecord & { intent: PendingIntent };
    readonly state: CapacityState;
  },
  decision: Decision,
  update: Pick<TargetUpdate, 'failedRemovals' | 'plan'> & { readonly history: ScalingHistory },
  now: Date,
): Promise<void> {
  const { target, lease, record, state } = at;
  const { intent } = record;
  const dryRun = run.dryRun(target);
  const failures = record.failures + 1;
  // Each failed operation is recorded; told once an hour at most: the replacements of a replica that
  // keeps failing do not storm (issue 21).
  const tell = !toldWithinTheHour(record.noticesToldAt, 'OperationFailed', now);
  await recordLeased(
    run,
    target,
    decision,
    false,
    {
      lease,
      clearIntent: true,
      // A change AWS gave up on counts for no cooldown or rate limit (the backoff spaces the retry).
      ...(intent.recorded ? { history: withoutChange(update.history, intent) } : {}),
      failures: { count: failures, backoffUntil: backoffUntil(failures, now) },
      ...(tell ? { noticesToldAt: withTold(record.noticesToldAt, ['OperationFailed'], now) } : {}),
      // The units AWS kept (a shard it would not delete): the next removal chooses others.
      ...(update.failedRemovals ? { failedRemovals: update.failedRemovals } : {}),
      ...(update.plan ? { plan: update.plan } : {}),
    },
    now,
    state,
  );
  run.deps.decisionMetrics?.failed('operation', target.name);
  if (tell) {
    notifyChange(run, decision, dryRun, now);
    const planNotice = failedMemberNotice(run, target, decision, state.current);
    if (planNotice) notifyChange(run, planNotice, dryRun, now);
  }
}

/**
 * The kind's step while its operation is in flight (KindModel.stepWhilePending: reader discovery kept to the
 * replicas that serve), taken through its port while the lease outlives it and told in the pending decision. One
 * that fails is said there and left to the next run: it must neither back the target off nor end the operation
 * in flight.
 */
async function stepWhilePending(
  run: EvaluationRun,
  model: KindModel<unknown>,
  { target, lease }: { readonly target: Target; readonly lease: Lease },
  pending: Decision,
  seen: { readonly observation: unknown; readonly metrics: TargetReadings['raw'] },
  state: CapacityState,
  now: Date,
): Promise<Decision> {
  const step = model.stepWhilePending?.({ target, ...seen, current: state.current, now });
  if (!step) return pending;
  leaseOutlivesCall(lease, run.deps.clock.now(), run.deps.apiBudget);
  try {
    return await fencedByLease(lease, run.deps.clock, () =>
      actOnTarget(
        run.deps,
        target,
        { ...pending, message: `${pending.message}; ${step.message}` },
        step.act,
        seen.observation,
      ),
    );
  } catch (error) {
    run.deps.log.warn('step while an operation is in flight failed', {
      target: target.name,
      step: step.act.type,
      error: describeError(error),
    });
    const why = error instanceof Error ? error.message : String(error);
    return {
      ...pending,
      message: `${pending.message}; ${step.message} failed (${why}): tried again next run`,
    };
  }
}
