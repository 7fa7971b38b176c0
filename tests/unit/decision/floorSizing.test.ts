import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CalibrationPoint,
  calibrate,
  floorHeadroom,
  HEADROOM_WINDOW_MINUTES,
  MIN_CALIBRATION_MINUTES,
  measuredHeadroom,
  unitsForLoad,
} from '../../../shared/decision/floorSizing';

const T0 = Date.parse('2026-03-02T00:00:00Z');
const MIN = 60_000;
/** A forecast of 100 per step of 5 minutes, from T0, for 2 hours. */
const flat = { start: T0, stepMinutes: 5, point: Array.from({ length: 24 }, () => 100) };
const minutes = (from: number, n: number, value: (i: number) => number) => ({
  times: Array.from({ length: n }, (_, i) => T0 + (from + i) * MIN),
  values: Array.from({ length: n }, (_, i) => value(i)),
  periodMinutes: 1,
});

describe('calibrate', () => {
  it.each([
    {
      name: 'one ratio per actual minute, against the forecast step it falls in',
      forecast: { ...flat, point: [100, 200, ...flat.point.slice(2)] },
      actual: minutes(0, 10, () => 150),
      until: T0 + 10 * MIN,
      want: [1.5, 1.5, 1.5, 1.5, 1.5, 0.75, 0.75, 0.75, 0.75, 0.75],
    },
    {
      name: 'a minute that has not ended by the run is not scored (no peeking)',
      forecast: flat,
      actual: minutes(0, 10, () => 100),
      until: T0 + 7.5 * MIN,
      want: [1, 1, 1, 1, 1, 1, 1],
    },
    {
      name: 'a step the forecast put at zero says nothing',
      forecast: { ...flat, point: [0, ...flat.point.slice(1)] },
      actual: minutes(0, 10, () => 100),
      until: T0 + 10 * MIN,
      want: [1, 1, 1, 1, 1],
    },
    {
      // A replayed demand's gap (the plan backtest reads NaN there) counted as the largest ratio before, and
      // raised the plan's headroom on traces with gaps; CalibrationRecord (the targets' backtest) skips it too.
      name: 'a minute without a datapoint (NaN) says nothing',
      forecast: flat,
      actual: minutes(0, 4, (i) => (i === 1 ? Number.NaN : 100)),
      until: T0 + 10 * MIN,
      want: [1, 1, 1],
    },
    {
      name: 'minutes before the forecast started are not its to score',
      forecast: { ...flat, start: T0 + 5 * MIN },
      actual: minutes(0, 10, () => 50),
      until: T0 + 10 * MIN,
      want: [0.5, 0.5, 0.5, 0.5, 0.5],
    },
  ])('$name', ({ forecast, actual, until, want }) => {
    const kept = calibrate([], forecast, actual, forecast.start - 1, until);
    expect(kept.map((p) => p.ratio)).toEqual(want);
  });

  it(`keeps the last ${HEADROOM_WINDOW_MINUTES} minutes: older points go, a minute scored again is replaced`, () => {
    const old: CalibrationPoint[] = [
      { time: T0 - HEADROOM_WINDOW_MINUTES * MIN - MIN, ratio: 9 },
      { time: T0 - MIN, ratio: 2 },
      { time: T0, ratio: 3 },
    ];
    const kept = calibrate(
      old,
      flat,
      minutes(0, 2, () => 100),
      flat.start - 1,
      T0 + 2 * MIN + 0,
    );
    expect(kept.map((p) => [(p.time - T0) / MIN, p.ratio])).toEqual([
      [-1, 2],
      [0, 1],
      [1, 1],
    ]);
  });
});

describe('calibrate: the record kept and appended, or merged', () => {
  // The backtest appends an hour each run (no time in common with the record); the merge replaces what it scores
  // again. Both give what the definition says: the latest ratio of each time, in time order, within the window.
  const reference = (kept: readonly CalibrationPoint[], fresh: readonly CalibrationPoint[], from: number) => {
    const byTime = new Map(kept.map((p) => [p.time, p.ratio]));
    for (const p of fresh) byTime.set(p.time, p.ratio);
    return [...byTime]
      .filter(([time]) => time >= from)
      .sort((a, b) => a[0] - b[0])
      .map(([time, ratio]) => ({ time, ratio }));
  };
  it('property: any record and any minutes scored give the record the definition gives', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -400, max: 60 }), { maxLength: 80 }),
        fc.integer({ min: -30, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.boolean(),
        (keptMinutes, first, count, sorted) => {
          const order = sorted ? [...keptMinutes].sort((a, b) => a - b) : keptMinutes;
          const kept = order.map((m) => ({ time: T0 + m * MIN, ratio: 1 + m / 1000 }));
          const actual = minutes(first, count, (i) => 100 + i);
          const until = T0 + (first + count) * MIN;
          const fresh = actual.times.map((time, i) => ({ time, ratio: (actual.values[i] as number) / 100 }));
          const want = reference(
            kept,
            fresh.filter((p) => p.time >= T0),
            until - HEADROOM_WINDOW_MINUTES * MIN,
          );
          const forecast = { start: T0, stepMinutes: 5, point: Array.from({ length: 48 }, () => 100) };
          expect(calibrate(kept, forecast, actual, T0 - 1, until)).toEqual(want);
        },
      ),
      { seed: 23, numRuns: 300 },
    );
  });
});

describe('measuredHeadroom', () => {
  const ratios = (values: number[]) => values.map((ratio, i) => ({ time: T0 + i * MIN, ratio }));

  it.each([
    {
      name: `undefined under ${MIN_CALIBRATION_MINUTES} minutes of record (the buffer stands in)`,
      calibration: ratios(Array.from({ length: MIN_CALIBRATION_MINUTES - 1 }, () => 2)),
      period: 1,
      want: undefined,
    },
    {
      name: 'the 95th percentile of actual ÷ forecast',
      calibration: ratios(Array.from({ length: 400 }, (_, i) => 1 + i / 400)),
      period: 1,
      want: 1.95,
    },
    {
      name: 'never below 1: a forecast that ran high plans for itself',
      calibration: ratios(Array.from({ length: 400 }, () => 0.6)),
      period: 1,
      want: 1,
    },
    {
      name: 'counted in minutes: 5-minute periods need a fifth as many points',
      calibration: ratios(Array.from({ length: MIN_CALIBRATION_MINUTES / 5 }, () => 1.2)),
      period: 5,
      want: 1.2,
    },
  ])('$name', ({ calibration, period, want }) => {
    const got = measuredHeadroom(calibration, period);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(want, 9);
  });

  it('property: the ratio at the 95th percentile rank once sorted (never below 1), however the ratios come', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 10, noNaN: true }), {
          minLength: MIN_CALIBRATION_MINUTES,
          maxLength: 800,
        }),
        (values) => {
          const sorted = [...values].sort((a, b) => a - b);
          const rank = Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length));
          expect(measuredHeadroom(ratios(values), 1)).toBe(Math.max(1, sorted[rank] as number));
        },
      ),
      { seed: 29 },
    );
  });

  it('property: the headroom is at least 1 and at most the largest ratio (or 1)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 10, noNaN: true }), {
          minLength: MIN_CALIBRATION_MINUTES,
          maxLength: 800,
        }),
        (values) => {
          const h = measuredHeadroom(ratios(values), 1) as number;
          expect(h).toBeGreaterThanOrEqual(1);
          expect(h).toBeLessThanOrEqual(Math.max(1, ...values));
        },
      ),
    );
  });
});

describe('floorHeadroom and unitsForLoad', () => {
  it.each([
    { name: 'the measured headroom when there is one', measured: 1.12, buffer: 30, max: null, want: 1.12 },
    { name: 'no cap (null): however high it was measured', measured: 7, buffer: 30, max: null, want: 7 },
    {
      name: "the policy's buffer until then (seeds: 30%)",
      measured: undefined,
      buffer: 30,
      max: null,
      want: 1.3,
    },
    { name: 'a buffer of 0 plans on the point forecast', measured: undefined, buffer: 0, max: null, want: 1 },
    {
      name: 'maxBufferPercent caps a measured headroom above it',
      measured: 1.8,
      buffer: 30,
      max: 50,
      want: 1.5,
    },
    { name: 'a measured headroom under the cap stands', measured: 1.12, buffer: 30, max: 50, want: 1.12 },
    { name: 'a cap of 0 plans on the point forecast', measured: 1.4, buffer: 30, max: 0, want: 1 },
    {
      name: "the cap is on the measured headroom, not the policy's buffer",
      measured: undefined,
      buffer: 80,
      max: 50,
      want: 1.8,
    },
  ])('$name', ({ measured, buffer, max, want }) => {
    expect(floorHeadroom(measured, buffer, max)).toBeCloseTo(want, 12);
  });

  it.each([
    {
      name: 'an exact fit stays exact through float noise (240 × 1.25 / 60)',
      load: 240 * 1.25,
      per: 60,
      want: 5,
    },
    { name: 'a little over needs one more', load: 301, per: 60, want: 6 },
    { name: 'no load, no units', load: 0, per: 60, want: 0 },
    { name: 'a negative forecast needs nothing', load: -5, per: 60, want: 0 },
  ])('$name', ({ load, per, want }) => {
    expect(unitsForLoad(load, per)).toBe(want);
  });
});
