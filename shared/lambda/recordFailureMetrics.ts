import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * Counts a write to the ledger or the delivery records that failed (issue 20, item 2): `Errors` by operation,
 * and `RecordFailures` under the function's `service` dimension only, the series the stack's
 * `<function>.record-failures` alarm watches. The run fails as well; this is how the operator hears of it.
 */
export function recordFailureMetrics(metrics: Metrics): (operation: string) => void {
  return (operation) => {
    const byOperation = metrics.singleMetric();
    byOperation.addDimensions({ operation });
    byOperation.addMetric('Errors', MetricUnit.Count, 1);
    // A single metric flushes on its first addMetric: each series needs its own.
    const byService = metrics.singleMetric();
    byService.addMetric('RecordFailures', MetricUnit.Count, 1);
  };
}
