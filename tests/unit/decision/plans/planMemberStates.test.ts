import { describe, expect, it } from 'vitest';
import {
  PLAN_STATE_FRESH_MINUTES,
  planMemberStates,
} from '../../../../shared/decision/plans/planMemberStates';
import type { PlanMemberRecord } from '../../../../shared/decision/plans/types';
import { minutesAgo, T0 } from './planFixtures';

const recorded = (ageMinutes: number, more: Partial<PlanMemberRecord> = {}): PlanMemberRecord => ({
  ordered: 3,
  serving: 2,
  at: minutesAgo(ageMinutes),
  changes: [{ at: minutesAgo(20), from: 2, to: 3 }],
  planLevels: [],
  leadSeconds: [900],
  ...more,
});

describe('planMemberStates: the others’ recorded states, fresh or unknown', () => {
  it.each([
    {
      name: 'recorded a minute ago: known, with its changes',
      record: recorded(1),
      want: { ordered: 3, serving: 2, changes: [{ at: minutesAgo(20), from: 2, to: 3 }] },
    },
    {
      name: `recorded ${PLAN_STATE_FRESH_MINUTES} minutes ago: still known`,
      record: recorded(PLAN_STATE_FRESH_MINUTES),
      want: { ordered: 3 },
    },
    {
      name: 'blocked: known, and says why',
      record: recorded(0, { blocked: 'its last operation failed (OperationFailed)' }),
      want: { blocked: 'its last operation failed (OperationFailed)' },
    },
    {
      name: 'its resource takes fewer than the policy allows: known, with that maximum',
      record: recorded(0, { max: 2 }),
      want: { ordered: 3, max: 2 },
    },
  ])('$name', ({ record, want }) => {
    const { states, unknown } = planMemberStates(new Map([['events-db', record]]), ['events-db'], T0);
    expect(states['events-db']).toMatchObject(want);
    expect(unknown).toEqual({});
  });

  it.each([
    {
      name: 'older than the limit: unknown',
      records: new Map([['events-db', recorded(PLAN_STATE_FRESH_MINUTES + 1)]]),
      why: `its state was last recorded ${PLAN_STATE_FRESH_MINUTES + 1} min ago (stale after ${PLAN_STATE_FRESH_MINUTES})`,
    },
    {
      name: 'never recorded: unknown',
      records: new Map<string, PlanMemberRecord>(),
      why: 'no state recorded yet',
    },
  ])('$name', ({ records, why }) => {
    const { states, unknown } = planMemberStates(records, ['events-db'], T0);
    expect(states).toEqual({});
    expect(unknown).toEqual({ 'events-db': why });
  });
});
