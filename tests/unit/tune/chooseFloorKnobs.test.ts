import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HEADROOM_QUANTILE } from '../../../shared/decision/floorSizing';
import { type FloorTuning, FloorTuningSchema } from '../../../shared/policy/schema';
import {
  candidateKnobs,
  chooseFloorKnobs,
  defaultKnobs,
  type FloorKnobInput,
} from '../../../shared/tune/chooseFloorKnobs';
import { type ForecastRun, keptRuns } from '../../../shared/tune/forecastRuns';

const T0 = Date.parse('2026-03-02T00:00:00Z');
const MIN = 60_000;
const STEP = 5;

/**
 * A record of hourly runs over `hours` from T0 at 5-minute steps: each run forecasts `forecast(t)` for the next
 * 2 hours; the actual load per step is `actual(t)`. Loads in percent of a unit (a unit carries 100).
 */
function record(hours: number, actual: (t: number) => number, forecast: (t: number) => number) {
  const runs: ForecastRun[] = [];
  for (let h = 0; h < hours; h += 1) {
    const madeAt = T0 + h * 60 * MIN;
    runs.push({
      madeAt,
      start: madeAt,
      stepMinutes: STEP,
      point: Array.from({ length: 24 }, (_, i) => forecast(madeAt + i * STEP * MIN)),
    });
  }
  const steps = (hours * 60) / STEP;
  const times = Array.from({ length: steps }, (_, i) => T0 + i * STEP * MIN);
  return { runs, actual: { times, values: times.map(actual) }, now: T0 + hours * 60 * MIN };
}

/** The schema's tuning, switched on (it is off by default), with `over` on top. */
const tuning = (over: Partial<FloorTuning> = {}): FloorTuning => ({
  ...FloorTuningSchema.parse({ enabled: true }),
  ...over,
});

function input(
  over: Partial<FloorKnobInput> & Pick<FloorKnobInput, 'runs' | 'actual' | 'now'>,
): FloorKnobInput {
  return {
    perUnit: 70,
    rulePerUnit: 70,
    rulePerUnitUnderFloor: 70,
    leadMinutes: 5,
    scaleInWindowMinutes: 5,
    scaleInHoldsUnderFloor: true,
    min: 1,
    max: 50,
    bufferPercent: 30,
    tuning: tuning(),
    ...over,
  };
}

/** A flat load of 700 (10 units at 70) that jumps to 1300 for 10 minutes at :40 of every hour. */
const bursty = (t: number) => {
  const minute = Math.floor((t - T0) / MIN) % 60;
  return minute >= 40 && minute < 50 ? 1300 : 700;
};
/** 1000 with a spike of 1500 every 12th step (one hour in twelve), and a forecast that sees none of them. */
const spiky = (t: number) => (Math.floor((t - T0) / (STEP * MIN)) % 12 === 7 ? 1500 : 1000);
const flat = () => 1000;
/** A fixed pseudo-random number in [0, 1) per instant. */
const noise = (t: number) => (((Math.floor(t / MIN) * 2654435761) % 4294967296) / 4294967296 + 1) % 1;
/** A forecast that knows the jumps but misses the load by up to 40% either way. */
const noisy = (t: number) => bursty(t) * (0.6 + 0.8 * noise(t));

describe('chooseFloorKnobs', () => {
  it.each([
    {
      name: 'under 24 h of runs scored, the defaults stand',
      hours: 20,
      over: {},
      want: { headroomQuantile: 0.95, holdMinutes: 0, floors: true },
      why: 'under 24 h',
    },
    {
      name: 'tuning off: the documented defaults, whatever the record',
      hours: 60,
      over: { tuning: tuning({ enabled: false }) },
      want: { headroomQuantile: HEADROOM_QUANTILE, holdMinutes: 0, floors: true },
      why: 'tuning off',
    },
    {
      name: 'overload priced high: the floors plan for the forecast’s worst misses (the spikes’ 1.5)',
      hours: 60,
      over: { tuning: tuning({ overloadMinuteCost: 1000 }) },
      want: { headroomQuantile: 0.95, holdMinutes: 0, floors: true },
      why: 'headroom quantile 0.95, hold 0 min: ',
    },
    {
      name: 'overload priced low and floors kept on: the cheapest headroom (the spikes overload)',
      hours: 60,
      over: { tuning: tuning({ overloadMinuteCost: 1, allowReactiveOnly: false }) },
      want: { headroomQuantile: 0.8, holdMinutes: 0, floors: true },
      why: 'headroom quantile 0.8',
    },
    {
      name: 'overload free: no floor allowed pays for itself (each plans for the spikes), the rules alone',
      hours: 60,
      over: { tuning: tuning({ overloadMinuteCost: 0, headroomQuantile: { min: 0.95, max: 0.99 } }) },
      want: { floors: false },
      why: 'no floors',
    },
    {
      name: 'the ranges bound the choice: a quantile range of [0.85, 0.9] and a hold of at least 30 minutes',
      hours: 60,
      over: {
        tuning: tuning({
          overloadMinuteCost: 1000,
          allowReactiveOnly: false,
          headroomQuantile: { min: 0.85, max: 0.9 },
          holdMinutes: { min: 30, max: 60 },
        }),
      },
      want: { headroomQuantile: 0.9, holdMinutes: 30, floors: true },
      why: 'hold 30 min',
    },
  ])('$name', ({ hours, over, want, why }) => {
    const { runs, actual, now } = record(hours, spiky, flat);
    // Rules at 95%: the rules alone serve 1100 and the spikes overload unless a floor carries them.
    const choice = chooseFloorKnobs(
      input({ runs, actual, now, perUnit: 95, rulePerUnit: 95, rulePerUnitUnderFloor: 95, ...over }),
    );
    expect(choice.knobs).toMatchObject(want);
    expect(choice.why).toContain(why);
  });

  it('the window decides what is scored: bursts the forecast saw coming for two days, then a day of bursts that never came', () => {
    const yesterday = T0 + 48 * 60 * MIN;
    const { runs, actual, now } = record(72, (t) => (t >= yesterday ? 700 : bursty(t)), bursty);
    const priced = { overloadMinuteCost: 50 };
    const wide = chooseFloorKnobs(
      input({ runs, actual, now, tuning: tuning({ ...priced, windowHours: 72 }) }),
    );
    const recent = chooseFloorKnobs(
      input({ runs, actual, now, tuning: tuning({ ...priced, windowHours: 24 }) }),
    );
    expect(wide.why).toContain('last 72 h');
    expect(wide.knobs.floors).toBe(true);
    expect(recent.why).toContain('last 24 h');
    expect(recent.knobs.floors).toBe(false);
  });

  it('reads only the past: runs made from now on and steps that have not ended change nothing', () => {
    const { runs, actual, now } = record(60, bursty, noisy);
    const want = chooseFloorKnobs(input({ runs, actual, now: now - 30 * MIN }));
    const poisoned = {
      runs: runs.map((r) => (r.madeAt >= now - 30 * MIN ? { ...r, point: r.point.map(() => 1e9) } : r)),
      actual: {
        times: actual.times,
        values: actual.values.map((v, i) =>
          (actual.times[i] as number) + STEP * MIN > now - 30 * MIN ? 0 : v,
        ),
      },
    };
    expect(chooseFloorKnobs(input({ ...poisoned, now: now - 30 * MIN }))).toEqual(want);
  });

  it('property: whatever the record, the choice is one the policy allows', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 1.5, noNaN: true }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        fc.boolean(),
        fc.integer({ min: 0, max: 120 }),
        (bias, cost, allowReactiveOnly, holdMax) => {
          const { runs, actual, now } = record(40, bursty, (t) => bias * bursty(t));
          const t = tuning({
            overloadMinuteCost: cost,
            allowReactiveOnly,
            holdMinutes: { min: 0, max: holdMax },
            headroomQuantile: { min: 0.85, max: 0.98 },
          });
          const { knobs } = chooseFloorKnobs(input({ runs, actual, now, tuning: t }));
          expect(candidateKnobs(t)).toContainEqual(knobs);
          expect(knobs.headroomQuantile).toBeGreaterThanOrEqual(0.85);
          expect(knobs.headroomQuantile).toBeLessThanOrEqual(0.98);
          expect(knobs.holdMinutes).toBeLessThanOrEqual(holdMax);
          if (!allowReactiveOnly) expect(knobs.floors).toBe(true);
        },
      ),
      { numRuns: 25, seed: 22 },
    );
  });
});

describe('candidateKnobs and defaultKnobs', () => {
  it.each([
    {
      name: 'the default first (it wins ties), clamped into the range',
      over: { headroomQuantile: { min: 0.5, max: 0.9 } },
      first: 0.9,
    },
    { name: 'the default unclamped when in range', over: {}, first: 0.95 },
  ])('$name', ({ over, first }) => {
    const t = tuning(over);
    expect(candidateKnobs(t)[0]).toEqual(defaultKnobs(t));
    expect(defaultKnobs(t).headroomQuantile).toBe(first);
  });

  it('tries every ladder value inside the ranges, the ranges’ ends, and no floors when allowed', () => {
    const t = tuning({ headroomQuantile: { min: 0.88, max: 0.95 }, holdMinutes: { min: 10, max: 30 } });
    const all = candidateKnobs(t);
    expect([...new Set(all.map((k) => k.headroomQuantile))].sort()).toEqual([0.88, 0.9, 0.95]);
    expect([...new Set(all.map((k) => k.holdMinutes))].sort((a, b) => a - b)).toEqual([10, 15, 30]);
    expect(all.filter((k) => !k.floors)).toHaveLength(1);
    expect(candidateKnobs({ ...t, allowReactiveOnly: false }).filter((k) => !k.floors)).toHaveLength(0);
  });
});

describe('keptRuns', () => {
  it('keeps the runs the window and the headroom’s 6 hours need, and the new run up to the end of its floors', () => {
    const { runs } = record(80, bursty, bursty);
    const now = T0 + 80 * 60 * MIN;
    const next = { madeAt: now, start: now, stepMinutes: STEP, point: Array.from({ length: 100 }, () => 1) };
    const kept = keptRuns(runs, next, now, now + 135 * MIN, { windowHours: 48 });
    expect(kept.at(0)?.madeAt).toBe(now - 54 * 60 * MIN);
    expect(kept.at(-1)?.point).toHaveLength(27);
    expect(kept).toHaveLength(55);
  });
});
