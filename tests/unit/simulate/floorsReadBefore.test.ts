import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { floorAt } from '../../../shared/decision/floors';
import { floorSchedule, type NeededCapacity } from '../../../shared/decision/forecastFloors';
import type { FloorSchedule } from '../../../shared/decision/types';
import { floorsReadBefore } from '../../../shared/simulate/floorsReadBefore';

const MINUTE = 60_000;
const START = Date.UTC(2026, 0, 5, 10);
const madeAt = new Date(START);

/** The floor of each minute from the schedule's start until `readUntil`, as the scalers read it. */
function readEachMinute(schedule: FloorSchedule | undefined, readUntil: number) {
  const floors: (number | undefined)[] = [];
  for (let t = START; t < readUntil; t += MINUTE) floors.push(floorAt(schedule, new Date(t))?.units);
  return floors;
}

const needOf = (stepMinutes: number, units: number[]): NeededCapacity => ({
  start: new Date(START),
  stepMinutes,
  units,
});

/** The needs from the start to a time, as neededCapacity makes them (a step's need is of its own time alone). */
const needsUntil = (needed: NeededCapacity) => {
  const asked: number[] = [];
  const needUntil = (to: Date) => {
    asked.push(to.getTime());
    const steps = Math.ceil((to.getTime() - START) / (needed.stepMinutes * MINUTE));
    return { ...needed, units: needed.units.slice(0, Math.max(0, steps)) };
  };
  return { needUntil, asked };
};
/** The time the whole needs reach. */
const endOf = (needed: NeededCapacity) => new Date(START + needed.units.length * needed.stepMinutes * MINUTE);

describe('floorsReadBefore: the floors read before the next run, as the whole schedule gives them', () => {
  it.each([
    {
      name: 'a need just past the hour raises the hour’s last steps by the lead (30-minute forecast)',
      needed: needOf(30, [1, 1, 9, 1, 1, 1]),
      lead: 600,
      hold: 0,
    },
    {
      name: 'the need one lead after the hour’s last 5-minute step counts (5-minute forecast)',
      needed: needOf(5, [...Array(12).fill(1), 0, 0, 7, ...Array(40).fill(1)]),
      lead: 900,
      hold: 0,
    },
    {
      name: 'no floor in the hour, a floor later: a schedule of zeros, as the whole one',
      needed: needOf(30, [0, 0, 0, 0, 5, 5]),
      lead: 300,
      hold: 0,
    },
    {
      name: 'no floor for hours, a floor past the needs first made: the whole needs made, a schedule of zeros',
      needed: needOf(30, [...Array(10).fill(0), 4, 4]),
      lead: 300,
      hold: 0,
    },
    {
      name: 'no floor anywhere: no schedule',
      needed: needOf(30, [0, 0, 0, 0, 0, 0]),
      lead: 300,
      hold: 30,
    },
    {
      name: 'a hold keeps an earlier need (the cut is at the end only)',
      needed: needOf(5, [8, ...Array(30).fill(2)]),
      lead: 300,
      hold: 30,
    },
  ])('$name', ({ needed, lead, hold }) => {
    const readUntil = START + 60 * MINUTE;
    const whole = floorSchedule(needed, lead, 20, madeAt, 'src', hold);
    const cut = floorsReadBefore(
      needsUntil(needed).needUntil,
      endOf(needed),
      lead,
      20,
      madeAt,
      'src',
      hold,
      readUntil,
    );
    expect(cut === undefined).toBe(whole === undefined);
    expect(readEachMinute(cut, readUntil)).toEqual(readEachMinute(whole, readUntil));
  });

  it('cuts the schedule (a 48 h forecast at 30 minutes: 576 five-minute steps, about 14 computed)', () => {
    const needed = needOf(30, Array(96).fill(3));
    const { needUntil, asked } = needsUntil(needed);
    const cut = floorsReadBefore(needUntil, endOf(needed), 300, 20, madeAt, 'src', 0, START + 60 * MINUTE);
    expect(cut?.units.length).toBeLessThan(20);
    // The needs are made a few hours ahead, not over the 48 h.
    expect(asked).toEqual([START + 60 * MINUTE + 300_000 + 2 * 60 * MINUTE]);
    expect(floorSchedule(needed, 300, 20, madeAt, 'src')?.units.length).toBe(576);
  });

  it('every minute before the next run reads the whole schedule’s floor (random needs, steps, leads, holds)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 5, 10, 15, 30, 60),
        fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 0, max: 3600 }),
        fc.constantFrom(0, 5, 15, 60),
        fc.integer({ min: 1, max: 180 }),
        fc.integer({ min: 1, max: 20 }),
        (stepMinutes, units, lead, hold, readMinutes, max) => {
          const needed = needOf(stepMinutes, units);
          const readUntil = START + readMinutes * MINUTE;
          const whole = floorSchedule(needed, lead, max, madeAt, 'src', hold);
          const cut = floorsReadBefore(
            needsUntil(needed).needUntil,
            endOf(needed),
            lead,
            max,
            madeAt,
            'src',
            hold,
            readUntil,
          );
          expect(cut === undefined).toBe(whole === undefined);
          expect(cut?.source).toBe(whole?.source);
          expect(readEachMinute(cut, readUntil)).toEqual(readEachMinute(whole, readUntil));
        },
      ),
      { seed: 23, numRuns: 300 },
    );
  });
});
