import type { MetricSpec } from '../policy/schema';

/** CloudWatch's `[{ Name, Value }]` form of a dimension map. */
export function cloudWatchDimensions(dimensions: Record<string, string>) {
  return Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value }));
}

/** The `MetricStat` of a policy metric, as GetMetricData and metric-math alarms take it. */
export function metricStat(metric: MetricSpec & { dimensions: Record<string, string> }) {
  return {
    Metric: {
      Namespace: metric.namespace,
      MetricName: metric.name,
      Dimensions: cloudWatchDimensions(metric.dimensions),
    },
    Period: metric.periodSeconds,
    Stat: metric.statistic,
  };
}
