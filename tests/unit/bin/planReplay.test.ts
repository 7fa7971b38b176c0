import { describe, expect, it } from 'vitest';
import { demandPoint, memberLoad, planReplay, planStartUnits } from '../../../bin/lib/planReplay';
import { unitsFor } from '../../../shared/simulate/engine';
import { examplePolicy } from '../../harness/fixtures';

// The local account's plan replay (npm start): the trace as the example plan's demand.
describe('planReplay: the trace as the plan’s demand', () => {
  const policy = examplePolicy();
  const load = Array.from({ length: 240 }, (_, m) => 1000 + 40 * m); // 1,000 rising to 10,560
  const series = { start: Date.parse('2014-07-03T08:00:00Z'), load, stepMinutes: 30 };
  const replay = planReplay(policy, series);
  if (!replay) throw new Error('the example has a plan with a demand metric');
  const api = replay.members.get('api');
  if (!api) throw new Error('api is a member');

  it.each(load.filter((_, m) => m % 37 === 0).map((l) => ({ name: `load ${l}`, l })))(
    'publishes the demand so the entry’s unitsPerDemand asks what its scenario needs: $name',
    ({ l }) => {
      const demand = demandPoint(replay, l, new Date(series.start)).value;
      expect(Math.min(api.max, Math.max(api.min, Math.ceil(demand * 0.002 - 1e-9)))).toBe(unitsFor(l, api));
    },
  );

  it('publishes to the plan’s own metric, with its dimensions', () => {
    expect(demandPoint(replay, 1, new Date(0)).metric).toEqual({
      namespace: 'AWS/ApplicationELB',
      name: 'RequestCount',
      dimensions: { LoadBalancer: 'app/event-platform/50dc6c495c0c9188' },
    });
  });

  it.each([
    { name: 'the entry sees the demand', member: 'api', demand: 5000, serving: 1, want: 5000 },
    {
      name: 'a member behind it sees what the entry served, at most',
      member: 'events-db',
      demand: 5000,
      serving: 1,
      want: api.unitCapacity,
    },
    { name: 'and no more than the demand', member: 'sessions-cache', demand: 5000, serving: 100, want: 5000 },
  ])('$name', ({ member, demand, serving, want }) => {
    expect(memberLoad(replay, member, demand, serving)).toBeCloseTo(want, 6);
  });

  it('starts each member where the plan wants it for the first minute', () => {
    const units = planStartUnits(policy, replay, 20_000);
    const entry = unitsFor(20_000, api);
    expect(units.get('api')).toBe(entry);
    expect(units.get('events-db')).toBe(Math.min(3, Math.max(1, Math.ceil(entry / 3))));
    expect(units.get('sessions-cache')).toBe(Math.min(6, Math.max(3, Math.ceil((3 * entry) / 5))));
  });
});
