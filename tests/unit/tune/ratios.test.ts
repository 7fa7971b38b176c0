import { describe, expect, it } from 'vitest';
import { ratiosOf } from '../../../shared/tune/looSelection';

describe('ratiosOf: a candidate against the reference (target tracking)', () => {
  it.each([
    {
      name: 'the usual: ÷ the reference',
      run: { overload: 20, cost: 90 },
      ref: { overload: 40, cost: 100 },
      want: { overload: 0.5, cost: 0.9 },
    },
    // A load target tracking never overloaded: none is "at most 0.4× none" (met), it was read 1× (missed).
    {
      name: 'nothing against nothing is 0: the overload goal is met',
      run: { overload: 0, cost: 90 },
      ref: { overload: 0, cost: 100 },
      want: { overload: 0, cost: 0.9 },
    },
    {
      name: 'something against nothing is ∞',
      run: { overload: 3, cost: 90 },
      ref: { overload: 0, cost: 100 },
      want: { overload: Number.POSITIVE_INFINITY, cost: 0.9 },
    },
  ])('$name', ({ run, ref, want }) => {
    expect(ratiosOf(run as never, ref as never)).toEqual(want);
  });
});
