import { describe, expect, it } from 'vitest';
import { MalformedEventError } from '../../../shared/errors';
import type { ScheduleTick } from '../../../shared/events/parseScalingEvent';
import { checkSchedule } from '../../../shared/lambda/checkSchedule';

const runtime = { account: '123456789012', region: 'us-east-1' };
const tick = (where: Partial<ScheduleTick>): ScheduleTick => ({
  trigger: 'schedule',
  time: '2026-12-07T10:00:00Z',
  ...where,
});

describe("checkSchedule: a scheduled event is this function's rule's", () => {
  it.each([
    {
      name: 'the account and region of the function',
      where: { account: '123456789012', region: 'us-east-1' },
    },
    { name: 'neither named (a test or a hand-made tick)', where: {} },
    { name: 'only the region, its own', where: { region: 'us-east-1' } },
  ])('$name: taken', ({ where }) => {
    expect(() => checkSchedule(runtime, tick(where))).not.toThrow();
  });

  it.each([
    {
      name: 'another account',
      where: { account: '210987654321' },
      says: /account 210987654321 \(this function's: 123456789012\)/,
    },
    {
      name: 'another region',
      where: { region: 'eu-west-1' },
      says: /region eu-west-1 \(this function's: us-east-1\)/,
    },
    { name: 'an empty account', where: { account: '' }, says: /account {2}\(this function's/ },
    {
      name: 'both another',
      where: { account: '210987654321', region: '*' },
      says: /account 210987654321.*, region \*/,
    },
  ])('$name: refused, saying which', ({ where, says }) => {
    expect(() => checkSchedule(runtime, tick(where))).toThrow(MalformedEventError);
    expect(() => checkSchedule(runtime, tick(where))).toThrow(says);
  });
});
