import { z } from 'zod';
import { MAX_METRIC_VALUE, ONE_DAY_SECONDS, positiveUpTo, templateText, wholeNumber } from './bounds';
import { PERCENTILE_STATISTIC, STANDARD_STATISTICS } from './statistics';

/** CloudWatch's most dimensions on one metric. */
const MAX_DIMENSIONS = 30;

/**
 * A dimension name or value as CloudWatch takes it (its Dimension type): ASCII only, and a name never starts
 * with ":". PutMetricAlarm refuses anything else, so the alarm, and with it the deploy, would fail.
 */
function dimensionText(what: 'dimension name' | 'dimension value', max: number) {
  return templateText(what, max).superRefine((text, ctx) => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the range is all of ASCII
    if (/[^\u0000-\u007f]/.test(text))
      ctx.addIssue({ code: 'custom', message: `must contain only ASCII characters (${what})` });
    else if (what === 'dimension name' && text.startsWith(':'))
      ctx.addIssue({ code: 'custom', message: `must not start with ":" (${what})` });
  });
}

/**
 * A namespace as CloudWatch takes it: ASCII (PutMetricData's Namespace), not starting with ":" (the alarm's
 * Metric, pattern `[^:].*`). Anything else passed validation and failed the deploy, at the alarm.
 */
const namespace = templateText('CloudWatch namespace', 255).superRefine((text, ctx) => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range is all of ASCII
  if (/[^\u0000-\u007f]/.test(text))
    ctx.addIssue({ code: 'custom', message: 'must contain only ASCII characters (CloudWatch namespace)' });
  else if (text.startsWith(':'))
    ctx.addIssue({ code: 'custom', message: 'must not start with ":" (CloudWatch namespace)' });
});

/** A CloudWatch metric, read with GetMetricData and watched by the generated alarms. */
export const MetricSchema = z
  .strictObject({
    namespace,
    name: templateText('CloudWatch metric name', 255),
    statistic: z
      .union([
        z.enum(STANDARD_STATISTICS),
        z.string().regex(PERCENTILE_STATISTIC, 'must be a CloudWatch statistic or a percentile such as p95'),
      ])
      .default('Average'),
    dimensions: z
      .record(dimensionText('dimension name', 255), dimensionText('dimension value', 1024))
      .refine((d) => Object.keys(d).length <= MAX_DIMENSIONS, {
        error: (iss) =>
          `${Object.keys(iss.input as object).length} dimensions; CloudWatch takes at most ${MAX_DIMENSIONS}`,
      })
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
