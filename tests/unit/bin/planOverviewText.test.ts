import { describe, expect, it } from 'vitest';
import { planOverviewLines } from '../../../bin/lib/planOverviewText';
import { planOverview } from '../../../shared/decision/plans/planOverview';
import type { PlanMemberState } from '../../../shared/decision/plans/types';
import { member, rushPlan, T0 } from '../decision/plans/planFixtures';

describe('planOverviewLines: a plan as `scalepilot plan` prints it', () => {
  it('the demand, each member slowest first, the gates, the notices and the next steps', () => {
    const overview = planOverview({
      model: rushPlan({ api: { waitFor: ['events-db'] }, 'events-db': { max: 2 } }),
      demand: 4500,
      states: { api: member(6), 'events-db': member(2), 'sessions-cache': member(3) },
      unknown: {},
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
    expect(planOverviewLines(overview)).toEqual([
      'plan rush: demand 4,500, sized for 3,000 (a member cannot follow)',
      '  events-db: 2 read replicas (2 serving), wants 2, floor 2 PlanCapped; lead 15 min (the rds-replicas default)',
      '  sessions-cache: 3 shards (3 serving), wants 4, floor 4 PlanCapped; lead 10 min (the cache-shards default)',
      '  api: 6 instances (6 serving), wants 6, floor 6 PlanCapped; lead 5 min (instanceWarmupSeconds)',
      '  gate: api held at 6 until events-db serves 3 read replicas (serving 2)',
      `  notice: ${overview.notices[0]?.message}`,
      '  next: 1. sessions-cache 3 → 4 (10 min lead)',
    ]);
    expect(overview.notices[0]?.message).toMatch(/^events-db cannot follow plan rush: at its maximum of 2/);
  });

  it('a member whose state is unknown says why', () => {
    const overview = planOverview({
      model: rushPlan(),
      demand: undefined,
      states: { api: member(2), 'events-db': member(1) },
      unknown: { 'sessions-cache': 'its state was last recorded 9 min ago (stale after 5)' },
      decisions: new Map(),
      now: T0,
    });
    expect(planOverviewLines(overview)).toContain(
      '  sessions-cache: state unknown (its state was last recorded 9 min ago (stale after 5)), floor 0 MetricsMissing; lead 10 min (the cache-shards default)',
    );
    expect(planOverviewLines(overview)[0]).toBe('plan rush: no fresh demand datapoint');
  });

  it.each<{
    name: string;
    states: Record<string, PlanMemberState>;
    unknown: Record<string, string>;
    want: string[];
  }>([
    {
      name: 'every member known, no step: nothing to do',
      states: { api: member(2), 'events-db': member(1), 'sessions-cache': member(3) },
      unknown: {},
      want: ['  next: no steps: every member has what the plan asks'],
    },
    {
      name: 'no member read: each unknown with why, never "every member has what the plan asks"',
      states: {},
      unknown: { api: 'gone', 'events-db': 'denied', 'sessions-cache': 'throttled' },
      want: [
        '  next: unknown: events-db could not be read (denied)',
        '  next: unknown: sessions-cache could not be read (throttled)',
        '  next: unknown: api could not be read (gone)',
      ],
    },
    {
      name: 'one member unknown, the others without steps: only the unknown one',
      states: { api: member(2), 'events-db': member(1) },
      unknown: { 'sessions-cache': 'throttled' },
      want: ['  next: unknown: sessions-cache could not be read (throttled)'],
    },
  ])('next steps: $name', ({ states, unknown, want }) => {
    const overview = planOverview({
      model: rushPlan(),
      demand: undefined,
      states,
      unknown,
      decisions: new Map(),
      now: T0,
    });
    expect(planOverviewLines(overview).filter((l) => l.startsWith('  next:'))).toEqual(want);
  });

  it("next steps: an unknown member is said before the known members' steps", () => {
    const overview = planOverview({
      model: rushPlan(),
      demand: 4500,
      states: { api: member(6), 'events-db': member(3) },
      unknown: { 'sessions-cache': 'throttled' },
      decisions: new Map(),
      now: T0,
    });
    expect(overview.steps.length).toBeGreaterThan(0);
    const next = planOverviewLines(overview).filter((l) => l.startsWith('  next:'));
    expect(next[0]).toBe('  next: unknown: sessions-cache could not be read (throttled)');
    expect(next[1]).toMatch(/^ {2}next: 1\. api 6 → 9/);
  });
});
