import { describe, expect, it } from 'vitest';
import { floorAt } from '../../../../shared/decision/floors';
import {
  demandHistory,
  planForecastFloors,
  withPlanFloors,
} from '../../../../shared/decision/plans/planForecastFloors';
import type { FloorSchedule } from '../../../../shared/decision/types';
import { rushPlan } from './planFixtures';

const MIN = 60_000;
const DAY = 1440 * MIN;
const at = (iso: string) => new Date(iso);
const reading = (iso: string, value: number) => ({ timestamp: at(iso), value });

describe('demandHistory: the demand in its own unit from 5-minute sums', () => {
  it.each([
    {
      name: 'a 5-minute sum of a one-minute metric is spread over its five minutes',
      sum: [reading('2026-12-01T00:00:00Z', 5000)],
      count: [reading('2026-12-01T00:00:00Z', 5)],
      want: [1000],
    },
    {
      name: 'a period nothing reported in is a gap, not a zero',
      sum: [reading('2026-12-01T00:00:00Z', 5000), reading('2026-12-01T00:05:00Z', 0)],
      count: [reading('2026-12-01T00:00:00Z', 5), reading('2026-12-01T00:05:00Z', 0)],
      want: [1000],
    },
    {
      name: 'oldest first, whatever order the read returned',
      sum: [reading('2026-12-01T00:05:00Z', 2500), reading('2026-12-01T00:00:00Z', 5000)],
      count: [reading('2026-12-01T00:05:00Z', 5), reading('2026-12-01T00:00:00Z', 5)],
      want: [1000, 500],
    },
    {
      name: 'an Average demand (a rule’s CPU) is the sum over its samples, as the walk reads it',
      statistic: 'Average',
      sum: [reading('2026-12-01T00:00:00Z', 1200)],
      count: [reading('2026-12-01T00:00:00Z', 20)],
      want: [60],
    },
    {
      name: 'a Maximum is read as itself',
      statistic: 'Maximum',
      sum: [reading('2026-12-01T00:00:00Z', 87)],
      count: [reading('2026-12-01T00:00:00Z', 5)],
      want: [87],
    },
  ])('$name', ({ sum, count, want, statistic }) => {
    expect(demandHistory(sum, count, 300, 60, statistic ?? 'Sum').values).toEqual(want);
  });
});

/** 1,000 a minute, 4,500 from 18:00 to 19:00 every day: a rush the forecast has seen on each of 3 days. */
function rushHistory(now: number) {
  const times: number[] = [];
  const values: number[] = [];
  for (let t = now - 3 * DAY; t < now; t += 5 * MIN) {
    const minuteOfDay = (t % DAY) / MIN;
    times.push(t);
    values.push(minuteOfDay >= 18 * 60 && minuteOfDay < 19 * 60 ? 4500 : 1000);
  }
  return { times, values };
}

describe('planForecastFloors: the plan’s floors from its demand’s forecast', () => {
  const now = at('2026-12-04T17:00:00Z');
  const until = at('2026-12-04T19:00:00Z');
  const input = {
    model: rushPlan(),
    headroom: 1,
    maxBufferOfMeanPercent: null,
    now,
    until,
    staleMinutes: 120,
  };

  it('raises each member’s floor its own lead time before the rush: replicas 15 min, cache 10, API 5', () => {
    const made = planForecastFloors({ ...input, history: rushHistory(now.getTime()) });
    expect(made.status).toBe('forecast');
    if (made.status !== 'forecast') return;
    const riseAt = (name: string) => {
      const schedule = made.schedules.get(name);
      const units = schedule?.units ?? [];
      const i = units.findIndex((u) => u > (units[0] ?? 0));
      return new Date((schedule?.start.getTime() ?? 0) + i * 5 * MIN).toISOString().slice(11, 16);
    };
    expect(riseAt('events-db')).toBe('17:45');
    expect(riseAt('sessions-cache')).toBe('17:50');
    expect(riseAt('api')).toBe('17:55');
    expect(made.schedules.get('events-db')?.source).toMatch(
      /^plan rush: forecast of its demand \(headroom ×1\.00\)/,
    );
    // 4,500 a minute: 9 instances, 3 replicas, 6 shards, as the plan's ratios say.
    const inRush = at('2026-12-04T18:30:00Z');
    expect(
      ['api', 'events-db', 'sessions-cache'].map((n) => floorAt(made.schedules.get(n), inRush)?.units),
    ).toEqual([9, 3, 6]);
  });

  it.each([
    {
      name: 'declines under a day of history',
      history: { times: [now.getTime() - 10 * MIN], values: [1000] },
      why: /^plan rush: InsufficientHistory/,
    },
    {
      name: 'declines a demand that stopped reporting over the stale limit ago (the forecast would be stale)',
      history: rushHistory(now.getTime() - 3 * 60 * MIN),
      why: /^plan rush: no demand datapoint since 2026-12-04T13:55:00\.000Z, over 2 h ago/,
    },
  ])('$name', ({ history, why }) => {
    const made = planForecastFloors({ ...input, history });
    expect(made).toMatchObject({ status: 'declined' });
    if (made.status === 'declined') expect(made.why).toMatch(why);
  });
});

describe('withPlanFloors: a member’s floors are the higher of its own and its plan’s', () => {
  const schedule = (units: number[], source: string): FloorSchedule => ({
    start: at('2026-12-04T17:00:00Z'),
    stepMinutes: 5,
    units,
    madeAt: at('2026-12-04T17:00:00Z'),
    source,
  });
  it.each([
    { name: 'neither: none', own: undefined, plan: undefined, units: undefined, fromPlan: false },
    { name: 'its own only', own: schedule([2, 3], 'own'), plan: undefined, units: [2, 3], fromPlan: false },
    {
      name: 'the plan’s only',
      own: undefined,
      plan: schedule([1, 3], 'plan'),
      units: [1, 3],
      fromPlan: true,
    },
    {
      name: 'the plan asks more at its highest: the plan’s source',
      own: schedule([2, 2], 'own'),
      plan: schedule([1, 4], 'plan'),
      units: [2, 4],
      fromPlan: true,
    },
    {
      name: 'its own asks as much or more: its own source',
      own: schedule([4, 2], 'own'),
      plan: schedule([1, 4], 'plan'),
      units: [4, 4],
      fromPlan: false,
    },
  ])('$name', ({ own, plan, units, fromPlan }) => {
    const merged = withPlanFloors(own, plan);
    expect(merged.floors?.units).toEqual(units);
    expect(merged.fromPlan).toBe(fromPlan);
  });
});
