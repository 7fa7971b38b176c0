import { floorAt } from '../../decision/floors';
import { historySeconds, withAppliedChange } from '../../decision/nextHistory';
import { reconcileIntent } from '../../decision/reconcileIntent';
import type { CapacityState, Decision } from '../../decision/types';
import { decideTarget, operationOf } from './decideTarget';
import { emptyDecision } from './EvaluationRun';
import { kindScaler, observeMany } from './kindScaler';
import { observeTargets } from './observeTargets';
import { noReadings, readMetrics } from './readMetrics';
import { batchPlans, planMemberships, readPlanRecords } from './readPlans';
import { selectTargets } from './selectTargets';
import type {
  EvaluateDeps,
  Evaluation,
  EvaluationRequest,
  PlanMembership,
  TargetLook,
  TargetReadings,
} from './types';

/**
 * `scalepilot plan`: the walk's read steps (select, observe, read metrics and plans, decide), and for a
 * target that would act the read it would make under its lease, decided on again; no lease, no intent, no
 * record, no notification. An operation still running (or failed) is shown as such instead of a new
 * decision. Each outcome carries the resource as observed (`state`), for the plans' overview.
 */
export async function planTargets(deps: EvaluateDeps, request: EvaluationRequest): Promise<Evaluation[]> {
  const now = deps.clock.now();
  const targets = selectTargets(deps.policy, deps.kind, request.targets);
  const looks = await observeTargets(deps, targets, now);
  const plans = batchPlans(deps.policy, targets);
  const [read, records] = await Promise.all([
    readMetrics(deps, looks, now, plans.demands),
    readPlanRecords(deps, plans),
  ]);
  const memberships = planMemberships(deps.policy, plans, records, read.extra, targets, now);
  const one = (look: TargetLook) =>
    planOne(
      deps,
      look,
      read.byTarget.get(look.target.name) ?? noReadings,
      memberships.get(look.target.name),
      now,
    );
  const first = looks.map(one);
  const acting = looks.filter((_, i) => first[i]?.acts).map((l) => l.target);
  const again = await observeMany(deps.capacity, acting, 'to-act');
  return looks.map((look, i) => {
    const seen = again.get(look.target.name);
    const planned = (seen && 'observation' in seen ? one({ ...look, observed: seen }) : first[i]) as Planned;
    return {
      decision: planned.decision,
      applied: false,
      dryRun: true,
      ...(planned.state ? { state: planned.state } : {}),
      ...(planned.floor ? { floor: planned.floor } : {}),
      ...(planned.unread !== undefined ? { unread: planned.unread } : {}),
    };
  });
}

interface Planned {
  readonly decision: Decision;
  readonly acts: boolean;
  readonly state?: CapacityState;
  readonly floor?: Evaluation['floor'];
  readonly unread?: string;
}

function planOne(
  deps: EvaluateDeps,
  look: TargetLook,
  readings: TargetReadings,
  membership: PlanMembership | undefined,
  now: Date,
): Planned {
  const { target, record, observed } = look;
  const { model } = kindScaler(deps.capacity);
  if (!observed || 'error' in observed) {
    const why = unreadWhy(observed);
    return {
      decision: emptyDecision(target, 'DescribeFailed', 0, `cannot read ${target.name}: ${why}`),
      acts: false,
      unread: why,
    };
  }
  const { observation } = observed;
  const state = model.capacity(target, observation, now, readings.raw);
  if (record.intent) {
    const settlement = model.settle(target, record.intent, observation, now);
    if (settlement.status === 'in-flight' || settlement.status === 'failed')
      return { decision: reconcileIntent(target, record.intent, settlement), acts: false, state };
  }
  const history =
    record.intent && !record.intent.recorded
      ? withAppliedChange(record.history, record.intent, now, historySeconds(target))
      : record.history;
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
    paused: { state: 'running' },
    ...(membership
      ? { plan: { context: membership.context, planLevels: membership.last?.planLevels ?? [] } }
      : {}),
    now,
  });
  const floor = floorAt(record.floors, now);
  return {
    decision: decided.decision,
    acts: operationOf(decided).action !== undefined,
    state,
    ...(floor ? { floor } : {}),
  };
}

/** Why a target's resource was not read: the describe's error, or its backoff after failures. */
function unreadWhy(observed: TargetLook['observed']): string {
  const error = observed && 'error' in observed ? observed.error : 'backed off';
  return error instanceof Error ? error.message : String(error);
}
