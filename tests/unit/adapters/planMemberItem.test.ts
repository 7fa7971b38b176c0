import { describe, expect, it } from 'vitest';
import { planMemberRecord, storedPlanMember } from '../../../shared/adapters/planMemberItem';
import type { PlanMemberRecord } from '../../../shared/decision/plans/types';

const at = new Date('2026-12-05T18:00:00Z');
const base: PlanMemberRecord = {
  ordered: 9,
  serving: 6,
  at,
  changes: [{ at, from: 6, to: 9 }],
  planLevels: [{ at, desired: 9 }],
  leadSeconds: [300],
};

describe('a plan member’s record survives the ledger’s item', () => {
  it.each([
    { name: 'a member that follows', record: base },
    {
      name: 'a member blocked by a capacity shortfall keeps what it can count on',
      record: { ...base, blocked: 'EC2 Auto Scaling cannot launch (CapacityShortfall)', reachable: 6 },
    },
    { name: 'a member watching a scale-out', record: { ...base, growing: { at, to: 9 } } },
    { name: 'a member whose resource takes at most 8 now', record: { ...base, max: 8 } },
  ])('$name', ({ record }) => {
    // Through JSON, as DynamoDB's document client gives numbers and strings back.
    const stored = JSON.parse(JSON.stringify(storedPlanMember(record)));
    expect(planMemberRecord(stored)).toEqual(record);
  });
});
