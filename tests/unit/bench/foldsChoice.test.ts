import { describe, expect, it } from 'vitest';
import { foldsChoice } from '../../../bench/planBench';

describe('foldsChoice: the default a leave-one-out choice names (bench/plan-*-choice.md)', () => {
  it.each([
    { name: 'the value most folds chose', chosen: [60, 60, 30, 60, 60, 60], current: 60, want: 60, tied: [] },
    {
      name: 'a majority moves the default',
      chosen: [30, 30, 30, 30, 60, 60],
      current: 60,
      want: 30,
      tied: [],
    },
    {
      // Round ten's quantile: three folds each; the lower value was taken before.
      name: 'a tie keeps the current default',
      chosen: [0.8, 0.95, 0.95, 0.95, 0.8, 0.8],
      current: 0.95,
      want: 0.95,
      tied: [0.8],
    },
    {
      name: 'a tie without the current default: the lowest',
      chosen: [15, 30, 30, 15],
      current: 60,
      want: 15,
      tied: [30],
    },
  ])('$name', ({ chosen, current, want, tied }) => {
    expect(foldsChoice(chosen, current)).toEqual({ value: want, tiedWith: tied });
  });
});
