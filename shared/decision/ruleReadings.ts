import type { Rule, Target } from '../policy/schema';
import type { MetricReading } from './types';

/**
 * How old a rule's newest *complete* datapoint may be, judged by the end of its period: the policy's
 * `metricStaleAfterSeconds`, but never less than two periods. A period's datapoint can only exist once the
 * period is over, and CloudWatch publishes it a little later still, so with 300-second periods the newest
 * complete datapoint is routinely 5–10 minutes old. (Validation refuses an explicit value under two
 * periods; this lifts the 300-second default for rules with long periods.)
 */
export function staleAfterSeconds(target: Pick<Target, 'metricStaleAfterSeconds'>, rule: Rule): number {
  return Math.max(target.metricStaleAfterSeconds, 2 * rule.metric.periodSeconds);
}

/** How far back a metric read must reach for this rule: its evaluation periods, the one in progress, and staleness. */
export function lookbackSeconds(target: Target, rule: Rule): number {
  return (rule.evaluationPeriods + 1) * rule.metric.periodSeconds + staleAfterSeconds(target, rule);
}

/** What a rule's recent datapoints say, once incomplete and stale ones are set aside. */
export interface RuleSample {
  /** The newest complete datapoint's value. */
  readonly newest: number;
  /**
   * The rule's last `evaluationPeriods` complete periods are all present: then `lowest` and `highest` are
   * their extremes. A breach counts only when every one of them breaches, as the generated alarm requires
   * (`DatapointsToAlarm` = `EvaluationPeriods`): scale out on the lowest, scale in on the highest.
   */
  readonly sustained: boolean;
  readonly lowest: number;
  readonly highest: number;
}

/**
 * The rule's sample at `now`, or undefined when it has no fresh complete datapoint. Timestamps are
 * CloudWatch's period starts: a datapoint is complete once `timestamp + period ≤ now`, and its age is
 * measured from that end, not from its start.
 */
export function ruleSample(
  target: Pick<Target, 'metricStaleAfterSeconds'>,
  rule: Rule,
  readings: readonly MetricReading[] | undefined,
  now: Date,
): RuleSample | undefined {
  if (!readings) return undefined;
  // The backtest decides every simulated minute: readings in strictly ascending time order (as MetricWindow and
  // GetMetricData's TimestampAscending give them) are sampled in one pass without an array or a map.
  return inTimeOrder(readings)
    ? sampleOrdered(target, rule, readings, now)
    : sampleAnyOrder(target, rule, readings, now);
}

function inTimeOrder(readings: readonly MetricReading[]): boolean {
  // Written as "not later", so an invalid date (NaN) takes the general path too.
  for (let k = 1; k < readings.length; k += 1)
    if (!((readings[k] as MetricReading).timestamp > (readings[k - 1] as MetricReading).timestamp))
      return false;
  return true;
}

/** ruleSample for readings in strictly ascending time order: each period once, the newest complete one last. */
function sampleOrdered(
  target: Pick<Target, 'metricStaleAfterSeconds'>,
  rule: Rule,
  readings: readonly MetricReading[],
  now: Date,
): RuleSample | undefined {
  const period = rule.metric.periodSeconds * 1000;
  const at = now.getTime();
  let newest = -1;
  for (let k = readings.length - 1; k >= 0 && newest < 0; k -= 1) {
    const r = readings[k] as MetricReading;
    if (Number.isFinite(r.value) && r.timestamp.getTime() + period <= at) newest = k;
  }
  if (newest < 0) return undefined;
  const newestAt = (readings[newest] as MetricReading).timestamp.getTime();
  if (isStale(target, rule, newestAt, now)) return undefined;
  const windowStart = newestAt - (rule.evaluationPeriods - 1) * period;
  let count = 0;
  let lowest = Number.POSITIVE_INFINITY;
  let highest = Number.NEGATIVE_INFINITY;
  for (let k = newest; k >= 0; k -= 1) {
    const r = readings[k] as MetricReading;
    if (r.timestamp.getTime() < windowStart) break;
    if (!Number.isFinite(r.value)) continue;
    count += 1;
    lowest = Math.min(lowest, r.value);
    highest = Math.max(highest, r.value);
  }
  return {
    newest: (readings[newest] as MetricReading).value,
    sustained: count >= rule.evaluationPeriods,
    lowest,
    highest,
  };
}

/** Whether the newest complete period, starting at `newestAt`, ended too long ago to act on (both paths ask). */
function isStale(
  target: Pick<Target, 'metricStaleAfterSeconds'>,
  rule: Rule,
  newestAt: number,
  now: Date,
): boolean {
  const age = now.getTime() - (newestAt + rule.metric.periodSeconds * 1000);
  return age > staleAfterSeconds(target, rule) * 1000;
}

/** ruleSample for readings in any order, a period perhaps more than once (its last reading counts). */
function sampleAnyOrder(
  target: Pick<Target, 'metricStaleAfterSeconds'>,
  rule: Rule,
  readings: readonly MetricReading[],
  now: Date,
): RuleSample | undefined {
  const period = rule.metric.periodSeconds * 1000;
  const complete = readings.filter(
    (r) => Number.isFinite(r.value) && r.timestamp.getTime() + period <= now.getTime(),
  );
  const newest = complete.reduce<MetricReading | undefined>(
    (a, b) => (a === undefined || b.timestamp > a.timestamp ? b : a),
    undefined,
  );
  if (!newest || isStale(target, rule, newest.timestamp.getTime(), now)) return undefined;

  const windowStart = newest.timestamp.getTime() - (rule.evaluationPeriods - 1) * period;
  const byPeriod = new Map<number, number>();
  for (const r of complete) {
    const t = r.timestamp.getTime();
    if (t >= windowStart) byPeriod.set(t, r.value);
  }
  const values = [...byPeriod.values()];
  return {
    newest: newest.value,
    sustained: values.length >= rule.evaluationPeriods,
    lowest: Math.min(...values),
    highest: Math.max(...values),
  };
}

/** Several series of one rule as one (a metric per replica): the mean of the values present at each period. */
export function meanPerPeriod(series: readonly (readonly MetricReading[])[]): MetricReading[] {
  const sums = new Map<number, { sum: number; count: number }>();
  for (const points of series)
    for (const p of points) {
      const at = sums.get(p.timestamp.getTime()) ?? { sum: 0, count: 0 };
      sums.set(p.timestamp.getTime(), { sum: at.sum + p.value, count: at.count + 1 });
    }
  return [...sums]
    .sort((a, b) => a[0] - b[0])
    .map(([time, { sum, count }]) => ({ timestamp: new Date(time), value: sum / count }));
}
