import { describe, expect, it } from 'vitest';
import { PredictiveSchema } from '../../../shared/policy/schema';
import type { MinuteSeries } from '../../../shared/simulate/trace';
import { FLOOR_GRID, REACTIVE_GRID } from '../../../shared/tune/reactiveKnobs';
import { MIN_TUNE_DAYS, tuneHistory } from '../../../shared/tune/tuneHistory';

const START = Date.parse('2026-03-02T00:00:00Z');

/** A daily wave with short bursts and noise from a fixed generator, per minute. */
function series(days: number, seed = 3): MinuteSeries {
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const load = Array.from(
    { length: Math.round(days * 1440) },
    (_, m) => 50 + 30 * Math.sin((2 * Math.PI * m) / 1440) + (m % 180 < 12 ? 40 : 0) + 15 * rnd(),
  );
  return { start: START, load, stepMinutes: 1 };
}

const reactiveOnly = { kind: 'asg' as const, predictive: PredictiveSchema.parse({ enabled: false }) };

describe('tuneHistory', () => {
  it(`refuses under ${MIN_TUNE_DAYS} days of history, and says how much it had and needs`, () => {
    const result = tuneHistory(series(2), reactiveOnly);
    expect(result).toEqual({
      status: 'refused',
      message:
        '2.0 days of history: tune needs at least 3 (two to search on, one to validate on), 14 or more to be sure',
    });
  });

  it('searches on the first two thirds, validates on the last third, in three forward folds', () => {
    const result = tuneHistory(series(4.5), { ...reactiveOnly, kind: 'rds-replicas' });
    if (result.status !== 'recommended') throw new Error(result.message);
    expect(result.search).toEqual({ from: 0, to: 4320 });
    expect(result.validation).toEqual({ from: 4320, to: 6480 });
    expect(result.folds.map((f) => f.validation)).toEqual([
      { from: 4320, to: 5040 },
      { from: 5040, to: 5760 },
      { from: 5760, to: 6480 },
    ]);
    expect(REACTIVE_GRID).toContainEqual(result.reactive);
    expect(result.reactiveRatios.overload).toBeGreaterThanOrEqual(0);
    // The rules alone: no predictive stage for a policy with predictive scaling off.
    expect(result.floors).toBeUndefined();
    expect(result.folds.every((f) => f.predictiveRatios === undefined)).toBe(true);
  });

  it('never sees the validation part: any load there changes the figures, not the choice', () => {
    const clean = series(4.5);
    const poisoned = {
      ...clean,
      load: clean.load.map((v, m) => (m >= 4320 ? (m % 7 === 0 ? 5000 : 0.5 * v) : v)),
    };
    const a = tuneHistory(clean, reactiveOnly);
    const b = tuneHistory(poisoned, reactiveOnly);
    if (a.status !== 'recommended' || b.status !== 'recommended') throw new Error('refused');
    expect(b.reactive).toEqual(a.reactive);
    expect(b.reactiveRatios).not.toEqual(a.reactiveRatios);
    // Each fold sees the history before its own part only: the first fold chose before any poison.
    expect(b.folds[0]?.reactive).toEqual(a.folds[0]?.reactive);
  });

  it('a predictive target also gets its floors’ knobs (sizing, the price of an overload minute), and their figures', () => {
    const result = tuneHistory(series(4), {
      kind: 'asg',
      predictive: PredictiveSchema.parse({ enabled: true }),
    });
    if (result.status !== 'recommended') throw new Error(result.message);
    expect(FLOOR_GRID).toContainEqual(result.floors);
    expect(result.predictiveRatios?.cost).toBeGreaterThan(0);
    expect(result.folds.every((f) => f.predictiveRatios !== undefined)).toBe(true);
  });
});
