import { describe, expect, it } from 'vitest';
import { floorAt } from '../../../../shared/decision/floors';
import { planFloorSchedules } from '../../../../shared/decision/plans/planFloorSchedules';
import { rushPlan, T0 } from './planFixtures';

describe('planFloorSchedules: each member’s floors, shifted by its own lead time', () => {
  // Demand 1,000 a minute, then 4,500 from step 6 (30 minutes after the forecast's start), at 5-minute steps.
  const forecast = {
    start: T0.getTime(),
    stepMinutes: 5,
    point: [...Array<number>(6).fill(1000), ...Array<number>(18).fill(4500)],
  };
  const until = new Date(T0.getTime() + 90 * 60_000);
  const schedules = planFloorSchedules(rushPlan(), forecast, 1, until, T0, 'forecast');
  const riseAt = (name: string) => {
    const units = schedules.get(name)?.units ?? [];
    return units.findIndex((u) => u > (units[0] ?? 0)) * 5;
  };

  it('starts the slowest tier first: replicas 15 min ahead, cache 10, API 5', () => {
    expect(riseAt('events-db')).toBe(15);
    expect(riseAt('sessions-cache')).toBe(20);
    expect(riseAt('api')).toBe(25);
  });

  it('sizes each member by the plan: 9 instances, 3 replicas, 6 shards at 4,500', () => {
    const at = new Date(T0.getTime() + 40 * 60_000);
    expect(['api', 'events-db', 'sessions-cache'].map((n) => floorAt(schedules.get(n), at)?.units)).toEqual([
      9, 3, 6,
    ]);
  });

  it('plans for the demand × the headroom', () => {
    const roomy = planFloorSchedules(rushPlan(), forecast, 1.3, until, T0, 'forecast');
    expect(floorAt(roomy.get('api'), T0)?.units).toBe(3); // 1,300 × 0.002 = 2.6
  });

  it.each([
    // Mean demand 3,625 (6 steps of 1,000, 18 of 4,500), headroom ×2; the API is 2..10, one per 500 of demand.
    { name: 'no limit (null): 2,000 quiet, the rush at its max', limit: null, quiet: 4, rush: 10 },
    { name: '100% of the mean: the quiet steps’ extra (1,000) is under it', limit: 100, quiet: 4, rush: 10 },
    {
      name: '10% of the mean: 1,000 + 362.5 quiet, 4,500 + 362.5 in the rush',
      limit: 10,
      quiet: 3,
      rush: 10,
    },
    { name: '0%: the point alone', limit: 0, quiet: 2, rush: 9 },
  ])(
    'holds the headroom’s extra load to maxBufferOfMeanPercent, as a target’s floors: $name',
    ({ limit, quiet, rush }) => {
      const held = planFloorSchedules(rushPlan(), forecast, 2, until, T0, 'forecast', limit);
      const api = held.get('api');
      expect([floorAt(api, T0)?.units, floorAt(api, new Date(T0.getTime() + 40 * 60_000))?.units]).toEqual([
        quiet,
        rush,
      ]);
    },
  );

  it('reaches until, not beyond', () => {
    expect(schedules.get('api')?.units).toHaveLength(18);
  });
});

describe('planFloorSchedules: a demand forecast coarser than the floors’ 5-minute steps', () => {
  // nyc_taxi's demand comes every 30 minutes, i94's and bike share's hourly: the floors are made 5 minutes
  // long, and cut at `until` in their own steps (defect: cut in the forecast's steps, they ended a sixth or a
  // twelfth of the way, and the API met each step of the demand with no floor).
  it.each([
    { name: '30-minute demand', stepMinutes: 30 },
    { name: 'hourly demand', stepMinutes: 60 },
  ])('$name: the floors reach until, and the rise after the first step is planned for', ({ stepMinutes }) => {
    const forecast = { start: T0.getTime(), stepMinutes, point: [1000, 4500, 4500, 4500, 4500] };
    const until = new Date(T0.getTime() + 120 * 60_000);
    const schedules = planFloorSchedules(rushPlan(), forecast, 1, until, T0, 'forecast');
    const api = schedules.get('api');
    expect(api?.stepMinutes).toBe(5);
    expect(api?.units).toHaveLength(24);
    // The rise comes one forecast step in; the API (5 min lead) has its floor from 5 minutes before it.
    const before = new Date(T0.getTime() + (stepMinutes - 5) * 60_000);
    const at = new Date(T0.getTime() + (stepMinutes + 30) * 60_000);
    expect([floorAt(api, before)?.units, floorAt(api, at)?.units]).toEqual([9, 9]);
  });
});
