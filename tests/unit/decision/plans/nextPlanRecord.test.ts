import { describe, expect, it } from 'vitest';
import { blockedBy } from '../../../../shared/decision/plans/blockedBy';
import { nextPlanRecord, type PlanRecordInput } from '../../../../shared/decision/plans/nextPlanRecord';
import type { PlanMemberRecord } from '../../../../shared/decision/plans/types';
import { minutesAgo, T0 } from './planFixtures';

const earlier = (more: Partial<PlanMemberRecord> = {}): PlanMemberRecord => ({
  ordered: 2,
  serving: 2,
  at: minutesAgo(1),
  changes: [],
  planLevels: [],
  leadSeconds: [600, 700],
  ...more,
});
const input = (more: Partial<PlanRecordInput>): PlanRecordInput => ({
  previous: earlier(),
  observed: { ordered: 2, serving: 2 },
  decision: { current: 2, desired: 2, reason: 'NoThresholdBreached' },
  appliedAt: undefined,
  changes: [],
  planLevels: [],
  now: T0,
  ...more,
});

describe('nextPlanRecord: what a member records of itself for the others, and the lead times it learns', () => {
  it.each([
    {
      name: 'an applied scale-out is ordered at once and watched until it serves',
      input: input({ decision: { current: 2, desired: 3, reason: 'ScaleOut' }, appliedAt: T0 }),
      want: { ordered: 3, serving: 2, growing: { at: T0, to: 3 }, leadSeconds: [600, 700] },
    },
    {
      name: 'a dry run (not applied) orders nothing and watches nothing',
      input: input({ decision: { current: 2, desired: 3, reason: 'ScaleOut' } }),
      want: { ordered: 2, serving: 2, leadSeconds: [600, 700] },
    },
    {
      name: 'the watched level serves: the seconds since its decision are learned',
      input: input({
        previous: earlier({ ordered: 3, growing: { at: minutesAgo(15), to: 3 } }),
        observed: { ordered: 3, serving: 3 },
      }),
      want: { ordered: 3, serving: 3, leadSeconds: [600, 700, 900] },
    },
    {
      name: 'not serving yet: still watched',
      input: input({
        previous: earlier({ ordered: 3, growing: { at: minutesAgo(5), to: 3 } }),
        observed: { ordered: 3, serving: 2 },
      }),
      want: { growing: { at: minutesAgo(5), to: 3 }, leadSeconds: [600, 700] },
    },
    {
      name: 'given up (back below the level): nothing learned',
      input: input({
        previous: earlier({ ordered: 3, growing: { at: minutesAgo(5), to: 3 } }),
        observed: { ordered: 2, serving: 2 },
      }),
      want: { leadSeconds: [600, 700] },
    },
    {
      name: 'unserved for three hours: nothing learned (a stuck replica is not a lead time)',
      input: input({
        previous: earlier({ ordered: 3, growing: { at: minutesAgo(181), to: 3 } }),
        observed: { ordered: 3, serving: 2 },
      }),
      want: { leadSeconds: [600, 700] },
    },
    {
      name: 'served, but past the three-hour watch: nothing learned (the wait is no lead time either)',
      input: input({
        previous: earlier({ ordered: 3, growing: { at: minutesAgo(240), to: 3 } }),
        observed: { ordered: 3, serving: 3 },
      }),
      want: { serving: 3, leadSeconds: [600, 700] },
    },
    {
      name: 'a group’s instances in service within its warm-up do not serve yet: still watched',
      input: input({
        previous: earlier({ ordered: 9, serving: 6, growing: { at: minutesAgo(2), to: 9 } }),
        observed: { ordered: 9, serving: 9 },
        changes: [{ at: minutesAgo(2), from: 6, to: 9 }],
        warmupSeconds: 300,
      }),
      want: { ordered: 9, serving: 6, growing: { at: minutesAgo(2), to: 9 }, leadSeconds: [600, 700] },
    },
    {
      name: 'their warm-up over, they serve: the lead learned counts it',
      input: input({
        previous: earlier({ ordered: 9, serving: 6, growing: { at: minutesAgo(5), to: 9 } }),
        observed: { ordered: 9, serving: 9 },
        changes: [{ at: minutesAgo(5), from: 6, to: 9 }],
        warmupSeconds: 300,
      }),
      want: { ordered: 9, serving: 9, leadSeconds: [600, 700, 300] },
    },
    {
      name: 'a group’s scale-out applied now: what it adds warms, watched from now',
      input: input({
        previous: earlier({ ordered: 6, serving: 6 }),
        observed: { ordered: 6, serving: 6 },
        decision: { current: 6, desired: 9, reason: 'ScaleOut' },
        appliedAt: T0,
        changes: [{ at: T0, from: 6, to: 9 }],
        warmupSeconds: 300,
      }),
      want: { ordered: 9, serving: 6, growing: { at: T0, to: 9 }, leadSeconds: [600, 700] },
    },
    {
      name: 'backed off (not observed): the last known state, blocked',
      input: input({
        previous: earlier({ ordered: 3, serving: 2 }),
        observed: undefined,
        decision: { current: 0, desired: 0, reason: 'BackedOff' },
      }),
      want: {
        ordered: 3,
        serving: 2,
        blocked: 'its scaler is backed off after failed evaluations (BackedOff)',
      },
    },
    {
      name: 'launches failing: blocked, and what it can count on is what it holds',
      input: input({
        observed: { ordered: 9, serving: 6, reachable: 6 },
        decision: { current: 9, desired: 9, reason: 'CapacityShortfall' },
      }),
      want: {
        ordered: 9,
        serving: 6,
        reachable: 6,
        blocked: 'EC2 Auto Scaling cannot launch the instances it was asked for (CapacityShortfall)',
      },
    },
    {
      name: 'fewer reachable but not blocked (the failure is older than the hour): no reachable kept',
      input: input({
        observed: { ordered: 9, serving: 6, reachable: 6 },
        decision: { current: 9, desired: 9, reason: 'InstancesWarming' },
      }),
      want: { ordered: 9, serving: 6 },
    },
    {
      name: 'observed: the most its resource takes now is recorded (a group’s MaxSize)',
      input: input({ observed: { ordered: 2, serving: 2, max: 8 } }),
      want: { ordered: 2, max: 8 },
    },
    {
      name: 'backed off (not observed): the maximum last observed is kept',
      input: input({
        previous: earlier({ max: 8 }),
        observed: undefined,
        decision: { current: 0, desired: 0, reason: 'BackedOff' },
      }),
      want: { max: 8, blocked: 'its scaler is backed off after failed evaluations (BackedOff)' },
    },
  ])('$name', ({ input: given, want }) => {
    const record = nextPlanRecord(given);
    if (!('reachable' in want)) expect(record?.reachable).toBeUndefined();
    expect(record).toMatchObject({ at: T0, ...want });
    if (!('growing' in want)) expect(record?.growing).toBeUndefined();
    if (!('blocked' in want)) expect(record?.blocked).toBeUndefined();
  });

  it('keeps the last 20 lead times', () => {
    const record = nextPlanRecord(
      input({
        previous: earlier({
          leadSeconds: Array.from({ length: 20 }, (_, i) => i),
          growing: { at: minutesAgo(10), to: 2 },
        }),
      }),
    );
    expect(record?.leadSeconds).toHaveLength(20);
    expect(record?.leadSeconds.at(-1)).toBe(600);
    expect(record?.leadSeconds[0]).toBe(1);
  });

  it('a member never observed and never recorded has no record', () => {
    expect(nextPlanRecord(input({ previous: undefined, observed: undefined }))).toBeUndefined();
  });
});

describe('blockedBy: the outcomes after which a member cannot follow', () => {
  it.each([
    { reason: 'ActionFailed', want: 'AWS refused its last change (ActionFailed)' },
    { reason: 'OperationFailed', want: 'its last operation failed (OperationFailed)' },
    { reason: 'NodeQuotaReached', want: "it is at the account's nodes-per-cluster quota (NodeQuotaReached)" },
    {
      reason: 'LimitsConflict',
      want: "its resource's own limits conflict with the policy's range (LimitsConflict)",
    },
    {
      reason: 'CapacityShortfall',
      want: 'EC2 Auto Scaling cannot launch the instances it was asked for (CapacityShortfall)',
    },
    { reason: 'OperationPending', want: undefined },
    { reason: 'ScaleOut', want: undefined },
  ] as const)('$reason', ({ reason, want }) => {
    expect(blockedBy({ reason })).toBe(want);
  });
});
