import { describe, expect, it } from 'vitest';
import {
  type ForecastScore,
  type ForecastTrack,
  MIN_SCORED_STEPS,
  scoreTrack,
  seasonalNaiveScale,
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

  it('needs MIN_SCORED_STEPS steps to judge', () => {
    expect(trustVerdict([score(1, 99, 1, MIN_SCORED_STEPS - 1)], now).trusted).toBe(true);
    expect(trustVerdict([score(1, 99, 1, MIN_SCORED_STEPS)], now).trusted).toBe(false);
  });
});
