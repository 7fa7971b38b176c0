import { describe, expect, it } from 'vitest';
import { followCap } from '../../../../shared/decision/plans/followCap';
import { member, rushPlan } from './planFixtures';

describe('followCap: a member that cannot follow caps what the plan asks of the others', () => {
  const healthy = { api: member(6), 'events-db': member(2), 'sessions-cache': member(4) };
  it.each([
    {
      name: 'everyone can follow: sized for the demand',
      demand: 4500,
      states: healthy,
      sizedFor: 4500,
      notices: [],
    },
    {
      name: 'the replicas are stuck at 1: the others are sized for what 1 replica carries (3 instances)',
      demand: 4500,
      states: {
        ...healthy,
        'events-db': member(1, { blocked: 'replica creation failed (OperationFailed)' }),
      },
      sizedFor: 1500,
      notices: [
        'events-db cannot follow plan rush: replica creation failed (OperationFailed); the plan sizes the others for what its 1 read replica carries (demand 1,500 of 4,500)',
      ],
    },
    {
      name: 'the API and the replicas at their maximum: the others are sized for the least they carry',
      demand: 7000,
      states: healthy,
      // 10 instances carry 5,000; 3 replicas follow 9 instances, 4,500.
      sizedFor: 4500,
      notices: [
        'api cannot follow plan rush: at its maximum of 10 instances (the demand needs 14); the plan sizes the others for what its 10 instances carry (demand 5,000 of 7,000)',
        'events-db cannot follow plan rush: at its maximum of 3 read replicas (the demand needs 4); the plan sizes the others for what its 3 read replicas carry (demand 4,500 of 7,000)',
      ],
    },
    {
      name: 'someone lowered the API group’s MaxSize to 6 (the policy says 10): the others are sized for its 6',
      demand: 4500,
      states: { ...healthy, api: member(6, { max: 6 }) },
      sizedFor: 3000,
      notices: [
        "api cannot follow plan rush: at its live maximum of 6 instances (the policy's is 10) (the demand needs 9); the plan sizes the others for what its 6 instances carry (demand 3,000 of 4,500)",
      ],
    },
    {
      name: 'a live maximum above the policy’s changes nothing: the policy’s range caps',
      demand: 4500,
      states: { ...healthy, api: member(6, { max: 100 }) },
      sizedFor: 4500,
      notices: [],
    },
    {
      name: 'the API ordered 9 but EC2 places only 6: the others are sized for the 6 it holds, not the 9 ordered',
      demand: 4500,
      states: {
        ...healthy,
        api: member(9, {
          reachable: 6,
          blocked: 'EC2 Auto Scaling cannot launch the instances it was asked for (CapacityShortfall)',
        }),
      },
      sizedFor: 3000,
      notices: [
        'api cannot follow plan rush: EC2 Auto Scaling cannot launch the instances it was asked for (CapacityShortfall); the plan sizes the others for what its 6 instances carry (demand 3,000 of 4,500)',
      ],
    },
    {
      name: 'fewer reachable than ordered but not blocked (a failure older than the hour): sized for the demand',
      demand: 4500,
      states: { ...healthy, api: member(9, { reachable: 6 }) },
      sizedFor: 4500,
      notices: [],
    },
    {
      name: 'a stuck member with room to spare caps nothing and tells nothing',
      demand: 1000,
      states: { ...healthy, 'events-db': member(2, { blocked: 'quota' }) },
      sizedFor: 1000,
      notices: [],
    },
  ])('$name', ({ demand, states, sizedFor, notices }) => {
    const cap = followCap(rushPlan(), demand, states);
    expect(cap.sizedFor).toBeCloseTo(sizedFor, 6);
    expect(cap.notices.map((n) => n.message)).toEqual(notices);
    expect(cap.notices.every((n) => n.reason === 'PlanMemberCannotFollow')).toBe(true);
  });
});
