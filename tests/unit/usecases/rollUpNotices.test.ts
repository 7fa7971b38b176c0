import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../shared/decision/types';
import { type QueuedNotice, rollUpNotices } from '../../../shared/usecases/evaluate/rollUpNotices';
import { ROLL_UP_AT, TARGETS_PER_ROLLUP } from '../../../shared/usecases/rollUp';

const AT = new Date('2026-12-07T10:00:00Z');
const notice = (
  target: string,
  reason: Decision['reason'],
  { current = 2, desired = 2, kind = 'asg' as Decision['kind'], dryRun = false, rollable = true } = {},
): QueuedNotice => ({
  decision: { target, kind, current, desired, reason, message: reason, metrics: {} } as unknown as Decision,
  dryRun,
  at: AT,
  ...(rollable ? { rollable: true } : {}),
});
const many = (n: number, reason: Decision['reason'], options = {}) =>
  Array.from({ length: n }, (_, i) => notice(`${reason}-${i}`, reason, options));
const shape = (notices: readonly QueuedNotice[]) => {
  const { single, rolledUp } = rollUpNotices(notices);
  return {
    single: single.length,
    rolledUp: rolledUp.map((r) => `${r.kind} ${r.reason} ${r.notices.length}`),
  };
};

describe('rollUpNotices', () => {
  it.each([
    {
      name: 'under ROLL_UP_AT of one reason: each alone',
      notices: many(ROLL_UP_AT - 1, 'GroupNotTagged'),
      want: { single: 9, rolledUp: [] },
    },
    {
      name: 'ROLL_UP_AT of one reason: one message',
      notices: many(ROLL_UP_AT, 'GroupNotTagged'),
      want: { single: 0, rolledUp: ['asg GroupNotTagged 10'] },
    },
    {
      name: 'changes are never rolled up, however many',
      notices: many(30, 'ScaleOut', { desired: 3 }),
      want: { single: 30, rolledUp: [] },
    },
    {
      name: "a dry run's would-be changes are each told, as the change would be",
      notices: many(12, 'ScaleOut', { desired: 4, dryRun: true }),
      want: { single: 12, rolledUp: [] },
    },
    {
      // failTarget records a refused change at the count it holds (desired = current): the flag, not the count,
      // tells a hold from a failure.
      name: 'failed changes (recorded at the count they hold) are each told, their own AWS answer with them',
      notices: many(12, 'ActionFailed', { rollable: false }),
      want: { single: 12, rolledUp: [] },
    },
    {
      name: 'actions that keep the count (a failed replica replaced, a shard’s replicas) are each told',
      notices: many(12, 'ReplacingFailedReplica', { rollable: false }),
      want: { single: 12, rolledUp: [] },
    },
    {
      name: 'two reasons each rolled up on their own; a lone third told alone',
      notices: [...many(11, 'GroupNotTagged'), ...many(10, 'CapacityShortfall'), notice('x', 'AsgBusy')],
      want: { single: 1, rolledUp: ['asg GroupNotTagged 11', 'asg CapacityShortfall 10'] },
    },
    {
      name: 'the same reason of two kinds: apart',
      notices: [...many(10, 'PauseUnknown'), ...many(10, 'PauseUnknown', { kind: 'rds-replicas' })],
      want: { single: 0, rolledUp: ['asg PauseUnknown 10', 'rds-replicas PauseUnknown 10'] },
    },
    {
      name: `more than TARGETS_PER_ROLLUP (${TARGETS_PER_ROLLUP}): a message for each ${TARGETS_PER_ROLLUP}`,
      notices: many(2 * TARGETS_PER_ROLLUP + 1, 'GroupNotTagged'),
      want: {
        single: 0,
        rolledUp: ['asg GroupNotTagged 200', 'asg GroupNotTagged 200', 'asg GroupNotTagged 1'],
      },
    },
  ])('$name', ({ notices, want }) => {
    expect(shape(notices)).toEqual(want);
  });

  it('keeps the single notices in their order, and every notice is told exactly once', () => {
    const notices = [
      notice('a', 'ScaleOut', { desired: 3 }),
      ...many(10, 'GroupNotTagged'),
      notice('b', 'AsgBusy'),
    ];
    const { single, rolledUp } = rollUpNotices(notices);
    expect(single.map((n) => n.decision.target)).toEqual(['a', 'b']);
    expect([...single, ...rolledUp.flatMap((r) => r.notices)]).toHaveLength(notices.length);
  });
});
