import { describe, expect, it } from 'vitest';
import { servingInTime } from '../../../../shared/decision/plans/servingInTime';
import { member, minutesAgo, T0 } from './planFixtures';

// A replica serves 15 minutes after it is ordered; the API asking waits 5 for its own instances.
describe('servingInTime: what a member will serve by the time a faster member’s new capacity does', () => {
  it.each([
    {
      name: 'a replica ordered 12 minutes ago serves within the API’s 5 minutes (15 − 12 ≤ 5)',
      state: member(3, { serving: 2, changes: [{ at: minutesAgo(12), from: 2, to: 3 }] }),
      want: 3,
    },
    {
      name: 'a replica ordered 5 minutes ago does not (10 more minutes)',
      state: member(3, { serving: 2, changes: [{ at: minutesAgo(5), from: 2, to: 3 }] }),
      want: 2,
    },
    {
      name: 'exactly 10 minutes ago: it serves the minute the API’s instances do',
      state: member(3, { serving: 2, changes: [{ at: minutesAgo(10), from: 2, to: 3 }] }),
      want: 3,
    },
    {
      name: 'of two orders, only the one placed early enough counts',
      state: member(3, {
        serving: 1,
        changes: [
          { at: minutesAgo(12), from: 1, to: 2 },
          { at: minutesAgo(4), from: 2, to: 3 },
        ],
      }),
      want: 2,
    },
    {
      name: 'a replica ordered 21 minutes ago and still creating is overdue (6 minutes late): not counted',
      state: member(3, { serving: 2, changes: [{ at: minutesAgo(21), from: 2, to: 3 }] }),
      want: 2,
    },
    {
      name: 'one ordered 18 minutes ago is 3 minutes late, within the API’s 5: still counted',
      state: member(3, { serving: 2, changes: [{ at: minutesAgo(18), from: 2, to: 3 }] }),
      want: 3,
    },
    {
      name: 'an overdue replica does not hide one in time: 25 minutes ago (stuck) and 12 minutes ago (in time)',
      state: member(4, {
        serving: 2,
        changes: [
          { at: minutesAgo(25), from: 2, to: 3 },
          { at: minutesAgo(12), from: 3, to: 4 },
        ],
      }),
      want: 3,
    },
    {
      name: 'the overdue replica came to serve: counted',
      state: member(3, { serving: 3, changes: [{ at: minutesAgo(20), from: 2, to: 3 }] }),
      want: 3,
    },
    {
      name: 'a scale-in takes effect at once: never more than it has ordered',
      state: member(2, { serving: 3, changes: [{ at: minutesAgo(2), from: 3, to: 2 }] }),
      want: 2,
    },
    {
      name: 'never less than what serves now',
      state: member(3, { serving: 3, changes: [{ at: minutesAgo(1), from: 1, to: 3 }] }),
      want: 3,
    },
  ])('$name', ({ state, want }) => {
    expect(servingInTime(state, 15, 5, T0)).toBe(want);
  });

  it('a member at least as fast as the lead serves all it has ordered by then', () => {
    const justOrdered = member(6, { serving: 4, changes: [{ at: minutesAgo(0), from: 4, to: 6 }] });
    expect(servingInTime(justOrdered, 5, 5, T0)).toBe(6);
    expect(servingInTime(justOrdered, 5, 15, T0)).toBe(6);
    // Ordered 25 minutes ago with a 5-minute lead, and 2 of them still not serving: 20 minutes late.
    const stuck = member(6, { serving: 4, changes: [{ at: minutesAgo(25), from: 4, to: 6 }] });
    expect(servingInTime(stuck, 5, 15, T0)).toBe(4);
  });
});
