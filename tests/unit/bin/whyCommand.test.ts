import { describe, expect, it } from 'vitest';
import { parseAt, WhyCommandError, whyCommand } from '../../../bin/lib/whyCommand';

// What `scalepilot why --at` understands, and what it refuses in one line.
const NOW = new Date('2026-11-22T15:30:00Z');

describe('scalepilot why --at', () => {
  it.each([
    {
      name: 'a minute in UTC means the whole minute',
      text: '2026-11-22 14:05',
      want: '2026-11-22T14:05:59.999Z',
    },
    { name: 'ISO with Z, to the minute', text: '2026-11-22T14:05Z', want: '2026-11-22T14:05:59.999Z' },
    { name: 'to the second: that instant', text: '2026-11-22T14:05:02Z', want: '2026-11-22T14:05:02.000Z' },
    { name: 'another zone', text: '2026-11-22T15:05+01:00', want: '2026-11-22T14:05:59.999Z' },
    { name: 'a time of day: today when it has passed', text: '14:05', want: '2026-11-22T14:05:59.999Z' },
    { name: 'a time of day still to come: yesterday', text: '16:00', want: '2026-11-21T16:00:59.999Z' },
  ])('reads $name', ({ text, want }) => {
    expect(parseAt(text, NOW).toISOString()).toBe(want);
  });

  it.each([
    { name: 'no time', text: 'soon' },
    { name: 'a date without a time', text: '2026-11-22' },
    { name: 'an hour past 23', text: '25:00' },
    { name: 'a month past 12', text: '2026-13-01T00:00Z' },
  ])('refuses $name in one line', ({ text }) => {
    expect(() => parseAt(text, NOW)).toThrow(WhyCommandError);
    expect(() => parseAt(text, NOW)).toThrow(/^--at: "[^"]+" is not a time/);
  });

  it('refuses a --last that is no count, before reading anything', async () => {
    const log = {
      latestDecisions: async () => {
        throw new Error('read');
      },
    };
    await expect(whyCommand(log, 'api', { last: '0' }, NOW)).rejects.toThrow(
      '--last: "0" is not a whole number from 1 to 1000',
    );
  });
});
