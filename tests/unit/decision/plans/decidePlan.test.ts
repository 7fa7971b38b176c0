import { describe, expect, it } from 'vitest';
import { decidePlan } from '../../../../shared/decision/plans/decidePlan';
import { member, minutesAgo, rushPlan, T0 } from './planFixtures';

const steady = { api: member(6), 'events-db': member(2), 'sessions-cache': member(4) };

describe('decidePlan: the floor the plan asks of each member, and why', () => {
  it.each([
    {
      name: 'the measured demand: every member’s floor is its share of it',
      demand: 4500,
      states: steady,
      want: { api: [9, 'PlanDemand'], 'events-db': [3, 'PlanDemand'], 'sessions-cache': [6, 'PlanDemand'] },
    },
    {
      name: 'a forecast floor above the demand’s need wins (predict shifted it by the lead time)',
      demand: 3000,
      states: { ...steady, 'events-db': member(2, { forecastFloor: { units: 3, source: 'rush at 18:15' } }) },
      want: { api: [6, 'PlanDemand'], 'events-db': [3, 'PlanForecast'], 'sessions-cache': [4, 'PlanDemand'] },
    },
    {
      name: 'on the way in, the cache is held while the API’s 9 is within the hold',
      demand: 1000,
      states: {
        api: member(4, { changes: [{ at: minutesAgo(5), from: 9, to: 4 }] }),
        'events-db': member(3),
        'sessions-cache': member(6),
      },
      want: {
        api: [2, 'PlanDemand'],
        'events-db': [3, 'PlanScaleInHold'],
        'sessions-cache': [6, 'PlanScaleInHold'],
      },
    },
    {
      name: 'a member that cannot follow caps the others (the forecast floor too)',
      demand: 4500,
      states: {
        api: member(6),
        'events-db': member(1, { blocked: 'quota exceeded' }),
        'sessions-cache': member(4, { forecastFloor: { units: 6, source: 'f' } }),
      },
      // The cache's forecast floor is capped too; it keeps its 4 by the hold (the API in front is at 6).
      want: {
        api: [3, 'PlanCapped'],
        'events-db': [1, 'PlanCapped'],
        'sessions-cache': [4, 'PlanScaleInHold'],
      },
    },
    {
      name: 'no demand datapoint and no forecast: only the hold (nothing holds the API in front)',
      demand: undefined,
      states: steady,
      want: {
        api: [0, 'MetricsMissing'],
        'events-db': [2, 'PlanScaleInHold'],
        'sessions-cache': [4, 'PlanScaleInHold'],
      },
    },
  ])('$name', ({ demand, states, want }) => {
    const plan = decidePlan({ model: rushPlan(), demand, members: states, now: T0 });
    expect(Object.fromEntries(plan.members.map((m) => [m.member, [m.floor, m.reason]]))).toEqual(want);
  });

  it('lists the members slowest first and the next steps in the order they go', () => {
    const plan = decidePlan({
      model: rushPlan(),
      demand: 4500,
      members: { api: member(6), 'events-db': member(2), 'sessions-cache': member(6) },
      now: T0,
    });
    expect(plan.members.map((m) => m.member)).toEqual(['events-db', 'sessions-cache', 'api']);
    expect(plan.steps).toEqual([
      { member: 'events-db', from: 2, to: 3, direction: 'out' },
      { member: 'api', from: 6, to: 9, direction: 'out' },
    ]);
    const down = decidePlan({
      model: rushPlan(),
      demand: 500,
      members: { api: member(9), 'events-db': member(3), 'sessions-cache': member(6) },
      now: T0,
    });
    expect(down.steps.map((s) => [s.member, s.direction])).toEqual([['api', 'in']]);
  });

  it('says what it read in each message', () => {
    const plan = decidePlan({ model: rushPlan(), demand: 4500, members: steady, now: T0 });
    expect(plan.members.find((m) => m.member === 'events-db')?.message).toBe(
      "plan rush: demand 4,500 needs 3 read replicas (1 per 3 of api's, rounded up)",
    );
    expect(plan.members.find((m) => m.member === 'api')?.message).toBe(
      'plan rush: demand 4,500 needs 9 instances (0.002 per unit of demand)',
    );
    expect(plan.sizedFor).toBe(4500);
  });
});
