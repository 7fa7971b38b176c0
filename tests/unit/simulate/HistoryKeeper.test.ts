import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextHistory } from '../../../shared/decision/nextHistory';
import type { Decision, ScalingHistory } from '../../../shared/decision/types';
import { HistoryKeeper } from '../../../shared/simulate/HistoryKeeper';
import { MinuteClock } from '../../../shared/simulate/MinuteClock';

const T0 = Date.parse('2026-03-02T00:00:00Z');

/** A history with its times as epoch ms: what the two keepers must agree on. */
const plain = (h: ScalingHistory) => ({
  recommendations: h.recommendations.map((r) => [r.at.getTime(), r.desired]),
  changes: h.changes.map((c) => [c.at.getTime(), c.from, c.to]),
  lastScaleOutAt: h.lastScaleOutAt?.getTime(),
  lastScaleInAt: h.lastScaleInAt?.getTime(),
});

const decision = (current: number, desired: number, recommendation: number): Decision => ({
  target: 't',
  kind: 'asg',
  current,
  desired,
  recommendation,
  direction: desired > current ? 'out' : desired < current ? 'in' : 'none',
  reason: 'ScaleOut',
  message: '',
  metrics: {},
});

describe('HistoryKeeper', () => {
  it('property: after every evaluation it holds exactly what nextHistory returns', () => {
    const step = fc.record({
      gapSeconds: fc.constantFrom(0, 1, 60, 60, 60, 300, 900, 3600, 7200),
      current: fc.integer({ min: 0, max: 6 }),
      desired: fc.integer({ min: 0, max: 6 }),
      recommendation: fc.integer({ min: 0, max: 6 }),
      applied: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.constantFrom(3600, 5400, 86_400), fc.array(step, { maxLength: 120 }), (keep, steps) => {
        const keeper = new HistoryKeeper(keep);
        let history: ScalingHistory = { recommendations: [], changes: [] };
        let now = T0;
        for (const s of steps) {
          now += s.gapSeconds * 1000;
          const d = decision(s.current, s.desired, s.recommendation);
          history = nextHistory(history, d, new Date(now), s.applied, keep);
          keeper.record(d, now, s.applied);
          expect(plain(keeper.history)).toEqual(plain(history));
        }
      }),
      { numRuns: 300, seed: 23 },
    );
  });

  it('property: the same with the target’s clock (the newest recommendation dated with its Date), on or off by turns', () => {
    const step = fc.record({
      gapSeconds: fc.constantFrom(0, 60, 60, 60, 60, 120, 900),
      current: fc.integer({ min: 0, max: 3 }),
      desired: fc.integer({ min: 0, max: 3 }),
      recommendation: fc.integer({ min: 0, max: 2 }),
      applied: fc.boolean(),
      clocked: fc.integer({ min: 0, max: 4 }).map((x) => x > 0),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 150 }), (steps) => {
        const keeper = new HistoryKeeper(3600);
        const clock = new MinuteClock();
        let history: ScalingHistory = { recommendations: [], changes: [] };
        let now = T0;
        for (const s of steps) {
          now += s.gapSeconds * 1000;
          const d = decision(s.current, s.desired, s.recommendation);
          history = nextHistory(history, d, new Date(now), s.applied, 3600);
          // The clock ticks every minute the scalepilot row decides; a step off it ticks it elsewhere.
          clock.tick(s.clocked ? now : now + 1);
          keeper.record(d, now, s.applied, clock);
          expect(plain(keeper.history)).toEqual(plain(history));
        }
      }),
      { numRuns: 300, seed: 29 },
    );
  });

  it('refuses an evaluation earlier than the last one (its windows assume time goes forward)', () => {
    const keeper = new HistoryKeeper(3600);
    keeper.record(decision(2, 3, 3), T0, true);
    expect(() => keeper.record(decision(3, 3, 3), T0 - 1, true)).toThrow(RangeError);
  });
});
