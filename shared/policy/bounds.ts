import { z } from 'zod';

/**
 * The bounds every number and every template-bound string of the policy is held to (issue 20, item 8): a
 * value outside them is one clear line naming the place, never a scale-out blocked for ever (a unit rate
 * limit of 0.5), a lookback that starts before year 0 (a staleness of 1e12 s) or a `${…}` that CloudFormation
 * substitutes. docs/policy.md lists them.
 */

/** One day: the longest duration a key takes unless it says otherwise (the ledger keeps a day of history). */
export const ONE_DAY_SECONDS = 86_400;
/** The most units (instances, replicas, shards) a count in the policy may name. */
export const MAX_UNITS = 10_000;
/** Thresholds and targets are in the metric's own unit: any value CloudWatch reports, up to ±10^12. */
export const MAX_METRIC_VALUE = 1e12;
/** Money in a cost limit: up to 10^9 US dollars. */
export const MAX_USD = 1e9;

type Issue = { readonly input?: unknown };

/** A whole number in [min, max] of `unit`: one message for every way to miss it, with the value given. */
export function wholeNumber(unit: string, min: number, max: number, note?: string) {
  const error = (iss: Issue) =>
    `${String(iss.input)}${unit ? ` ${unit}` : ''}: must be a whole number from ${min} to ${max}${note ? ` (${note})` : ''}`;
  return z.number().int({ error }).min(min, { error }).max(max, { error });
}

/** A count of units (instances, replicas, shards): a whole number, at least `min`, at most MAX_UNITS. */
export function unitCount(min = 1) {
  return wholeNumber('', min, MAX_UNITS, 'units are whole instances, replicas or shards');
}

/** A duration in whole seconds, at least `min`, at most one day unless the key says otherwise. */
export function durationSeconds(
  min = 1,
  max = ONE_DAY_SECONDS,
  note = max === ONE_DAY_SECONDS ? 'one day' : '',
) {
  return wholeNumber('s', min, max, note || undefined);
}

/** A window the ledger's history must cover: at most one day, the history Scalepilot keeps per target. */
export function historyWindowSeconds(min: number) {
  return z
    .number()
    .int({ error: (iss: Issue) => `${String(iss.input)} s: must be a whole number of seconds` })
    .min(min, { error: (iss: Issue) => `${String(iss.input)} s: must be at least ${min}` })
    .max(ONE_DAY_SECONDS, {
      error: (iss: Issue) =>
        `${String(iss.input)} s is longer than the 24 h (${ONE_DAY_SECONDS} s) of history Scalepilot keeps per target`,
    });
}

/** A number in (0, max] (or [0, max] with `zero`), e.g. a percentage or an amount of money. */
export function positiveUpTo(max: number, unit: string, { zero = false } = {}) {
  const error = (iss: Issue) =>
    `${String(iss.input)}${unit ? ` ${unit}` : ''}: must be ${zero ? 'from 0' : 'above 0'} and at most ${max}`;
  const base = z.number();
  return (zero ? base.min(0, { error }) : base.positive({ error })).max(max, { error });
}

/** A threshold or a target in the metric's unit: any number within ±MAX_METRIC_VALUE. */
export function metricValue() {
  const error = (iss: Issue) =>
    `${String(iss.input)}: must be within ±${MAX_METRIC_VALUE} (the metric's own unit)`;
  return z.number().min(-MAX_METRIC_VALUE, { error }).max(MAX_METRIC_VALUE, { error });
}

/**
 * The first reason a text that is not empty (templateText refuses that first) cannot go into the template, or
 * undefined when it can.
 */
export function templateTextProblem(text: string, what: string): string | undefined {
  if (!/\S/.test(text)) return `must not be blank (${what})`;
  if (/^\s|\s$/.test(text)) return `must not start or end with a space (${what})`;
  if (text.includes('${')) return 'must not contain "${": CloudFormation would substitute it';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(text)) return 'must not contain control characters';
  return undefined;
}

/**
 * A string that reaches the stack's template (an alarm's dimensions, the dashboard's `Fn::Sub`, an IAM ARN):
 * not blank, not padded with spaces (AWS would not find the resource by it), no `${` (CloudFormation would
 * substitute it), no control character. One problem is reported: the first.
 */
export function templateText(what: string, max = 255) {
  // Empty is a check of its own (min, not the refinement), so the JSON Schema says it, minLength 1: editors flag
  // it, and docs/policy.md shows "1–255 characters" (it read 0–255).
  return z
    .string()
    .min(1, `must not be empty (${what})`)
    .max(max, `must be at most ${max} characters (${what})`)
    .superRefine((text, ctx) => {
      if (text.length === 0) return; // said by min
      const problem = templateTextProblem(text, what);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}
