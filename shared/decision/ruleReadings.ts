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
  const period = rule.metric.periodSeconds * 1000;
  const complete = (readings ?? []).filter(
    (r) => Number.isFinite(r.value) && r.timestamp.getTime() + period <= now.getTime(),
  );
  const newest = complete.reduce<MetricReading | undefined>(
    (a, b) => (a === undefined || b.timestamp > a.timestamp ? b : a),
    undefined,
  );
  if (!newest) return undefined;
  const age = now.getTime() - (newest.timestamp.getTime() + period);
  if (age > staleAfterSeconds(target, rule) * 1000) return undefined;

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
