import { describe, expect, it } from 'vitest';
import { type PlanScenario, type PlanSimPolicy, simulatePlan } from '../../../shared/simulate/planEngine';
import { planFigures } from '../../../shared/simulate/planFigures';

// backtest.md, Plans: an entry (one unit serves 10 at 100%, 2 minutes' delay) and a tier behind it (one unit
// serves 20, 3 minutes' delay), at T = 0.5; prices $1 and $2 a unit-hour.
const scenario = (demand: number[]): PlanScenario => ({
  demand,
  members: [
    {
      name: 'app',
      kind: 'asg',
      unitCapacity: 10,
      targetUtilisation: 0.5,
      min: 1,
      max: 10,
      delay: 2,
      usdPerUnitHour: 1,
      unitType: 'a',
    },
    {
      name: 'db',
      kind: 'rds-replicas',
      unitCapacity: 20,
      targetUtilisation: 0.5,
      min: 1,
      max: 5,
      delay: 3,
      usdPerUnitHour: 2,
      unitType: 'b',
    },
  ],
});

/** Orders the given capacities from minute 1 on (index m − 1), whatever it sees. */
const scripted = (app: number[], db: number[]): PlanSimPolicy => ({
  name: 'scripted',
  decide: (view) => [app[view.minute - 1] ?? 1, db[view.minute - 1] ?? 1],
  explain: (i) => ({ reason: 'Scripted', message: `member ${i}` }),
});

describe('simulatePlan: the entry sees the demand, the others what it served', () => {
  const demand = [10, 10, 60, 60, 60, 60, 60, 10];
  const run = simulatePlan(scripted([2, 6, 6, 6, 6, 6, 6], [1, 1, 3, 3, 3, 3, 3]), scenario(demand), 0);
  const [app, db] = run.members;

  it('starts every member at the oracle’s capacity for minute 0, all serving', () => {
    expect([app?.ordered[0], app?.serving[0], db?.ordered[0], db?.serving[0]]).toEqual([2, 2, 1, 1]);
  });

  it('serves what was ordered after each member’s own delay', () => {
    expect(Array.from(app?.serving ?? [])).toEqual([2, 2, 2, 2, 6, 6, 6, 6]);
    expect(Array.from(db?.serving ?? [])).toEqual([1, 1, 1, 1, 1, 1, 3, 3]);
  });

  it('gives the tier behind only the work the entry served', () => {
    // Minutes 2–3: the app serves 2 × 10 of the 60; from minute 4 all of it.
    expect(Array.from(db?.load ?? [])).toEqual([10, 10, 20, 20, 60, 60, 60, 10]);
  });

  it('counts system and downstream overload, unserved demand and cost as backtest.md defines them', () => {
    const f = planFigures(run, scenario(demand));
    // App over 100% in minutes 2–3 (60 on 20); db over in minutes 4–5 (60 on 20) while the app was not.
    expect(f.overloadMinutes).toBe(4);
    expect(f.downstreamOverloadMinutes).toBe(2);
    expect(f.members.map((k) => k.overloadMinutes)).toEqual([4 - 2, 2]);
    // Σ max(0, demand − least serving × u): 40 + 40 (app) + 40 + 40 (db) = 160 of 330.
    expect(f.unserved).toBe(160);
    expect(f.unservedPercent).toBeCloseTo((100 * 160) / 330, 9);
    // Σ ordered × price / 60: app 2+2+6×6 = 40 unit-minutes at $1, db 1+1+1+3×5 = 18 at $2.
    expect(f.cost).toBeCloseTo(40 / 60 + (2 * 18) / 60, 9);
    expect(f.actions).toBe(2);
  });

  it('records each change with the policy’s reason', () => {
    expect(app?.decisions).toEqual([{ minute: 2, from: 2, to: 6, reason: 'Scripted', message: 'member 0' }]);
  });

  it('lets a policy see the past only', () => {
    const peeking: PlanSimPolicy = { name: 'peek', decide: (view) => [view.demand(view.minute), 1] };
    expect(() => simulatePlan(peeking, scenario(demand), 0)).toThrow(/cannot see demand/);
    const peekingLoad: PlanSimPolicy = {
      name: 'peek',
      decide: (view) => [view.member(1).load(view.minute), 1],
    };
    expect(() => simulatePlan(peekingLoad, scenario(demand), 0)).toThrow(/cannot see load/);
  });

  it('keeps every member within its range', () => {
    const wild = simulatePlan(scripted([50, -3], [0, 99]), scenario([10, 10, 10]), 0);
    expect(Array.from(wild.members[0]?.ordered ?? [])).toEqual([2, 10, 1]);
    expect(Array.from(wild.members[1]?.ordered ?? [])).toEqual([1, 1, 5]);
  });
});
