import { describe, expect, it } from 'vitest';
import { planModel } from '../../../../shared/decision/plans/planModel';
import { examplePolicy } from '../../../harness/fixtures';

describe('planModel: the example plan resolved against its targets', () => {
  const policy = examplePolicy();
  const rush = policy.plans[0];
  if (!rush) throw new Error('the example policy has a plan');

  it('takes each target’s range and the kinds’ lead times', () => {
    const model = planModel(policy, rush);
    expect(model.members.map((m) => [m.name, m.min, m.max, m.leadMinutes, m.leadSource])).toEqual([
      ['api', 2, 10, 5, 'instanceWarmupSeconds'],
      ['events-db', 1, 3, 15, 'the rds-replicas default'],
      ['sessions-cache', 3, 6, 10, 'the cache-shards default'],
    ]);
    expect(model.members[1]?.follows).toEqual({ member: 'api', units: 1, per: 3 });
    expect(model.scaleInHoldMinutes).toBe(60);
    expect(model.gateTiming).toBe('in-time');
  });

  it.each([
    {
      name: 'learned from 3 observed operations',
      observed: [1200, 1260, 1500],
      over: undefined,
      want: [25, 'learned from 3 operations'],
    },
    {
      name: 'too few observations: the kind’s',
      observed: [1200],
      over: undefined,
      want: [15, 'the rds-replicas default'],
    },
    {
      name: 'the policy’s lead time wins over the ledger',
      observed: [1200, 1260, 1500],
      over: 12,
      want: [12, 'leadTimeMinutes'],
    },
    {
      name: 'a learned lead time past the horizon is capped at it',
      observed: [5000, 5000, 5000],
      over: undefined,
      want: [60, 'learned from 3 operations, capped at the 60 min horizon'],
    },
  ])('$name', ({ observed, over, want }) => {
    const plan = {
      ...rush,
      members: rush.members.map((m) =>
        m.target === 'events-db' && over !== undefined ? { ...m, leadTimeMinutes: over } : m,
      ),
    };
    const db = planModel(policy, plan, { 'events-db': observed }).members[1];
    expect([db?.leadMinutes, db?.leadSource]).toEqual(want);
  });
});
