import { describe, expect, it } from 'vitest';
import type { PlanNotice } from '../../../shared/decision/plans/types';
import type { Decision } from '../../../shared/decision/types';
import {
  decisionNoticeChanged,
  noticeKey,
  planNoticeChanged,
} from '../../../shared/usecases/evaluate/notifyChange';

const decision = (current: number, desired: number): Decision => ({
  target: 'events-db',
  kind: 'rds-replicas',
  current,
  desired,
  recommendation: desired,
  direction: 'none',
  reason: 'AtMaxCapacity',
  message: '',
  metrics: {},
});
const atMax: PlanNotice = {
  member: 'events-db',
  reason: 'PlanMemberCannotFollow',
  message: 'events-db cannot follow plan rush: …',
  key: 'rush: events-db at its maximum',
};

describe('noticeKey: a decision’s own notice and its plan notice, each told once while it lasts', () => {
  it.each([
    { name: 'neither', dryRun: false, plan: undefined, before: undefined, own: false, planTold: false },
    {
      name: 'the plan notice, new',
      dryRun: false,
      plan: atMax,
      before: undefined,
      own: false,
      planTold: true,
    },
    {
      name: 'the plan notice, told already',
      dryRun: false,
      plan: atMax,
      before: 'PlanMemberCannotFollow rush: events-db at its maximum',
      own: false,
      planTold: false,
    },
    {
      name: 'a dry run’s change appears beside a plan notice told already: only it is told',
      dryRun: true,
      plan: atMax,
      before: 'PlanMemberCannotFollow rush: events-db at its maximum',
      own: true,
      planTold: false,
    },
    {
      name: 'the plan notice appears beside a dry run’s change told already: only it is told',
      dryRun: true,
      plan: atMax,
      before: 'dry run 2→3',
      own: false,
      planTold: true,
    },
  ])('$name', ({ dryRun, plan, before, own, planTold }) => {
    const key = noticeKey(decision(2, dryRun ? 3 : 2), dryRun, undefined, plan);
    expect(decisionNoticeChanged(key, before)).toBe(own);
    expect(planNoticeChanged(key, before)).toBe(planTold);
  });

  it('no notice at all is null (the record clears its last notice)', () => {
    expect(noticeKey(decision(2, 2), false, undefined, undefined)).toBeNull();
  });
});
