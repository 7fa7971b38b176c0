import { describe, expect, it } from 'vitest';
import { estimateLeadMinutes } from '../../../../shared/decision/plans/estimateLeadMinutes';
import { planOrder } from '../../../../shared/decision/plans/planOrder';
import type { PlanMemberModel } from '../../../../shared/decision/plans/types';
import { rushPlan } from './planFixtures';

describe('planOrder: slowest first out, fastest first in', () => {
  it.each([
    {
      name: 'the kinds’ lead times: replicas 15, cache 10, API 5',
      over: {},
      out: ['events-db', 'sessions-cache', 'api'],
    },
    {
      name: 'a cache whose reshard takes 20 minutes goes first',
      over: { 'sessions-cache': { leadMinutes: 20 } },
      out: ['sessions-cache', 'events-db', 'api'],
    },
    {
      name: 'a tie: the member further from the entry first',
      over: { 'sessions-cache': { leadMinutes: 15 } },
      out: ['sessions-cache', 'events-db', 'api'],
    },
  ])('$name', ({ over, out }) => {
    const order = planOrder(rushPlan(over as Record<string, Partial<PlanMemberModel>>));
    expect(order.out).toEqual(out);
    expect(order.in).toEqual([...out].reverse());
  });
});

describe('estimateLeadMinutes: the lead time learned from observed operations', () => {
  it.each([
    { name: 'nothing observed', seconds: [], want: undefined },
    { name: 'two operations are too few', seconds: [600, 700], want: undefined },
    { name: 'three: the 90th percentile, rounded up to minutes', seconds: [600, 700, 810], want: 14 },
    { name: 'exact minutes stay as they are', seconds: [600, 600, 600], want: 10 },
    {
      name: 'one replica stuck for an hour among 20 does not move it',
      seconds: [...Array<number>(19).fill(600), 3600],
      want: 10,
    },
    {
      name: 'only the last 20 count: the service got slower',
      seconds: [...Array<number>(20).fill(300), ...Array<number>(20).fill(1200)],
      want: 20,
    },
    { name: 'unreadable durations are left out', seconds: [Number.NaN, -5, 600, 660, 720], want: 12 },
  ])('$name', ({ seconds, want }) => {
    expect(estimateLeadMinutes(seconds)).toBe(want);
  });
});
