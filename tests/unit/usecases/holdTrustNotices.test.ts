import { describe, expect, it } from 'vitest';
import type { ForecastNotifier, TrustChange } from '../../../shared/ports';
import { holdTrustNotices } from '../../../shared/usecases/holdTrustNotices';
import { ROLL_UP_AT } from '../../../shared/usecases/rollUp';

const AT = new Date('2026-12-07T10:00:00Z');

/** A notifier that notes what it was told: `one target` or `N targets off/on`. */
function noting(many = true) {
  const told: string[] = [];
  const notifier: ForecastNotifier = {
    trustChanged: async (target, trusted) => void told.push(`${target} ${trusted ? 'on' : 'off'}`),
    ...(many
      ? {
          trustChangedMany: async (changes: readonly TrustChange[]) =>
            void told.push(`${changes.length} targets ${changes[0]?.trusted ? 'on' : 'off'}`),
        }
      : {}),
  };
  return { notifier, told };
}

const flips = (n: number, trusted: boolean, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ target: `t-${from + i}`, trusted }));

describe('holdTrustNotices', () => {
  it.each([
    {
      name: 'a few flips: each told, in order',
      changes: flips(3, false),
      want: ['t-0 off', 't-1 off', 't-2 off'],
    },
    {
      name: `${ROLL_UP_AT} forecasts lost trust together: one message`,
      changes: flips(ROLL_UP_AT, false),
      want: ['10 targets off'],
    },
    {
      name: 'eleven off together and two back on: the two each, the eleven in one',
      changes: [...flips(11, false), ...flips(2, true, 11)],
      want: ['t-11 on', 't-12 on', '11 targets off'],
    },
    {
      name: 'a notifier that cannot tell many at once: each told',
      changes: flips(ROLL_UP_AT, true),
      many: false,
      want: flips(ROLL_UP_AT, true).map((c) => `${c.target} on`),
    },
    {
      name: '401 at once: a message for each 200',
      changes: flips(401, false),
      want: ['200 targets off', '200 targets off', '1 targets off'],
    },
  ])('$name', async ({ changes, want, many = true }) => {
    const { notifier, told } = noting(many);
    const held = holdTrustNotices(notifier);
    for (const c of changes)
      await held.notifier?.trustChanged(c.target, c.trusted, `${c.target} verdict`, AT);
    expect(told).toEqual([]); // nothing before the run ends
    await held.flush();
    expect(told).toEqual(want);
    await held.flush();
    expect(told).toEqual(want); // told once
  });

  it('one send refused: the others are still told, and the flush fails naming the untold target', async () => {
    const { notifier, told } = noting();
    const refusing: ForecastNotifier = {
      ...notifier,
      trustChanged: async (target, ...rest) => {
        if (target === 't-1') throw new Error('SNS throttled');
        await notifier.trustChanged(target, ...rest);
      },
    };
    const held = holdTrustNotices(refusing);
    for (const c of flips(3, false)) await held.notifier?.trustChanged(c.target, c.trusted, 'verdict', AT);
    await expect(held.flush()).rejects.toThrow('trust notices not sent for t-1: SNS throttled');
    expect(told).toEqual(['t-0 off', 't-2 off']);
  });

  it('without a notifier, holds nothing and tells nothing', async () => {
    const held = holdTrustNotices(undefined);
    expect(held.notifier).toBeUndefined();
    await expect(held.flush()).resolves.toBeUndefined();
  });
});
