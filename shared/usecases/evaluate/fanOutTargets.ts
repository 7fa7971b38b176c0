import { fanOutBatches, runPlan } from '../../policy/runPlan';
import type { Target } from '../../policy/schema';
import type { EvaluationRun } from './EvaluationRun';

/**
 * The fan-out step of a scheduled run: when the policy holds more targets of the kind than one run takes
 * (`runPlan`), their names go out in batches (SQS, consumed by this same function, each batch a run
 * of its own with the same kill switch, leases and records) and this run evaluates none itself.
 * Returns whether it fanned out.
 */
export async function fanOutTargets(
  run: EvaluationRun,
  targets: readonly Target[],
  now: Date,
): Promise<boolean> {
  const { deps, request } = run;
  if (request.trigger !== 'schedule' || request.batch !== undefined || !deps.fanOut) return false;
  const plan = runPlan(deps.policy, deps.kind);
  if (plan.batches <= 1) return false;
  const batches = fanOutBatches(
    targets.map((t) => t.name),
    plan.batches,
  );
  await deps.fanOut.enqueue(batches, now);
  run.fannedOut = targets.length;
  deps.log.info('targets fanned out', {
    batches: batches.length,
    targets: targets.length,
    perRun: plan.perRun,
  });
  return true;
}
