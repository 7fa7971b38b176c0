import { describe, expect, it } from 'vitest';
import { DATAPOINTS_PER_CALL, historyBatches } from '../../../shared/adapters/CloudWatchMetricHistory';
import type { MetricQuery } from '../../../shared/ports';

const DAY = 86_400_000;
const query = (i: number, periodSeconds = 300): MetricQuery => ({
  id: `h${i}`,
  metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', statistic: 'Sum', periodSeconds, dimensions: {} },
});
const end = new Date('2026-12-01T00:00:00Z');

describe('historyBatches (one GetMetricData call each, at most 100,800 datapoints)', () => {
  it.each([
    { name: '14 days at 5 minutes: 25 series a call', days: 14, count: 60, period: 300, want: [25, 25, 10] },
    { name: '60 days at 5 minutes: 5 series a call', days: 60, count: 12, period: 300, want: [5, 5, 2] },
    { name: '2 days: all in one call', days: 2, count: 40, period: 300, want: [40] },
    {
      name: 'never more than 250 series (500 queries with percentages)',
      days: 1,
      count: 300,
      period: 3600,
      want: [250, 50],
    },
    {
      name: 'a series longer than a call still gets its own',
      days: 400,
      count: 2,
      period: 300,
      want: [1, 1],
    },
  ])('$name', ({ days, count, period, want }) => {
    const queries = Array.from({ length: count }, (_, i) => query(i, period));
    const batches = historyBatches(queries, new Date(end.getTime() - days * DAY), end);
    expect(batches.map((b) => b.length)).toEqual(want);
    expect(batches.flat()).toEqual(queries);
    for (const b of batches)
      if (b.length > 1)
        expect((b.length * days * DAY) / 1000 / period).toBeLessThanOrEqual(DATAPOINTS_PER_CALL);
  });
});
