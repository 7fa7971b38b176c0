import { z } from 'zod';
import { MAX_METRIC_VALUE, ONE_DAY_SECONDS, positiveUpTo, templateText, wholeNumber } from './bounds';

/** A CloudWatch metric, read with GetMetricData and watched by the generated alarms. */
export const MetricSchema = z
  .strictObject({
    namespace: templateText('CloudWatch namespace', 255),
    name: templateText('CloudWatch metric name', 255),
    statistic: z
      .union([
        z.enum(['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount']),
        z.string().regex(/^p\d{1,2}(\.\d+)?$/, 'must be a CloudWatch statistic or a percentile such as p95'),
      ])
      .default('Average'),
    dimensions: z
      .record(templateText('dimension name', 255), templateText('dimension value', 1024))
      .optional()
      .describe('CloudWatch dimensions; default: the target resource (e.g. AutoScalingGroupName)'),
    periodSeconds: wholeNumber('s', 60, ONE_DAY_SECONDS, 'one day')
      .multipleOf(60, 'must be a multiple of 60 s')
      .default(60),
    percentOf: positiveUpTo(MAX_METRIC_VALUE, '')
      .optional()
      .describe(
        'read the metric as a percentage of this value, e.g. max_connections for DatabaseConnections',
      ),
  })
  .describe('A CloudWatch metric');
