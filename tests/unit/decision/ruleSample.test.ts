import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ruleSample } from '../../../shared/decision/ruleReadings';
import type { MetricReading } from '../../../shared/decision/types';
import type { Rule } from '../../../shared/policy/schema';

/** ruleSample as it was before the one-pass path (issue 23): filter, newest, a map per period. */
function reference(
  target: { metricStaleAfterSeconds: number },
  rule: Rule,
  readings: MetricReading[],
  now: Date,
) {
  const period = rule.metric.periodSeconds * 1000;
  const complete = readings.filter(
    (r) => Number.isFinite(r.value) && r.timestamp.getTime() + period <= now.getTime(),
  );
  const newest = complete.reduce<MetricReading | undefined>(
    (a, b) => (a === undefined || b.timestamp > a.timestamp ? b : a),
    undefined,
  );
  if (!newest) return undefined;
  const stale = Math.max(target.metricStaleAfterSeconds, 2 * rule.metric.periodSeconds) * 1000;
  if (now.getTime() - (newest.timestamp.getTime() + period) > stale) return undefined;
  const windowStart = newest.timestamp.getTime() - (rule.evaluationPeriods - 1) * period;
  const byPeriod = new Map<number, number>();
  for (const r of complete)
    if (r.timestamp.getTime() >= windowStart) byPeriod.set(r.timestamp.getTime(), r.value);
  const values = [...byPeriod.values()];
  return {
    newest: newest.value,
    sustained: values.length >= rule.evaluationPeriods,
    lowest: Math.min(...values),
    highest: Math.max(...values),
  };
}

const NOW = Date.UTC(2026, 0, 1, 12);
const ruleWith = (periodSeconds: number, evaluationPeriods: number) =>
  ({ name: 'cpu', metric: { periodSeconds }, evaluationPeriods }) as unknown as Rule;
const at = (minutesBefore: number, value: number): MetricReading => ({
  timestamp: new Date(NOW - minutesBefore * 60_000),
  value,
});

describe('ruleSample', () => {
  it.each([
    {
      name: 'ascending: the newest complete reading, extremes of the last periods',
      readings: [at(5, 10), at(4, 30), at(3, 20), at(2, 40), at(0, 99)],
      expected: { newest: 40, sustained: true, lowest: 20, highest: 40 },
    },
    {
      name: 'ascending with a gap: not sustained',
      readings: [at(6, 10), at(2, 40)],
      expected: { newest: 40, sustained: false, lowest: 40, highest: 40 },
    },
    {
      name: 'ascending, a NaN inside the window is not a period',
      readings: [at(4, 30), at(3, Number.NaN), at(2, 40)],
      expected: { newest: 40, sustained: false, lowest: 30, highest: 40 },
    },
    {
      name: 'a period twice: its last reading counts',
      readings: [at(4, 30), at(3, 5), at(3, 50), at(2, 40)],
      expected: { newest: 40, sustained: true, lowest: 30, highest: 50 },
    },
    {
      name: 'an invalid date next to valid ones is never complete',
      readings: [at(3, 30), { timestamp: new Date(Number.NaN), value: 1 }, at(2, 40)],
      expected: { newest: 40, sustained: false, lowest: 30, highest: 40 },
    },
    { name: 'only stale readings: none', readings: [at(30, 30)], expected: undefined },
  ])('$name', ({ readings, expected }) => {
    expect(ruleSample({ metricStaleAfterSeconds: 300 }, ruleWith(60, 3), readings, new Date(NOW))).toEqual(
      expected,
    );
  });

  it('gives what the filter-and-map sampling gave, for readings in any order, duplicates and invalid values', () => {
    const reading = fc.record({
      minutesBefore: fc.integer({ min: -2, max: 40 }),
      value: fc.oneof(
        fc.double({ min: -5, max: 100 }),
        fc.constant(Number.NaN),
        fc.constant(-0),
        fc.constant(0),
      ),
    });
    const readingsArb = fc.oneof(
      fc.array(reading, { maxLength: 12 }),
      // Strictly ascending, as MetricWindow and GetMetricData give them: the one-pass path.
      fc
        .uniqueArray(reading, { maxLength: 12, selector: (r) => r.minutesBefore })
        .map((rs) => [...rs].sort((a, b) => b.minutesBefore - a.minutesBefore)),
    );
    fc.assert(
      fc.property(
        readingsArb,
        fc.constantFrom(60, 300),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 60, max: 1200 }),
        (raw, period, periods, staleAfter) => {
          const readings = raw.map((r) => at(r.minutesBefore, r.value));
          const rule = ruleWith(period, periods);
          const target = { metricStaleAfterSeconds: staleAfter };
          expect(ruleSample(target, rule, readings, new Date(NOW))).toEqual(
            reference(target, rule, readings, new Date(NOW)),
          );
        },
      ),
      { seed: 23, numRuns: 2000 },
    );
  });
});
