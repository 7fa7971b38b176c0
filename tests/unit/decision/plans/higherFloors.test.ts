import { describe, expect, it } from 'vitest';
import { floorAt } from '../../../../shared/decision/floors';
import { higherFloors } from '../../../../shared/decision/plans/higherFloors';
import type { FloorSchedule } from '../../../../shared/decision/types';
import { T0 } from './planFixtures';

const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const schedule = (start: number, units: number[], source: string, step = 5): FloorSchedule => ({
  start: at(start),
  stepMinutes: step,
  units,
  madeAt: T0,
  source,
});

describe('higherFloors: a member’s own floors and its plan’s, as one schedule', () => {
  it.each([
    {
      name: 'step by step the higher of the two; the source of the higher peak',
      a: schedule(0, [2, 2, 2, 2], 'own'),
      b: schedule(0, [1, 3, 3, 1], 'plan'),
      want: { start: at(0), units: [2, 3, 3, 2], source: 'plan' },
    },
    {
      name: 'from the earlier start to the later end',
      a: schedule(0, [2, 2], 'own'),
      b: schedule(5, [1, 1, 4], 'plan'),
      want: { start: at(0), units: [2, 2, 1, 4], source: 'plan' },
    },
    {
      name: 'on the finer step',
      a: schedule(0, [2], 'own', 10),
      b: schedule(0, [1, 3], 'plan', 5),
      want: { start: at(0), stepMinutes: 5, units: [2, 3], source: 'plan' },
    },
    {
      name: 'one missing: the other',
      a: undefined,
      b: schedule(0, [1], 'plan'),
      want: { units: [1], source: 'plan' },
    },
  ])('$name', ({ a, b, want }) => {
    expect(higherFloors(a, b)).toMatchObject(want);
  });

  it.each([
    {
      name: 'each step names the floor it took; a tie names the second (the plan’s)',
      a: schedule(0, [2, 2, 5, 2], 'own'),
      b: schedule(0, [1, 3, 3, 2], 'plan'),
      want: ['own', 'plan', 'own', 'plan'],
      source: 'own',
    },
    {
      name: 'a step only one reaches names that one',
      a: schedule(0, [4], 'own'),
      b: schedule(5, [1], 'plan'),
      want: ['own', 'plan'],
      source: 'own',
    },
  ])('$name', ({ a, b, want, source }) => {
    const merged = higherFloors(a, b);
    expect(merged?.source).toBe(source);
    expect(want.map((_, i) => floorAt(merged, at(i * 5))?.source)).toEqual(want);
  });

  it('one source throughout: no per-step sources kept', () => {
    const merged = higherFloors(schedule(0, [3, 3], 'own'), schedule(0, [1, 2], 'plan'));
    expect(merged?.stepSources).toBeUndefined();
    expect(floorAt(merged, at(5))?.source).toBe('own');
  });

  it('none: none', () => {
    expect(higherFloors(undefined, undefined)).toBeUndefined();
  });
});
