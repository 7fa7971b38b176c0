import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ActualLoad,
  type CalibrationPoint,
  calibrate,
  HEADROOM_WINDOW_MINUTES,
  measuredHeadroom,
  type PointForecast,
} from '../../../shared/decision/floorSizing';
import {
  CalibrationRecord,
  calibrationOf,
  type KeptCalibration,
} from '../../../shared/simulate/CalibrationRecord';

const MIN = 60_000;
const START = Date.parse('2026-03-02T00:00:00Z');

/** One run's scoring: each rule's forecast (in force since `start`), scored at minute `m`. */
interface Run {
  readonly m: number;
  readonly forecasts: readonly { rule: string; periodMinutes: number; forecast: PointForecast }[];
}

/**
 * The record as the predict function keeps it (and PredictRuns kept it before the record was typed): the
 * previous record trimmed to the window, then `calibrate` on each forecast with the periods read of the recent
 * load (the window and the hour before it), each the mean of its minutes.
 */
function byCalibrate(
  runs: readonly Run[],
  load: (j: number) => number,
): Record<string, CalibrationPoint[]>[] {
  let previous: Record<string, readonly CalibrationPoint[]> = {};
  return runs.map(({ m, forecasts }) => {
    const now = START + m * MIN;
    const from = now - HEADROOM_WINDOW_MINUTES * MIN;
    const calibration: Record<string, CalibrationPoint[]> = {};
    for (const [rule, points] of Object.entries(previous)) {
      const kept = points.filter((p) => p.time >= from);
      if (kept.length > 0) calibration[rule] = kept;
    }
    for (const { rule, periodMinutes, forecast } of forecasts) {
      const actual = recent(periodMinutes, forecast.start, now, load);
      calibration[rule] = calibrate(calibration[rule] ?? [], forecast, actual, forecast.start - 1, now);
    }
    previous = calibration;
    return calibration;
  });
}

function recent(p: number, since: number, now: number, load: (j: number) => number): ActualLoad {
  const period = p * MIN;
  const first = Math.max(since, now - (HEADROOM_WINDOW_MINUTES + 60) * MIN, START);
  const times: number[] = [];
  const values: number[] = [];
  for (let t = Math.ceil(first / period) * period; t + period <= now; t += period) {
    const j = (t - START) / MIN;
    let sum = 0;
    for (let i = j; i < j + p; i += 1) sum += load(i);
    if (!Number.isFinite(sum / p)) continue;
    times.push(t);
    values.push(sum / p);
  }
  return { times, values, periodMinutes: p };
}

function byRecord(runs: readonly Run[], load: (j: number) => number): KeptCalibration[] {
  const record = new CalibrationRecord();
  return runs.map(({ m, forecasts }) => {
    const now = START + m * MIN;
    const readFrom = Math.max(now - (HEADROOM_WINDOW_MINUTES + 60) * MIN, START);
    record.advance(now);
    for (const { rule, periodMinutes, forecast } of forecasts)
      record.score(rule, forecast, { start: START, periodMinutes, load }, readFrom, now);
    const kept = record.keep();
    // The headroom from the record's own ratios is the one measured from the points.
    for (const [rule, points] of Object.entries(calibrationOf(kept)))
      for (const period of [1, 5])
        expect(record.headroom(rule, period)).toBe(measuredHeadroom(points, period));
    return kept;
  });
}

const load = (j: number) => (j % 97 === 0 ? Number.NaN : 100 + 40 * Math.sin(j / 90) + (j % 11));
const hourly = (from: number, to: number, rule = 'cpu', periodMinutes = 1): Run[] =>
  Array.from({ length: (to - from) / 60 }, (_, i) => {
    const m = from + (i + 1) * 60;
    const forecast = { start: START + (m - 60) * MIN, stepMinutes: 5, point: Array(24).fill(110) };
    return { m, forecasts: [{ rule, periodMinutes, forecast }] };
  });

describe('CalibrationRecord: the headroom’s record run after run, as calibrate keeps it', () => {
  it.each([
    {
      name: 'hourly runs that continue the record (the oldest dropped, the hour added)',
      runs: hourly(0, 900),
    },
    {
      name: 'a run that scores periods kept already (a forecast from before the last one): merged, a log of its own',
      runs: [
        ...hourly(0, 300),
        {
          m: 360,
          forecasts: [
            {
              rule: 'cpu',
              periodMinutes: 1,
              forecast: { start: START + 200 * MIN, stepMinutes: 5, point: Array(40).fill(90) },
            },
          ],
        },
        ...hourly(360, 600),
      ],
    },
    {
      name: 'runs with no forecast: the record trimmed until the rule goes, then it comes back',
      runs: [
        ...hourly(0, 240),
        ...Array.from({ length: 8 }, (_, i) => ({ m: 300 + i * 60, forecasts: [] })),
        ...hourly(780, 960),
      ],
    },
    {
      name: 'two rules (periods of 1 and 5 minutes), and forecasts at zero or too short (no ratio)',
      runs: hourly(0, 480).map((run, i) => ({
        m: run.m,
        forecasts: [
          ...run.forecasts.map((f) => ({
            ...f,
            forecast: { ...f.forecast, point: f.forecast.point.map((v, h) => (h === i % 12 ? 0 : v)) },
          })),
          {
            rule: 'mem',
            periodMinutes: 5,
            forecast: { ...(run.forecasts[0] as Run['forecasts'][number]).forecast, point: [120, 130] },
          },
        ],
      })),
    },
  ] as { name: string; runs: Run[] }[])('$name', ({ runs }) => {
    const expected = byCalibrate(runs, load);
    const kept = byRecord(runs, load);
    // Read after every run was kept: a later run never changes an earlier run's record.
    kept.forEach((k, i) => {
      expect(calibrationOf(k)).toEqual(expected[i]);
      expect(Object.keys(calibrationOf(k))).toEqual(Object.keys(expected[i] as object));
    });
  });

  it('property: random runs, forecasts and gaps, each run’s record the one calibrate keeps', () => {
    const forecast = fc.record({
      rule: fc.constantFrom('cpu', 'mem'),
      periodMinutes: fc.constantFrom(1, 5),
      // Minutes before the run the forecast started (over an hour: periods scored again; over 6 hours: periods
      // read that are older than the window).
      age: fc.integer({ min: 0, max: 500 }),
      stepMinutes: fc.constantFrom(5, 30),
      point: fc.array(fc.oneof(fc.double({ min: -5, max: 300, noNaN: true }), fc.constant(0)), {
        maxLength: 30,
      }),
    });
    const run = fc.record({
      gap: fc.integer({ min: 1, max: 180 }),
      forecasts: fc.array(forecast, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(
        fc.array(run, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 5, max: 400 }),
        (specs, first) => {
          let m = first;
          const runs: Run[] = specs.map(({ gap, forecasts }) => {
            m += gap;
            return {
              m,
              forecasts: forecasts.map(({ rule, periodMinutes, age, stepMinutes, point }) => ({
                rule,
                periodMinutes,
                forecast: { start: START + Math.max(0, m - age) * MIN, stepMinutes, point },
              })),
            };
          });
          const expected = byCalibrate(runs, load);
          byRecord(runs, load).forEach((k, i) => {
            expect(calibrationOf(k)).toEqual(expected[i]);
          });
        },
      ),
      { seed: 41, numRuns: 200 },
    );
  });
});
