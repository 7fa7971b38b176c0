import { historySeconds, nextHistory } from '../../decision/nextHistory';
import { planObserved } from '../../decision/plans/nextPlanRecord';
import type { Decision, ScalingHistory } from '../../decision/types';
import { LeaseLostError } from '../../errors';
import type { Target } from '../../policy/schema';
import type { Lease, TargetRecord, TargetUpdate } from '../../ports';
import { readKillSwitch } from '../readKillSwitch';
import { actOnTarget } from './actOnTarget';
import { decideTarget, noted, operationOf } from './decideTarget';
import { type EvaluationRun, emptyDecision } from './EvaluationRun';
import { failTarget } from './failTarget';
import { kindScaler } from './kindScaler';
import { fencedByLease, leaseOutlivesCall } from './leaseOutlivesCall';
import type { LeasedLook } from './leaseTargets';
import { noticeKey, noticesToTell, notifyChange, planNoticePart, withTold } from './notifyChange';
import type { SeenUnderLease } from './observeUnderLease';
import { noticeDecision, planRecordFor } from './planRecords';
import { readingsUnderLease } from './readingsUnderLease';
import { recordLeased } from './recordDecisions';
import { planOf } from './routeTargets';
import { settleIntent } from './settleIntent';
import type { Decided, TargetReadings } from './types';
import { writeIntent } from './writeIntent';

/**
 * One leased target's walk, on what was read under its lease and the kill switch as it reads now: an
 * operation written ahead is settled first; then the decision is taken again (decide step) on the fresh observation and carried out (intent,
 * act, record, notify). A lease lost on the way (its token fenced off) ends the walk with `LeaseHeld`,
 * written nowhere: the new holder decides. The lease is released at the end, whatever happened.
 */
export async function evaluateUnderLease(
  run: EvaluationRun,
  { look, lease }: LeasedLook,
  seen: SeenUnderLease | undefined,
  firstReadings: TargetReadings,
  now: Date,
): Promise<void> {
  const { deps } = run;
  const { target } = look;
  const { model } = kindScaler(deps.capacity);
  try {
    // Read for each leased target (from the switch's 30 s cache): a batch's targets act over many seconds.
    const paused = await readKillSwitch(deps, deps.clock.now());
    const read = readUnderLease(seen, look.record);
    if ('error' in read)
      return await failTarget(run, target, read.record, 'DescribeFailed', read.error, { lease, now });
    const { record, observation } = read;
    const readings = await readingsUnderLease(deps, look, observation, firstReadings, now);
    const state = model.capacity(target, observation, now, readings.raw);
    let history = record.history;
    if (record.intent) {
      const settled = await settleIntent(
        run,
        model,
        lease,
        target,
        { ...record, intent: record.intent },
        { observation, metrics: readings.raw },
        state,
        paused,
        now,
      );
      if (!settled.decideNow) return;
      history = settled.history;
    }
    const decided = decideTarget({
      policy: deps.policy,
      ...(deps.stage !== undefined ? { stage: deps.stage } : {}),
      model,
      target,
      observation,
      state,
      readings,
      history,
      floors: record.floors,
      failedRemovals: record.failedRemovals,
      paused,
      ...planOf(run, target.name),
      now,
    });
    const leasedDecision = noted(decided.decision, {
      gate: 'lease',
      outcome: 'passed',
      message: `lease ${lease.token} held; decided on the resource read under it`,
    });
    await carryOut(
      run,
      { ...decided, decision: leasedDecision },
      { target, lease, record, history, observation, now },
    );
  } catch (error) {
    if (!(error instanceof LeaseLostError)) throw error;
    // Someone else holds the target now: it decides; this evaluation writes and does nothing more.
    deps.log.warn('lease lost', { target: target.name, token: lease.token });
    const first = look.observed && 'observation' in look.observed ? look.observed.observation : undefined;
    const current = first === undefined ? 0 : model.capacity(target, first, now).current;
    run.unrecordedOutcome({
      decision: emptyDecision(
        target,
        'LeaseHeld',
        current,
        `lease ${lease.token} on ${target.name} expired before acting; the next holder decides`,
      ),
      applied: false,
      dryRun: run.dryRun(target),
    });
  } finally {
    await deps.ledger.releaseLease(lease);
  }
}

/** The record and observation read under the lease, or why the resource could not be read. */
function readUnderLease(
  seen: SeenUnderLease | undefined,
  before: TargetRecord,
): { record: TargetRecord; observation: unknown } | { record: TargetRecord; error: unknown } {
  if (!seen) return { record: before, error: new Error('not read under its lease') };
  if ('error' in seen) return { record: before, error: seen.error };
  if ('error' in seen.observed) return { record: seen.record, error: seen.observed.error };
  return { record: seen.record, observation: seen.observed.observation };
}

/** What a leased decision is carried out with. */
interface UnderLease {
  readonly target: Target;
  readonly lease: Lease;
  readonly record: TargetRecord;
  readonly history: ScalingHistory;
  readonly observation: unknown;
  readonly now: Date;
}

/**
 * Intent, act, record, notify for one decision under its lease. A change is written ahead, made, and
 * recorded with the history it leads to; a preparing step (a replica tagged for draining) needs no intent;
 * a decision that changes nothing is recorded (its notice told once, and not again within the hour). An action that fails is recorded as
 * `ActionFailed` and backs the target off; the intent of one AWS refused goes (it changed nothing), any other's
 * stays for the next observation to settle. A plan
 * member's state goes with the record, and its plan notice is told once.
 */
async function carryOut(run: EvaluationRun, decided: Decided, at: UnderLease): Promise<void> {
  const { deps } = run;
  const { target, lease, history, now } = at;
  const dryRun = run.dryRun(target);
  const { action, operation } = operationOf(decided);
  const applied = Boolean(operation && !dryRun);
  const next = nextHistory(history, decided.decision, now, applied, historySeconds(target));
  const way: CarriedOut = { dryRun, applied, next };
  const planNotice = decided.plan?.notice;

  if (action && applied) {
    await writeIntent(deps, lease, decided.decision, action, now);
    const done = await actUnderLease(run, decided, at, action);
    if (!done) return;
    const settles = kindScaler(deps.capacity).model.settlesAtOnce;
    // The change went through: a failure told before is over, the next one is told again (issue 21). A plan
    // notice about the member (at its maximum) lasts as long as its cause.
    const key = planNoticePart(noticeKey(done, dryRun, undefined, planNotice));
    const update = {
      ...leasedUpdate(run, decided, at, way, done, key),
      ...(settles ? { clearIntent: true } : { intentRecorded: true }),
    };
    await recordLeased(run, target, done, true, update, now, decided.state);
    notifyChange(run, done, dryRun, now);
    tellOnce(run, decided, at, { dryRun, acted: true }, done, key);
    return;
  }
  // A preparing step changes no capacity and is idempotent: it needs no intent.
  const done = action && !dryRun ? await actUnderLease(run, decided, at, action) : decided.decision;
  if (!done) return;
  const key = noticeKey(done, dryRun, decided.notify, planNotice);
  await recordLeased(
    run,
    target,
    done,
    false,
    leasedUpdate(run, decided, at, way, done, key),
    now,
    decided.state,
  );
  tellOnce(run, decided, at, { dryRun, acted: Boolean(action) && !dryRun }, done, key);
}

/** How a decision is carried out: dry run or not, applied or not, and the history it leads to. */
interface CarriedOut {
  readonly dryRun: boolean;
  readonly applied: boolean;
  readonly next: ScalingHistory;
}

/**
 * The action through the kind's port, while the lease outlives it (else LeaseLostError: the walk ends
 * `LeaseHeld`). One AWS refuses is recorded as `ActionFailed` and backs the target off (undefined returned:
 * nothing more to record).
 */
async function actUnderLease(
  run: EvaluationRun,
  decided: Decided,
  at: UnderLease,
  action: NonNullable<ReturnType<typeof operationOf>['action']>,
): Promise<Decision | undefined> {
  const { target, lease, record, observation, now } = at;
  leaseOutlivesCall(lease, run.deps.clock.now(), run.deps.apiBudget);
  try {
    return await fencedByLease(lease, run.deps.clock, () =>
      actOnTarget(run.deps, target, decided.decision, action, observation),
    );
  } catch (error) {
    await failTarget(run, target, record, 'ActionFailed', error, {
      lease,
      now,
      attempted: { decision: decided.decision, operation: action.type },
      state: decided.state,
    });
    return undefined;
  }
}

/** What the record writes with the decision: the history, the notices told, a plan member's state. */
function leasedUpdate(
  run: EvaluationRun,
  decided: Decided,
  at: UnderLease,
  way: CarriedOut,
  done: Decision,
  key: string | null,
): TargetUpdate {
  const { target, lease, record, now } = at;
  const plan = planRecordFor(run, target.name, {
    observed: planObserved(decided.state),
    decision: done,
    appliedAt: way.applied ? now : undefined,
    changes: way.next.changes,
    ...(decided.plan ? { planLevels: decided.plan.levels } : {}),
    now,
  });
  const { keys } = noticesToTell(record, key, now, way.dryRun && done.desired !== done.current);
  return {
    lease,
    history: way.next,
    failures: { count: 0 },
    lastNotice: key,
    ...(keys.length > 0 ? { noticesToldAt: withTold(record.noticesToldAt, keys, now) } : {}),
    ...(plan ? { plan } : {}),
    ...policiesKept(record, decided.state.scalingPolicyArns),
  };
}

/**
 * The group's own scaling policies as read in full under the lease, kept for the next first look to ask for
 * again; forgotten once the group has none (left as they are for a kind that has none).
 */
function policiesKept(
  record: TargetRecord,
  arns: readonly string[] | undefined,
): Pick<TargetUpdate, 'scalingPolicyArns'> {
  if (arns && arns.length > 0) return { scalingPolicyArns: arns };
  return record.scalingPolicyArns ? { scalingPolicyArns: null } : {};
}

/**
 * The decision's notice and its plan's, each told once (not again within the hour). Where the run took no action
 * on the target, its notice is a hold or a skip, which many targets' alike may share one message (rollUpNotices);
 * a plan member's notice (it cannot follow) always is.
 */
function tellOnce(
  run: EvaluationRun,
  decided: Decided,
  at: UnderLease,
  { dryRun, acted }: { readonly dryRun: boolean; readonly acted: boolean },
  done: Decision,
  key: string | null,
): void {
  const { target, record, now } = at;
  const told = noticesToTell(record, key, now, dryRun && done.desired !== done.current);
  if (told.own) notifyChange(run, done, dryRun, now, { rollable: !acted });
  const planNotice = decided.plan?.notice;
  if (planNotice && told.plan)
    notifyChange(run, noticeDecision(target, decided.state.current, planNotice.message), dryRun, now, {
      rollable: true,
    });
}
