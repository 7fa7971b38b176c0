import { describe, expect, it } from 'vitest';
import {
  type ForecastScore,
  type ForecastTrack,
  IN_FLIGHT_PER_SPAN,
  inFlightAfter,
  MIN_SCORED_STEPS,
  scoreTrack,
  seasonalNaiveScale,
  type TrackedForecast,
  trackedSteps,
  trustVerdict,
} from '../../../shared/decision/forecastTrust';

const DAY = 86_400_000;
const MIN = 60_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');

/** Two days at 5 minutes: yesterday's value + 10 today, so seasonal-naive is off by exactly 10. */
function history() {
  const times: number[] = [];
  const values: number[] = [];
  for (let t = T0 - DAY; t < T0 + DAY; t += 5 * MIN) {
    times.push(t);
    values.push(t < T0 ? 100 : 110);
  }
  return { times, values };
}

const track = (point: number[], over: Partial<ForecastTrack> = {}): ForecastTrack => ({
  madeAt: T0 + 12 * 3600_000,
  forecasts: [{ rule: 'cpu', start: T0 + 12 * 3600_000, stepMinutes: 5, point, scale: 10 }],
  scoredUntil: 0,
  scores: [],
  trusted: true,
  ...over,
});

describe('seasonalNaiveScale', () => {
  it.each([
    { name: 'the mean |y(t) − y(t − 1 day)|', h: history(), want: 10 },
    { name: 'under a day: 1 (no scale)', h: { times: [T0], values: [5] }, want: 1 },
    { name: 'a flat load: 1 (no division by zero)', h: { times: [T0 - DAY, T0], values: [5, 5] }, want: 1 },
  ])('$name', ({ h, want }) => {
    expect(seasonalNaiveScale(h)).toBe(want);
  });
});

describe('scoreTrack', () => {
  const now = new Date(T0 + 13 * 3600_000); // an hour after the forecast was made

  it('scores the steps that happened since, against seasonal-naive, scaled', () => {
    const { score, scoredUntil } = scoreTrack(track(Array(24).fill(112)), { cpu: history() }, now);
    // 13 steps from 12:00 to 13:00 inclusive; the forecast is off by 2, naive by 10, both over a scale of 10.
    expect(score).toMatchObject({ steps: 13, at: now.getTime() });
    expect(score?.forecastError).toBeCloseTo(13 * 0.2);
    expect(score?.naiveError).toBeCloseTo(13 * 1);
    expect(scoredUntil).toBe(now.getTime());
  });

  it('never scores a step twice (an on-demand run between hourly ones)', () => {
    const scoredUntil = T0 + 12 * 3600_000 + 30 * MIN;
    const { score } = scoreTrack(track(Array(24).fill(112), { scoredUntil }), { cpu: history() }, now);
    expect(score?.steps).toBe(6);
  });

  it('nothing to score without the history of its rule', () => {
    expect(scoreTrack(track([1]), {}, now).score).toBeUndefined();
  });
});

describe('trustVerdict', () => {
  const now = new Date(T0);
  const score = (hoursAgo: number, forecastError: number, naiveError: number, steps = 12): ForecastScore => ({
    at: T0 - hoursAgo * 3600_000,
    steps,
    forecastError,
    naiveError,
  });
  const hours = (n: number, f: number, s: number) => Array.from({ length: n }, (_, i) => score(i + 1, f, s));

  it.each([
    { name: 'no scores: trusted (nothing says otherwise)', scores: [], trusted: true },
    { name: 'too few steps to judge: trusted', scores: hours(2, 50, 1), trusted: true },
    { name: 'worse than seasonal-naive over the week: untrusted', scores: hours(24, 8, 6), trusted: false },
    { name: 'as good or better: trusted', scores: hours(24, 5, 6), trusted: true },
    {
      name: 'bad scores older than a week no longer count (recovered)',
      scores: [...hours(24, 5, 6), score(8 * 24, 10_000, 1, 500)],
      trusted: true,
    },
  ])('$name', ({ scores, trusted }) => {
    const verdict = trustVerdict(scores, now);
    expect(verdict.trusted).toBe(trusted);
    expect(verdict.scores.every((s) => s.at > T0 - 7 * DAY)).toBe(true);
  });

  it.each([
    { name: 'ratio 1: MASE 1.5× naive’s is untrusted', ratio: 1, trusted: false },
    { name: 'ratio 1.5: exactly at the ratio is trusted', ratio: 1.5, trusted: true },
    { name: 'ratio 1.4: just past it is untrusted', ratio: 1.4, trusted: false },
  ])('maxRatio, $name', ({ ratio, trusted }) => {
    const verdict = trustVerdict(hours(12, 15, 10), now, ratio);
    expect(verdict.trusted).toBe(trusted);
    expect(verdict.message.includes('trusted up to')).toBe(ratio !== 1);
  });

  it('needs MIN_SCORED_STEPS steps to judge', () => {
    expect(trustVerdict([score(1, 99, 1, MIN_SCORED_STEPS - 1)], now).trusted).toBe(true);
    expect(trustVerdict([score(1, 99, 1, MIN_SCORED_STEPS)], now).trusted).toBe(false);
  });
});

describe('trust over the whole span the floors use (issue 22)', () => {
  const HOUR = 3600_000;
  /** A daily cycle with a little wobble, at 5 minutes, over days: what happened. */
  const load = (t: number) => 100 + 50 * Math.sin((2 * Math.PI * t) / DAY) + 5 * Math.sin(t / 7_000_000);
  const actual = (_rule: string, t: number) => (t % (5 * MIN) === 0 ? load(t) : undefined);

  /**
   * Hourly runs over three days, step by step as the predict function and the backtest run them: each scores
   * what is in flight, judges, and tracks its own forecast of `span` hours, right for its first hour and off
   * by `error` beyond.
   */
  function run(spanHours: number, error: number) {
    let track: ForecastTrack | undefined;
    let verdict = trustVerdict([], new Date(T0));
    let inFlightMax = 0;
    for (let hour = 0; hour < 72; hour += 1) {
      const now = new Date(T0 + hour * HOUR);
      const scored = track ? scoreTrack(track, actual, now) : undefined;
      verdict = trustVerdict([...(track?.scores ?? []), ...(scored?.score ? [scored.score] : [])], now);
      const start = now.getTime() + 5 * MIN;
      const steps = trackedSteps({ start, stepMinutes: 5 }, new Date(now.getTime() + spanHours * HOUR), 0);
      const forecast: TrackedForecast = {
        rule: 'cpu',
        start,
        stepMinutes: 5,
        point: Array.from({ length: steps }, (_, i) => load(start + i * 5 * MIN) * (i < 12 ? 1 : 1 + error)),
        scale: 20,
      };
      const inFlight = inFlightAfter(scored?.scored ?? [], now);
      inFlightMax = Math.max(inFlightMax, inFlight.length);
      track = {
        madeAt: now.getTime(),
        forecasts: [forecast],
        inFlight,
        scoredUntil: scored?.scoredUntil ?? 0,
        scores: verdict.scores,
        trusted: verdict.trusted,
      };
    }
    return { verdict, inFlightMax };
  }

  it.each([
    { name: 'right over the whole span: trusted', span: 6, error: 0, trusted: true },
    // The first hour alone (what the gate scored before) would say trusted: the floors' later hours are 40% off.
    {
      name: 'right for an hour, 40% off beyond, over a 6 h span: untrusted',
      span: 6,
      error: 0.4,
      trusted: false,
    },
    { name: 'the same over a 48 h span: untrusted', span: 48, error: 0.4, trusted: false },
    {
      name: 'off beyond, but the floors reach only the first hour: trusted',
      span: 1,
      error: 0.4,
      trusted: true,
    },
  ])('$name', ({ span, error, trusted }) => {
    const { verdict, inFlightMax } = run(span, error);
    expect(verdict.trusted).toBe(trusted);
    expect(verdict.scores.reduce((a, s) => a + s.steps, 0)).toBeGreaterThan(MIN_SCORED_STEPS);
    // A forecast in flight for every eighth of the span, and the newest (each lead still scored).
    expect(inFlightMax).toBeLessThanOrEqual(IN_FLIGHT_PER_SPAN + 1);
  });

  it('keeps forecasts in flight across the whole 48 h span, about one every 6 hours (defect: only the last run’s)', () => {
    let inFlight: TrackedForecast[] = [];
    let last: TrackedForecast | undefined;
    for (let hour = 1; hour <= 60; hour += 1) {
      const now = T0 + hour * HOUR;
      const scored = [...inFlight, ...(last ? [last] : [])].map((f) => ({ ...f, scoredUntil: now - MIN }));
      inFlight = inFlightAfter(scored, new Date(now));
      last = { rule: 'cpu', start: now, stepMinutes: 5, point: new Array(576).fill(100), scale: 1 };
    }
    const ages = inFlight.map((f) => (T0 + 60 * HOUR - f.start) / HOUR);
    // Before: [1]. Now the last run's and older ones, 6 hours apart, back to 47 hours.
    expect(ages.length).toBeGreaterThanOrEqual(IN_FLIGHT_PER_SPAN);
    expect(ages.length).toBeLessThanOrEqual(IN_FLIGHT_PER_SPAN + 1);
    expect(Math.max(...ages)).toBeGreaterThan(40);
    expect(ages).toContain(1);
  });

  it('compares with seasonal-naive from the forecast’s own origin: its second day against two days before', () => {
    // A load that steps up by 10 every day: naive from the origin is off by 10 on the first day, 20 on the second.
    const stepped = (_rule: string, t: number) => 100 + 10 * Math.floor((t - T0) / DAY);
    const start = T0 + 3 * DAY;
    const f: TrackedForecast = {
      rule: 'cpu',
      start,
      stepMinutes: 60,
      point: Array.from({ length: 48 }, (_, i) => stepped('cpu', start + i * HOUR)),
      scale: 10,
    };
    const track: ForecastTrack = { madeAt: start, forecasts: [f], scoredUntil: 0, scores: [], trusted: true };
    const { score } = scoreTrack(track, stepped, new Date(start + 47 * HOUR));
    expect(score).toMatchObject({ steps: 48, forecastError: 0 });
    expect(score?.naiveError).toBeCloseTo((24 * 10 + 24 * 20) / 10);
  });

  it.each([
    { name: 'scored to its end: dropped', scoredHours: 6, keep: 0 },
    { name: 'steps still to come: kept', scoredHours: 2, keep: 1 },
  ])('in flight after a run: $name', ({ scoredHours, keep }) => {
    const f: TrackedForecast = {
      rule: 'cpu',
      start: T0,
      stepMinutes: 60,
      point: [1, 2, 3, 4, 5, 6],
      scale: 1,
      scoredUntil: T0 + (scoredHours - 1) * HOUR,
    };
    expect(inFlightAfter([f], new Date(T0 + scoredHours * HOUR))).toHaveLength(keep);
  });
});
