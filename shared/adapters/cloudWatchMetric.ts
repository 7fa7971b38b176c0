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

/**
 * The metric part of an alarm on a policy metric, in the shape PutMetricAlarm and AWS::CloudWatch::Alarm
 * both take: the plain metric (percentiles as ExtendedStatistic), or for a `percentOf` metric the metric
 * math that turns it into the percentage the thresholds are written in.
 */
export function alarmMetric(metric: MetricSpec & { dimensions: Record<string, string> }) {
  if (metric.percentOf === undefined)
    return {
      Namespace: metric.namespace,
      MetricName: metric.name,
      Dimensions: cloudWatchDimensions(metric.dimensions),
      Period: metric.periodSeconds,
      ...(/^p\d/.test(metric.statistic)
        ? { ExtendedStatistic: metric.statistic }
        : { Statistic: metric.statistic }),
    };
  return {
    Metrics: [
      { Id: 'm1', MetricStat: metricStat(metric), ReturnData: false },
      {
        Id: 'percent',
        Expression: `100 * m1 / ${metric.percentOf}`,
        Label: `${metric.name} %`,
        ReturnData: true,
      },
    ],
  };
}
