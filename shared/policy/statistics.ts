/** The statistics a metric is read with: CloudWatch's standard ones, or a percentile such as p95 or p99.9. */
export const STANDARD_STATISTICS = ['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount'] as const;
export const PERCENTILE_STATISTIC = /^p\d{1,2}(\.\d+)?$/;

/** Whether GetMetricData would take `text` as the statistic of a policy's or the CLI's metric. */
export function isStatistic(text: string): boolean {
  return (STANDARD_STATISTICS as readonly string[]).includes(text) || PERCENTILE_STATISTIC.test(text);
}
