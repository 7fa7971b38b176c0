import { historySeconds, withAppliedChange } from '../../decision/nextHistory';
import { reconcileIntent } from '../../decision/reconcileIntent';
import type { Decision } from '../../decision/types';
import type { Target } from '../../policy/schema';
import { decideTarget, operationOf } from './decideTarget';
import { emptyDecision } from './EvaluationRun';
import { kindScaler, observeMany } from './kindScaler';
import { observeTargets } from './observeTargets';
import { noReadings, readMetrics } from './readMetrics';
import { selectTargets } from './selectTargets';
import type { EvaluateDeps, Evaluation, EvaluationRequest, TargetLook, TargetReadings } from './types';

/**
 * `scalepilot plan`: the walk's read steps (select, observe, read metrics, decide), and for a target that
 * would act the read it would make under its lease, decided on again; no lease, no intent, no record, no
 * notification. An operation still running (or failed) is shown as such instead of a new decision.
 */
export async function planTargets(deps: EvaluateDeps, request: EvaluationRequest): Promise<Evaluation[]> {
  const now = deps.clock.now();
  const targets = selectTargets(deps.policy, deps.kind, request.targets);
  const looks = await observeTargets(deps, targets, now);
  const readings = await readMetrics(deps, looks, now);
  const first = looks.map((look) => planOne(deps, look, readings.get(look.target.name) ?? noReadings, now));
  const acting = looks.filter((_, i) => first[i]?.acts).map((l) => l.target);
  const again = await observeMany(deps.capacity, acting, 'to-act');
  return looks.map((look, i) => {
    const seen = again.get(look.target.name);
    const planned =
      seen && 'observation' in seen
        ? planOne(deps, { ...look, observed: seen }, readings.get(look.target.name) ?? noReadings, now)
        : first[i];
    return { decision: (planned as Planned).decision, applied: false, dryRun: true };
  });
}

interface Planned {
  readonly decision: Decision;
  readonly acts: boolean;
}

function planOne(deps: EvaluateDeps, look: TargetLook, readings: TargetReadings, now: Date): Planned {
  const { target, record, observed } = look;
  const { model } = kindScaler(deps.capacity);
  if (!observed || 'error' in observed) return { decision: unread(target, observed), acts: false };
  const { observation } = observed;
  if (record.intent) {
    const settlement = model.settle(target, record.intent, observation, now);
    if (settlement.status === 'in-flight' || settlement.status === 'failed')
      return { decision: reconcileIntent(target, record.intent, settlement), acts: false };
  }
  const history =
    record.intent && !record.intent.recorded
      ? withAppliedChange(record.history, record.intent, now, historySeconds(target))
      : record.history;
  const decided = decideTarget({
    policy: deps.policy,
    model,
    target,
    observation,
    state: model.capacity(target, observation, now, readings.raw),
    readings,
    history,
    floors: record.floors,
    paused: { state: 'running' },
    now,
  });
  return { decision: decided.decision, acts: operationOf(decided).action !== undefined };
}

function unread(target: Target, observed: TargetLook['observed']): Decision {
  const error = observed && 'error' in observed ? observed.error : 'backed off';
  return emptyDecision(
    target,
    'DescribeFailed',
    0,
    `cannot read ${target.name}: ${error instanceof Error ? error.message : String(error)}`,
  );
}
