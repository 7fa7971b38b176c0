import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CapacityState, Decision } from '../decision/types';
import type { DecisionMetrics } from '../usecases/evaluateTargets';

/**
 * EMF metrics (the dashboard's source): `Decisions` by target and reason, `Actions` by target and direction,
 * `OrderedCapacity` and `ServingCapacity` by target, `Errors` by operation, `TargetFailures` by service
 * (a target whose evaluation failed: describe, action or record).
 */
export function powertoolsDecisionMetrics(metrics: Metrics): DecisionMetrics {
  return {
    decided(decision: Decision, applied: boolean, state?: CapacityState) {
      const byReason = metrics.singleMetric();
      byReason.addDimensions({ target: decision.target, reason: decision.reason });
      byReason.addMetric('Decisions', MetricUnit.Count, 1);
      if (applied) {
        const action = metrics.singleMetric();
        action.addDimensions({ target: decision.target, direction: decision.direction });
        action.addMetric('Actions', MetricUnit.Count, 1);
      }
      const capacity = metrics.singleMetric();
      capacity.addDimensions({ target: decision.target });
      capacity.addMetric('OrderedCapacity', MetricUnit.Count, applied ? decision.desired : decision.current);
      if (state) {
        // A single metric flushes on its first addMetric: each series needs its own.
        const serving = metrics.singleMetric();
        serving.addDimensions({ target: decision.target });
        serving.addMetric('ServingCapacity', MetricUnit.Count, state.serving);
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
