import { fanOutBatches, runPlan } from '../../policy/runPlan';
import type { Target } from '../../policy/schema';
import type { EvaluationRun } from './EvaluationRun';

/** The scalers' schedule (rate(1 minute) in serverless.yml): a tick this old has a newer one. */
export const SCHEDULE_PERIOD_SECONDS = 60;

/**
 * The fan-out step of a scheduled run: when the policy holds more targets of the kind than one run takes
 * (`runPlan`), their names go out in batches (SQS, consumed by this same function, each batch a run
 * of its own with the same kill switch, leases and records) and this run evaluates none itself. The
 * batches carry the tick's time, so they go stale with it. A tick Lambda retried (a minute later at the
 * least, after a timeout too) hands out and evaluates nothing, with or without fan-out: the ticks since have
 * covered the same targets, and a second pass over the fleet beside them doubles its calls. Returns whether
 * the run is done with its targets (fanned out, or a retried tick).
 */
export async function fanOutTargets(
  run: EvaluationRun,
  targets: readonly Target[],
  now: Date,
): Promise<boolean> {
  const { deps, request } = run;
  if (request.trigger !== 'schedule' || request.batch !== undefined) return false;
  const at = request.tickAt && !Number.isNaN(request.tickAt.getTime()) ? request.tickAt : now;
  if (now.getTime() - at.getTime() >= SCHEDULE_PERIOD_SECONDS * 1000) {
    deps.log.warn('a retried tick evaluates nothing: the ticks since have covered its targets', {
      tick: at.toISOString(),
      targets: targets.length,
    });
    return true;
  }
  if (!deps.fanOut) return false;
  const plan = runPlan(deps.policy, deps.kind);
  if (plan.batches <= 1) return false;
  const batches = fanOutBatches(
    targets.map((t) => t.name),
    plan.batches,
  );
  await deps.fanOut.enqueue(batches, at);
  run.fannedOut = targets.length;
  deps.log.info('targets fanned out', {
    batches: batches.length,
    targets: targets.length,
    perRun: plan.perRun,
  });
  return true;
}
