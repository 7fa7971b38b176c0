import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StridedMedians } from '../../../shared/forecast/StridedMedians';
import { medianOf } from '../../../shared/forecast/stats';

/** The median computed afresh: every `stride`-th value back from `first`, down to `floor`, up to `count`. */
function fresh(
  values: readonly number[],
  stride: number,
  count: number,
  first: number,
  floor: number,
): number {
  const found: number[] = [];
  for (let i = first; i >= floor && found.length < count; i -= stride)
    if (!Number.isNaN(values[i] as number)) found.push(values[i] as number);
  return medianOf(Float64Array.from(found), found.length);
}

describe('StridedMedians', () => {
  it.each([
    // values 0..29 with gaps at 10 and 20; stride 10, up to 2 values
    {
      name: 'a later floor that cuts what the kept one read reads again',
      asks: [
        [25, 0],
        [25, 16],
      ],
      want: [20, 25],
    },
    {
      name: 'a lower floor after one its floor stopped reads further',
      asks: [
        [25, 16],
        [25, 0],
      ],
      want: [25, 20],
    },
    {
      name: 'another first index reads again',
      asks: [
        [25, 0],
        [29, 0],
      ],
      want: [20, 24],
    },
    {
      name: 'gaps are passed over, down to the floor',
      asks: [
        [20, 0],
        [20, 1],
      ],
      want: [0, Number.NaN],
    },
    {
      name: 'the same first index and a floor that stops it alike: the kept one',
      asks: [
        [29, 0],
        [29, 5],
      ],
      want: [24, 24],
    },
  ])('$name', ({ asks, want }) => {
    const values = Array.from({ length: 30 }, (_, i) => (i === 20 || i === 10 ? Number.NaN : i));
    const medians = new StridedMedians(10, 2, (i) => values[i] as number);
    expect(asks.map(([first, floor]) => medians.at(7, first as number, floor as number, true))).toEqual(want);
  });

  it('gives the fresh median for any sequence of asks (kept values read only where final)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.constant(Number.NaN)), {
          minLength: 40,
          maxLength: 80,
        }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.nat(), fc.nat()), { maxLength: 60 }),
        (values, stride, count, asks) => {
          const medians = new StridedMedians(stride, count, (i) => values[i] as number);
          for (const [key, a, b] of asks) {
            const first = a % values.length;
            const floor = b % (first + 1);
            const got = medians.at(key, first, floor, true);
            expect(Object.is(got, fresh(values, stride, count, first, floor))).toBe(true);
          }
        },
      ),
    );
  });
});
