import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clearOfTakenMinutes,
  FORECAST_ACTION_PREFIX,
  forecastActionName,
  MAX_SCHEDULED_ACTIONS,
  othersStartMinutes,
  SCHEDULE_LEAD_SECONDS,
  type ScheduledMinSize,
  scheduledMinSizes,
} from '../../../shared/decision/scheduledFloors';
import type { FloorSchedule } from '../../../shared/decision/types';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const MIN = 60_000;
const NOW = new Date(T0 + 30_000); // 30 s into the first step

const floors = (units: number[], start = T0): FloorSchedule => ({
  start: new Date(start),
  stepMinutes: 5,
  units,
  madeAt: NOW,
  source: 'test',
});

const planned = (units: number[] | undefined, over: Partial<Parameters<typeof scheduledMinSizes>[0]> = {}) =>
  scheduledMinSizes({
    target: 'api',
    floors: units ? floors(units) : undefined,
    baseline: 2,
    maxSize: 10,
    currentMinSize: 2,
    now: NOW,
    budget: MAX_SCHEDULED_ACTIONS,
    ...over,
  });

const plan = (units: number[] | undefined, over: Partial<Parameters<typeof scheduledMinSizes>[0]> = {}) =>
  planned(units, over).actions;

const brief = (actions: ScheduledMinSize[]) =>
  actions.map((a) => [(a.start.getTime() - T0) / MIN, a.minSize] as const);

/** The MinSize in force at `time` under the actions, starting from `initial`. */
function minSizeAt(actions: ScheduledMinSize[], initial: number, time: number): number {
  let size = initial;
  for (const a of actions) if (a.start.getTime() <= time) size = a.minSize;
  return size;
}

describe('scheduledMinSizes', () => {
  it.each([
    {
      name: 'one action per run of equal floors, back to the baseline at the end',
      units: [2, 2, 5, 5, 3],
      want: [
        [10, 5],
        [20, 3],
        [25, 2],
      ],
    },
    {
      name: 'a floor in force now starts at the first whole minute a minute ahead (AWS refuses the past; defect: the next whole minute, a put a second late refused)',
      units: [4, 4, 2],
      want: [
        [2, 4],
        [10, 2],
      ],
    },
    {
      name: 'floors below the baseline are the baseline; above MaxSize, MaxSize',
      units: [1, 14, 1],
      want: [
        [5, 10],
        [10, 2],
      ],
    },
    { name: 'nothing above the baseline and MinSize at it: no action', units: [2, 1, 0], want: [] },
  ])('$name', ({ units, want }) => {
    expect(brief(plan(units))).toEqual(want);
  });

  it.each([
    {
      name: 'no floors (declined, untrusted) after a raised MinSize: back to the baseline now',
      units: undefined,
      current: 6,
      want: [[2, 2]],
    },
    { name: 'no floors and MinSize at the baseline: nothing', units: undefined, current: 2, want: [] },
    {
      name: 'a first run at the MinSize in force is not repeated',
      units: [6, 6, 3],
      current: 6,
      want: [
        [10, 3],
        [15, 2],
      ],
    },
    {
      name: 'a first run below the raised MinSize lowers it',
      units: [2, 2, 5],
      current: 6,
      want: [
        [2, 2],
        [10, 5],
        [15, 2],
      ],
    },
  ])('$name', ({ units, current, want }) => {
    expect(brief(plan(units, { currentMinSize: current }))).toEqual(want);
  });

  it('names each action with the prefix, the target and its minute', () => {
    const [first] = plan([2, 5]);
    expect(first?.name).toBe(`${FORECAST_ACTION_PREFIX}api-20261201T1005Z`);
  });

  it('48 hours of changing floors under a short budget: the nearest hours exactly, then back to the baseline (ScheduleBudget)', () => {
    const units = Array.from({ length: 576 }, (_, i) => 2 + (i % 7));
    const { actions, cutAt } = planned(units, { budget: 40 });
    expect(actions).toHaveLength(40);
    // 40 runs of the floors, each exact (the first is the MinSize in force: no action), and the 40th action
    // returns MinSize to the baseline where they end.
    const cut = cutAt?.getTime() ?? 0;
    expect(cut).toBe(T0 + 40 * 5 * MIN);
    for (let t = T0 + 2 * MIN; t < cut; t += 5 * MIN)
      expect(minSizeAt(actions, 2, t)).toBe(units[Math.floor((t - T0) / (5 * MIN))] as number);
    expect(minSizeAt(actions, 2, cut)).toBe(2);
  });

  it.each([
    { name: 'no room at all: nothing, not even the way back', budget: 0, current: 6, want: [] },
    {
      name: 'room for one (defect: two were written): no raise that could not come back; a raised MinSize returns',
      budget: 1,
      current: 6,
      want: [[2, 2]],
    },
    { name: 'room for one, MinSize at the baseline: nothing', budget: 1, current: 2, want: [] },
    {
      name: 'room for two: one raise and its way back',
      budget: 2,
      current: 2,
      want: [
        [10, 5],
        [15, 2],
      ],
    },
  ])('$name', ({ budget, current, want }) => {
    const { actions, cutAt } = planned([2, 2, 5, 3, 4], { budget, currentMinSize: current });
    expect(brief(actions)).toEqual(want);
    expect(actions.length).toBeLessThanOrEqual(budget);
    expect(cutAt).toBeDefined();
  });

  it('any floors, any budget: at most the budget, in the future, increasing, within [baseline, MaxSize], every floor covered up to the cut, the baseline after it (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: MAX_SCHEDULED_ACTIONS }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 12 }),
        (units, budget, baseline, current) => {
          const { actions, cutAt } = planned(units, { budget, baseline, currentMinSize: current });
          expect(actions.length).toBeLessThanOrEqual(budget);
          const times = actions.map((a) => a.start.getTime());
          expect(times.every((t) => t >= NOW.getTime() + SCHEDULE_LEAD_SECONDS * 1000)).toBe(true);
          expect(times).toEqual([...times].sort((a, b) => a - b));
          expect(new Set(actions.map((a) => a.name)).size).toBe(actions.length);
          for (const a of actions) expect(a.minSize).toBeGreaterThanOrEqual(Math.min(baseline, 10));
          for (const a of actions) expect(a.minSize).toBeLessThanOrEqual(10);
          const first = times[0] ?? Number.POSITIVE_INFINITY;
          const end = cutAt?.getTime() ?? Number.POSITIVE_INFINITY;
          units.forEach((u, i) => {
            const t = T0 + (i + 1) * 5 * MIN - 1; // the last instant of step i
            if (t >= first && t < end)
              expect(minSizeAt(actions, current, t)).toBeGreaterThanOrEqual(Math.min(u, 10));
          });
          // After the schedule (or the cut), MinSize is back at the baseline.
          expect(minSizeAt(actions, current, Math.min(end, T0 + units.length * 5 * MIN))).toBe(
            actions.length > 0 ? Math.min(baseline, 10) : current,
          );
        },
      ),
      { seed: 7 },
    );
  });
});

// Review s51: the minutes taken were every action's but the forecast's, so two targets' forecast actions on one group
// (a renamed target's left beside the new name's; two paused targets each holding a set-back a year ahead) could
// take the same minute, which AWS refuses.
describe('othersStartMinutes: another target’s forecast actions take their minutes', () => {
  it('counts an operator’s and another target’s actions, not the target’s own; its set-back moves a minute', () => {
    const at = new Date('2027-12-01T10:03:00Z');
    const actions = [
      { name: forecastActionName('api', at), start: at },
      {
        name: forecastActionName('old-api', new Date('2027-12-01T10:04:00Z')),
        start: new Date('2027-12-01T10:04:00Z'),
      },
      { name: 'operator-release', start: new Date('2027-12-01T10:05:00Z') },
    ];
    expect([...othersStartMinutes(actions, 'api')].map((m) => new Date(m).toISOString())).toEqual([
      '2027-12-01T10:04:00.000Z',
      '2027-12-01T10:05:00.000Z',
    ]);
    const held = { name: forecastActionName('old-api', at), start: at, minSize: 2 };
    const [moved] = clearOfTakenMinutes('old-api', [held], othersStartMinutes(actions, 'old-api'));
    expect(moved?.start.toISOString()).toBe('2027-12-01T10:04:00.000Z');
    expect(moved?.name).toBe(forecastActionName('old-api', new Date('2027-12-01T10:04:00Z')));
  });
});
