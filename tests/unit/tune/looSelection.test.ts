import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TargetKind } from '../../../shared/policy/schema';
import {
  chooseCandidate,
  type Goal,
  goalScore,
  leaveOneOut,
  type ResultTable,
  totalRatios,
} from '../../../shared/tune/looSelection';

const GOALS: Partial<Record<TargetKind, Goal>> = { asg: { overload: 1, cost: 1 } };

/**
 * A table of one kind: `figures[c][t]` is candidate c's [overload, cost] on trace t; the reference (target
 * tracking) has 100 overload minutes and 100 unit-hours on every trace.
 */
function tableOf(figures: readonly (readonly (readonly [number, number])[])[]): ResultTable {
  const traces = (figures[0] ?? []).map((_, t) => `t${t}`);
  return {
    candidates: figures.length,
    traces,
    kinds: ['asg'],
    result: (c, trace) => {
      const [overload, cost] = figures[c]?.[traces.indexOf(trace)] ?? [Number.NaN, Number.NaN];
      return { overload, cost };
    },
    reference: () => ({ overload: 100, cost: 100 }),
  };
}

describe('chooseCandidate: the cheapest that meets every goal, else the closest', () => {
  it.each([
    {
      name: 'two meet the goals: the cheaper, though the other is further from both (0.96 against 0.97)',
      figures: [
        [[50, 96]], // meets them with overload to spare, at 0.96×
        [[97, 95]], // meets them at 0.95×
      ],
      want: 1,
    },
    {
      name: 'the cheapest overall misses the overload goal: the cheapest that meets both',
      figures: [[[120, 80]], [[95, 98]], [[60, 99.5]]],
      want: 1,
    },
    {
      name: 'none meets them: the closest (lowest of the worse ratio ÷ goal)',
      figures: [[[150, 90]], [[110, 105]], [[90, 120]]],
      want: 1,
    },
    {
      name: 'a tie: the earlier',
      figures: [[[80, 95]], [[70, 95]]],
      want: 0,
    },
    {
      name: 'judged on the totals over the traces, not trace by trace',
      figures: [
        [
          [150, 90],
          [10, 100],
        ], // 160 ÷ 200 overload, 190 ÷ 200 cost: meets them
        [
          [90, 99],
          [90, 99],
        ],
      ],
      want: 0,
    },
  ])('$name', ({ figures, want }) => {
    const table = tableOf(figures as [number, number][][]);
    expect(chooseCandidate(table, table.traces, GOALS)).toBe(want);
  });

  it('never passes over a candidate that meets the goals for one that does not, nor for a dearer one', () => {
    const figure = fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 50, max: 150 }));
    fc.assert(
      fc.property(
        fc.array(fc.array(figure, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 8 }),
        (f) => {
          const table = tableOf(f);
          const chosen = chooseCandidate(table, table.traces, GOALS);
          const meets = (c: number) => goalScore(table, c, table.traces, GOALS) <= 1;
          const cost = (c: number) => totalRatios(table, table.traces, 'asg', () => c).cost;
          const passing = f.map((_, c) => c).filter(meets);
          if (passing.length === 0) {
            for (let c = 0; c < f.length; c += 1)
              expect(goalScore(table, chosen, table.traces, GOALS)).toBeLessThanOrEqual(
                goalScore(table, c, table.traces, GOALS),
              );
          } else {
            expect(meets(chosen)).toBe(true);
            for (const c of passing) expect(cost(chosen)).toBeLessThanOrEqual(cost(c));
          }
        },
      ),
      { seed: 22, numRuns: 200 },
    );
  });
});

describe('leaveOneOut', () => {
  it('scores each trace with the default chosen on the others, and in-sample with the one chosen on all', () => {
    // Candidate 0 is cheap and meets the goals except on t2; candidate 1 is dearer and meets them everywhere.
    const table = tableOf([
      [
        [50, 90],
        [50, 90],
        [400, 90],
      ],
      [
        [80, 98],
        [80, 98],
        [80, 98],
      ],
    ]);
    const loo = leaveOneOut(table, GOALS);
    expect(loo.chosen).toBe(1); // candidate 0 misses on the totals (500 ÷ 300 overload)
    expect(loo.folds).toEqual({ t0: 1, t1: 1, t2: 0 });
    expect(loo.inSample.asg).toEqual({ overload: 0.8, cost: 0.98 });
    // t0 and t1 with candidate 1, t2 with candidate 0: (80 + 80 + 400) ÷ 300, (98 + 98 + 90) ÷ 300.
    expect(loo.leftOut.asg?.overload).toBeCloseTo(560 / 300, 9);
    expect(loo.leftOut.asg?.cost).toBeCloseTo(286 / 300, 9);
  });
});
