import { describe, expect, it } from 'vitest';
import { highestOrderedSince } from '../../../../shared/decision/plans/highestOrderedSince';
import { scaleInHold } from '../../../../shared/decision/plans/scaleInHold';
import { member, minutesAgo, rushPlan, T0 } from './planFixtures';

describe('highestOrderedSince', () => {
  it.each([
    { name: 'no changes: the level now', changes: [], want: 4 },
    {
      name: 'a scale-in 10 minutes ago: the level before it',
      changes: [{ at: minutesAgo(10), from: 9, to: 4 }],
      want: 9,
    },
    {
      name: 'a scale-in 20 minutes ago is outside the window',
      changes: [{ at: minutesAgo(20), from: 9, to: 4 }],
      want: 4,
    },
    {
      name: 'a spike and back inside the window',
      changes: [
        { at: minutesAgo(12), from: 4, to: 8 },
        { at: minutesAgo(6), from: 8, to: 4 },
      ],
      want: 8,
    },
  ])('$name', ({ changes, want }) => {
    expect(highestOrderedSince(member(4, { changes }), minutesAgo(15))).toBe(want);
  });
});

describe('scaleInHold: a member shrinks only after the one in front of it has been smaller for the hold', () => {
  // Scale-in order: api (5 min), sessions-cache (10), events-db (15).
  const apiShrankAgo = (minutes: number) =>
    member(4, { changes: [{ at: minutesAgo(minutes), from: 9, to: 4 }] });
  it.each([
    {
      name: 'the API goes first: nothing holds it',
      who: 'api',
      states: { api: member(9), 'sessions-cache': member(6), 'events-db': member(3) },
      want: undefined,
    },
    {
      name: 'the cache keeps what the API’s 9 of 10 minutes ago needs (6 shards)',
      who: 'sessions-cache',
      states: { api: apiShrankAgo(10), 'sessions-cache': member(6), 'events-db': member(3) },
      want: { units: 6, front: 'api', frontHighest: 9 },
    },
    {
      name: 'after the hold, the cache may follow the API’s 4 (3 shards)',
      who: 'sessions-cache',
      states: { api: apiShrankAgo(16), 'sessions-cache': member(6), 'events-db': member(3) },
      want: { units: 3, front: 'api', frontHighest: 4 },
    },
    {
      name: 'the replicas wait for the cache, not the API',
      who: 'events-db',
      states: {
        api: apiShrankAgo(40),
        'sessions-cache': member(3, { changes: [{ at: minutesAgo(5), from: 6, to: 3 }] }),
        'events-db': member(3),
      },
      want: { units: 3, front: 'sessions-cache', frontHighest: 6 },
    },
    {
      name: 'the hold never adds: a member below what the front needs keeps what it has',
      who: 'sessions-cache',
      states: { api: apiShrankAgo(10), 'sessions-cache': member(4), 'events-db': member(3) },
      want: { units: 4, front: 'api', frontHighest: 9 },
    },
  ])('$name', ({ who, states, want }) => {
    expect(scaleInHold(rushPlan(), who, states, T0)).toEqual(want);
  });

  // The API shrank 10 → 4 two minutes ago after a peak of 5,000 a minute (now 2,000); the cache never grew (a
  // reshard held by its CPU, a cooldown: nothing that counts as blocked). Before, the replicas read the cache
  // alone, and its 3 shards asked 2 of them: the replicas fell to the demand's 2 while the API's burst was 2
  // minutes old.
  it.each([
    {
      name: 'the replicas wait for every member in front, not the next one only: the API’s 10 needs 3',
      cache: member(3),
      want: { units: 3, front: 'api', frontHighest: 10 },
    },
    {
      name: 'the cache grew with the API: it holds the replicas as before',
      cache: member(3, { changes: [{ at: minutesAgo(1), from: 6, to: 3 }] }),
      want: { units: 3, front: 'sessions-cache', frontHighest: 6 },
    },
  ])('$name', ({ cache, want }) => {
    const states = {
      api: member(4, { changes: [{ at: minutesAgo(2), from: 10, to: 4 }] }),
      'sessions-cache': cache,
      'events-db': member(3),
    };
    expect(scaleInHold(rushPlan(), 'events-db', states, T0, 5000)).toEqual(want);
  });

  it('a member anywhere in front whose state is unknown: the member keeps all it has', () => {
    const states = { 'sessions-cache': member(3), 'events-db': member(3) };
    expect(scaleInHold(rushPlan(), 'events-db', states, T0)).toEqual({
      units: 3,
      front: 'api',
      frontHighest: undefined,
    });
  });

  it('a front member whose state is unknown cannot show it has been smaller: the member keeps all it has', () => {
    const states = { 'sessions-cache': member(6), 'events-db': member(3) };
    expect(scaleInHold(rushPlan(), 'sessions-cache', states, T0)).toEqual({
      units: 6,
      front: 'api',
      frontHighest: undefined,
    });
  });

  it('a hold of 0 minutes: the member follows the front’s level now', () => {
    const states = { api: apiShrankAgo(1), 'sessions-cache': member(6), 'events-db': member(3) };
    expect(scaleInHold(rushPlan({}, 0), 'sessions-cache', states, T0)?.units).toBe(3);
  });
});
