import type { EvaluationRun } from './EvaluationRun';

/**
 * The last step: the run's summary (targets, evaluated, acted, deferred, fanned out, its control-plane
 * calls and any wait to stay in its API budget) as one log line and as EMF metrics.
 */
export function reportRun(run: EvaluationRun): void {
  const summary = run.summary();
  run.deps.log.info('run', { ...summary });
  run.deps.decisionMetrics?.ran?.(summary);
}
