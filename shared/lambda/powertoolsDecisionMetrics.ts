import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CapacityState, Decision } from '../decision/types';
import type { DecisionMetrics, RunSummary } from '../usecases/evaluateTargets';

/**
 * EMF metrics (the dashboard's source): `Decisions` by target and reason, `Actions` by target and direction,
 * `OrderedCapacity` and `ServingCapacity` by target (only when the decision read the resource: a deferred
 * or backed-off target's capacity is not known, not 0), `Errors` by operation, `TargetFailures` by service
 * (a target whose evaluation failed: describe, action or record); per run, by service, `DeferredTargets`
 * (the stack's alarm watches it), `TargetsEvaluated`, `ApiBudgetWaitMs`, `ApiCalls` by `apiService`, and
 * `Decisions` by reason alone (the fleet dashboard's sum: a Metrics Insights query reads at most 10,000 series,
 * and by target and reason a fleet of 2,000 passes that; counted over the decisions since the last run's end).
 */
export function powertoolsDecisionMetrics(metrics: Metrics): DecisionMetrics {
  const byReason = new Map<string, number>();
  return {
    decided(decision: Decision, applied: boolean, state?: CapacityState) {
      byReason.set(decision.reason, (byReason.get(decision.reason) ?? 0) + 1);
      const byTarget = metrics.singleMetric();
      byTarget.addDimensions({ target: decision.target, reason: decision.reason });
      byTarget.addMetric('Decisions', MetricUnit.Count, 1);
      if (applied) {
        const action = metrics.singleMetric();
        action.addDimensions({ target: decision.target, direction: decision.direction });
        action.addMetric('Actions', MetricUnit.Count, 1);
      }
      if (applied || state) {
        const capacity = metrics.singleMetric();
        capacity.addDimensions({ target: decision.target });
        capacity.addMetric(
          'OrderedCapacity',
          MetricUnit.Count,
          applied ? decision.desired : decision.current,
        );
      }
      if (state) {
        // A single metric flushes on its first addMetric: each series needs its own.
        const serving = metrics.singleMetric();
        serving.addDimensions({ target: decision.target });
        serving.addMetric('ServingCapacity', MetricUnit.Count, state.serving);
      }
    },
    ran(summary: RunSummary) {
      // By the function's `service` dimension only: the stack's DeferredTargets alarm watches this series.
      const run = metrics.singleMetric();
      run.addMetric('DeferredTargets', MetricUnit.Count, summary.deferred);
      const evaluated = metrics.singleMetric();
      evaluated.addMetric('TargetsEvaluated', MetricUnit.Count, summary.evaluated);
      for (const [reason, count] of byReason) {
        const decisions = metrics.singleMetric();
        decisions.addDimensions({ reason });
        decisions.addMetric('Decisions', MetricUnit.Count, count);
      }
      byReason.clear();
      if (!summary.api) return;
      const waited = metrics.singleMetric();
      waited.addMetric('ApiBudgetWaitMs', MetricUnit.Milliseconds, summary.api.waitedMs);
      for (const [apiService, calls] of Object.entries(summary.api.calls)) {
        const byService = metrics.singleMetric();
        byService.addDimensions({ apiService });
        byService.addMetric('ApiCalls', MetricUnit.Count, calls);
      }
    },
    failed(operation: string, target?: string) {
      const failure = metrics.singleMetric();
      failure.addDimensions({ operation });
      failure.addMetric('Errors', MetricUnit.Count, 1);
      if (target) {
        // By the function's `service` dimension only: the stack's TargetFailures alarm watches this series.
        const byService = metrics.singleMetric();
        byService.addMetric('TargetFailures', MetricUnit.Count, 1);
      }
    },
  };
}
