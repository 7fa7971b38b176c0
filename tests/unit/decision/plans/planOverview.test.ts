import { describe, expect, it } from 'vitest';
import { planOverview, stepsText } from '../../../../shared/decision/plans/planOverview';
import type { PlanMemberState } from '../../../../shared/decision/plans/types';
import type { Decision } from '../../../../shared/decision/types';
import { member, rushPlan, T0 } from './planFixtures';

type Row = {
  name: string;
  demand: number | undefined;
  states: Record<string, PlanMemberState>;
  waitFor?: string[];
  decisions?: Record<string, Pick<Decision, 'reason' | 'message'>>;
  steps: string;
};

describe('planOverview: the order of the next steps, as `scalepilot plan` prints them', () => {
  it.each<Row>([
    {
      name: 'a rush: the slowest first, each with its lead time',
      demand: 4500,
      states: { api: member(6), 'events-db': member(2), 'sessions-cache': member(3) },
      steps: '1. events-db 2 → 3 (15 min lead)  2. sessions-cache 3 → 6 (10 min)  3. api 6 → 9 (5 min)',
    },
    {
      name: 'a readiness gate: the API waits for the replicas still growing',
      demand: 4500,
      states: { api: member(6), 'events-db': member(2), 'sessions-cache': member(6) },
      waitFor: ['events-db'],
      steps: '1. events-db 2 → 3 (15 min lead)  2. api 6 → 9 (5 min), waits for events-db',
    },
    {
      name: 'a gate whose member already has what the plan asks is not waited for',
      demand: 4500,
      states: { api: member(6), 'events-db': member(3), 'sessions-cache': member(6) },
      waitFor: ['events-db'],
      steps: '1. api 6 → 9 (5 min lead)',
    },
    {
      name: 'a gate holding now (the replica ordered, not serving yet): the API waits, as its decision says',
      demand: 4500,
      states: { api: member(6), 'events-db': member(3, { serving: 2 }), 'sessions-cache': member(6) },
      waitFor: ['events-db'],
      decisions: {
        api: {
          reason: 'ReadinessGate',
          message: 'api held at 6 until events-db serves 3 read replicas (serving 2)',
        },
      },
      steps: '1. api 6 → 9 (5 min lead), waits for events-db',
    },
    {
      name: 'the way in: the fastest first, the tiers behind it held by the hold',
      demand: 1000,
      states: { api: member(9), 'events-db': member(3), 'sessions-cache': member(6) },
      steps: '1. api 9 → 2 (5 min lead)',
    },
    {
      name: 'no demand and no forecast floor: nothing to do',
      demand: undefined,
      states: { api: member(6), 'events-db': member(2), 'sessions-cache': member(3) },
      steps: 'no steps: every member has what the plan asks',
    },
  ])('$name', ({ demand, states, waitFor, decisions, steps }) => {
    const overview = planOverview({
      model: rushPlan(waitFor ? { api: { waitFor } } : {}),
      demand,
      states,
      unknown: {},
      decisions: new Map(Object.entries(decisions ?? {})),
      now: T0,
    });
    expect(stepsText(overview.steps)).toBe(steps);
  });

  it('lists the members slowest first with what each has, wants and why, and the gates holding', () => {
    const overview = planOverview({
      model: rushPlan({ api: { waitFor: ['events-db'] } }),
      demand: 4500,
      states: { api: member(6), 'events-db': member(3, { serving: 2 }) },
      unknown: { 'sessions-cache': 'no state recorded yet' },
      decisions: new Map([
        [
          'api',
          {
            reason: 'ReadinessGate',
            message: 'api held at 6 until events-db serves 3 read replicas (serving 2)',
          },
        ],
      ]),
      now: T0,
    });
    expect(
      overview.members.map((m) => [
        m.member,
        m.current,
        m.serving,
        m.wanted,
        m.floor,
        m.reason,
        m.leadMinutes,
      ]),
    ).toEqual([
      ['events-db', 3, 2, 3, 3, 'PlanDemand', 15],
      ['sessions-cache', 0, 0, 6, 6, 'PlanDemand', 10],
      ['api', 6, 6, 9, 9, 'PlanDemand', 5],
    ]);
    expect(overview.members[1]?.unknown).toBe('no state recorded yet');
    // Its state unknown, the cache has no step to show.
    expect(overview.steps.map((s) => s.member)).toEqual(['api']);
    expect(overview.gates).toEqual([
      { member: 'api', message: 'api held at 6 until events-db serves 3 read replicas (serving 2)' },
    ]);
  });
});
