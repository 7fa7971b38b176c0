import { describe, expect, it } from 'vitest';
import { carriedDemand } from '../../../../shared/decision/plans/carriedDemand';
import { wantedUnits } from '../../../../shared/decision/plans/wantedUnits';
import { rushPlan } from './planFixtures';

describe('wantedUnits: each member’s units for a demand', () => {
  it.each([
    {
      name: 'no demand: every member at its minimum',
      demand: 0,
      want: { api: 2, 'events-db': 1, 'sessions-cache': 3 },
    },
    {
      name: '3,000 a minute: 6 instances, 2 replicas, 4 shards (rounded up)',
      demand: 3000,
      want: { api: 6, 'events-db': 2, 'sessions-cache': 4 },
    },
    {
      name: '3,001: one more instance, and the replicas follow it',
      demand: 3001,
      want: { api: 7, 'events-db': 3, 'sessions-cache': 5 },
    },
    {
      name: 'float noise is not a unit: 1,500 × 0.002 is 3',
      demand: 1500,
      want: { api: 3, 'events-db': 1, 'sessions-cache': 3 },
    },
    {
      name: 'past the API’s maximum: the others follow the 10 it can have',
      demand: 7000,
      want: { api: 10, 'events-db': 3, 'sessions-cache': 6 },
    },
    {
      name: 'a negative reading counts as none',
      demand: -5,
      want: { api: 2, 'events-db': 1, 'sessions-cache': 3 },
    },
  ])('$name', ({ demand, want }) => {
    const got = wantedUnits(rushPlan(), demand);
    expect(Object.fromEntries([...got].map(([k, v]) => [k, v.wanted]))).toEqual(want);
  });

  it('reports the need beyond the range: 14 instances at 7,000, clamped to 10', () => {
    expect(wantedUnits(rushPlan(), 7000).get('api')).toEqual({ need: 14, wanted: 10 });
  });

  it('follows a chain of ratios', () => {
    const plan = rushPlan({ 'sessions-cache': { follows: { member: 'events-db', units: 2, per: 1 } } });
    expect(wantedUnits(plan, 3001).get('sessions-cache')?.wanted).toBe(6); // 7 api → 3 replicas → 6 shards
  });

  it('refuses a ratio cycle (validation refuses it first)', () => {
    const plan = rushPlan({
      'events-db': { follows: { member: 'sessions-cache', units: 1, per: 1 } },
      'sessions-cache': { follows: { member: 'events-db', units: 1, per: 1 } },
    });
    expect(() => wantedUnits(plan, 100)).toThrow(/ratio cycle/);
  });
});

describe('carriedDemand: the most demand a member carries at a level', () => {
  it.each([
    { name: 'the API at 6: 3,000', member: 'api', level: 6, want: 3000 },
    { name: '2 replicas: the 6 instances they follow, 3,000', member: 'events-db', level: 2, want: 3000 },
    {
      name: '4 shards: 6 instances (4 × 5 / 3, rounded down), 3,000',
      member: 'sessions-cache',
      level: 4,
      want: 3000,
    },
    { name: '6 shards: 10 instances, 5,000', member: 'sessions-cache', level: 6, want: 5000 },
  ])('$name', ({ member, level, want }) => {
    expect(carriedDemand(rushPlan(), member, level)).toBeCloseTo(want, 6);
  });

  it('is the inverse of wantedUnits: the carried demand needs no more than the level, a little more does', () => {
    const plan = rushPlan();
    for (const [name, level] of [
      ['api', 7],
      ['events-db', 2],
      ['sessions-cache', 5],
    ] as const) {
      const carried = carriedDemand(plan, name, level);
      expect(wantedUnits(plan, carried).get(name)?.need).toBeLessThanOrEqual(level);
      expect(wantedUnits(plan, carried + 1).get(name)?.need).toBeGreaterThan(level);
    }
  });
});
