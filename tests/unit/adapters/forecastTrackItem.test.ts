import { describe, expect, it } from 'vitest';
import { dynamoItemSize, dynamoValueSize } from '../../../shared/adapters/dynamoItemSize';
import {
  FORECAST_ITEM_BUDGET,
  fittedTrack,
  fittedTrackWarning,
} from '../../../shared/adapters/forecastTrackItem';
import type { ForecastTrack, TrackedForecast } from '../../../shared/decision/forecastTrust';
import type { ForecastRun } from '../../../shared/tune/forecastRuns';

// The forecast track cut to fit its DynamoDB item: oldest runs first, then oldest in-flight forecasts.
const T0 = Date.parse('2026-03-02T00:00:00Z');
const HOUR = 3_600_000;

const run = (hour: number): ForecastRun => ({
  madeAt: T0 + hour * HOUR,
  start: T0 + hour * HOUR,
  stepMinutes: 5,
  point: Array.from({ length: 100 }, (_, i) => 100 + i / 7),
});
const forecast = (hour: number, rule = 'cpu'): TrackedForecast => ({
  rule,
  start: T0 + hour * HOUR,
  stepMinutes: 5,
  point: Array.from({ length: 100 }, (_, i) => 200 + i / 7),
  scale: 1.5,
});

/** Two rules' runs, interleaved in time (cpu at even hours, memory at odd), and three in-flight forecasts. */
const track: ForecastTrack = {
  madeAt: T0 + 10 * HOUR,
  forecasts: [forecast(10)],
  inFlight: [forecast(6), forecast(2), forecast(4, 'memory')],
  scoredUntil: T0,
  scores: [{ at: T0, steps: 12, forecastError: 3.5, naiveError: 4.25 }],
  trusted: true,
  calibration: { cpu: [{ time: T0, ratio: 1.1 }] },
  runs: { cpu: [run(0), run(2), run(4), run(6), run(8)], memory: [run(1), run(3), run(5), run(7), run(9)] },
};
const itemSize = (t: ForecastTrack) =>
  dynamoItemSize({ pk: 'TARGET#123456789012#us-east-1#api', sk: 'FORECAST', track: t });
const full = itemSize(track);
const oneRun = 1 + dynamoValueSize(run(0));
const allRuns = 10 * oneRun;

const madeAts = (t: ForecastTrack) =>
  Object.values(t.runs ?? {})
    .flat()
    .map((r) => (r.madeAt - T0) / HOUR)
    .sort((a, b) => a - b);
const starts = (t: ForecastTrack) =>
  (t.inFlight ?? []).map((f) => (f.start - T0) / HOUR).sort((a, b) => a - b);

describe('fittedTrack', () => {
  it.each([
    { name: 'within the budget: as it is', budget: full, runs: 10, inFlight: [2, 4, 6], fits: true },
    { name: 'a byte over: the oldest run goes', budget: full - 1, runs: 9, inFlight: [2, 4, 6], fits: true },
    {
      name: 'three runs over: the three oldest, whatever their rule',
      budget: full - 3 * oneRun,
      runs: 7,
      inFlight: [2, 4, 6],
      fits: true,
    },
    {
      name: 'over by more than all the runs: then the oldest in-flight forecast',
      budget: full - allRuns - 1,
      runs: 0,
      inFlight: [4, 6],
      fits: true,
    },
    {
      name: 'over by more than everything that can go: cut as far as it goes, not refused',
      budget: 100,
      runs: 0,
      inFlight: [],
      fits: false,
    },
  ])('$name', ({ budget, runs, inFlight, fits }) => {
    const fitted = fittedTrack(track, itemSize, budget);
    expect(madeAts(fitted.track)).toEqual(Array.from({ length: 10 }, (_, h) => h).slice(10 - runs));
    expect(starts(fitted.track)).toEqual(inFlight);
    expect(fitted.size).toBe(itemSize(fitted.track));
    expect(fitted.size <= budget).toBe(fits);
    expect(fitted.droppedRuns).toBe(10 - runs);
    expect(fitted.droppedInFlight).toBe(3 - inFlight.length);
    // What the next run needs whole stays whole.
    const { runs: _r, inFlight: _f, ...rest } = fitted.track;
    const { runs: _r0, inFlight: _f0, ...before } = track;
    expect(rest).toEqual(before);
  });

  it('leaves a track within the budget untouched, and warns of none', () => {
    const fitted = fittedTrack(track, itemSize);
    expect(fitted.track).toBe(track);
    expect(fittedTrackWarning(fitted)).toBeUndefined();
    expect(FORECAST_ITEM_BUDGET).toBeLessThan(400_000);
  });

  it.each([
    {
      name: 'cut to fit',
      budget: full - 1,
      message: /oldest runs \(then in-flight forecasts\) were left out/,
    },
    {
      name: 'still over',
      budget: 100,
      message: /even without its runs and in-flight forecasts: written as it is/,
    },
  ])('warns when $name, with the figures', ({ budget, message }) => {
    const fitted = fittedTrack(track, itemSize, budget);
    const warning = fittedTrackWarning(fitted);
    expect(warning?.message).toMatch(message);
    expect(warning?.figures).toMatchObject({ budget, bytes: full, written: fitted.size });
  });

  it('drops a rule left with no run, as trackedRuns does', () => {
    const fitted = fittedTrack(
      { ...track, runs: { cpu: [run(0)], memory: [run(1), run(3)] } },
      itemSize,
      itemSize({ ...track, runs: { cpu: [run(0)], memory: [run(1), run(3)] } }) - 1,
    );
    expect(Object.keys(fitted.track.runs ?? {})).toEqual(['memory']);
  });
});
