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

  it('reaches until, not beyond', () => {
    expect(schedules.get('api')?.units).toHaveLength(18);
  });
});
