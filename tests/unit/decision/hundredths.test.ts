import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hundredths } from '../../../shared/decision/ruleRecommendation';

/** What messages showed before: the same text, so `String` of both must agree (−0 and 0 print alike). */
const shown = (x: number) => String(Number(x.toFixed(2)));

describe('hundredths', () => {
  it.each([
    { name: 'a tie of the exact value rounds up, as toFixed does', x: 0.125, want: 0.13 },
    { name: '1.005 is a little under 1.005: down', x: 1.005, want: 1 },
    { name: 'a negative tie', x: -0.125, want: -0.13 },
    { name: 'a tiny negative prints as 0', x: -0.001, want: -0 },
    { name: 'NaN', x: Number.NaN, want: Number.NaN },
    { name: 'huge', x: 1e22, want: 1e22 },
    { name: 'plain', x: 83.456, want: 83.46 },
  ])('$name', ({ x, want }) => {
    expect(hundredths(x)).toBe(want);
    expect(String(hundredths(x))).toBe(shown(x));
  });

  it('property: equals Number(x.toFixed(2)) on any double, near-ties included', () => {
    const nearTie = fc
      .tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: -4, max: 4 }))
      .map(([cents, ulps]) => {
        let x = (cents + 0.5) / 100;
        for (let i = 0; i < Math.abs(ulps); i += 1)
          x = ulps > 0 ? x + Number.EPSILON * Math.abs(x) : x - Number.EPSILON * Math.abs(x);
        return x;
      });
    fc.assert(
      fc.property(fc.oneof(fc.double({ noDefaultInfinity: false }), nearTie), (x) => {
        expect(String(hundredths(x))).toBe(shown(x));
      }),
      { numRuns: 20_000, seed: 7 },
    );
  });
});
