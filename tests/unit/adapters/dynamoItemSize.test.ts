import { describe, expect, it } from 'vitest';
import { dynamoItemSize } from '../../../shared/adapters/dynamoItemSize';

// AWS's documented item size: names and strings in UTF-8 bytes, numbers a byte per two significant digits and
// one, booleans and null one byte, lists and maps 3 bytes and one a element, besides the elements.
describe('dynamoItemSize', () => {
  it.each([
    { name: 'a string: its name and its bytes', item: { pk: 'abc' }, want: 2 + 3 },
    { name: 'a string in UTF-8, not in characters', item: { ué: 'é€' }, want: 3 + 5 },
    { name: 'a number of 6 significant digits', item: { n: 123.456 }, want: 1 + 4 },
    { name: 'a number of 5: rounded up', item: { n: 12345 }, want: 1 + 4 },
    { name: 'trailing zeros trimmed', item: { n: 1_000_000 }, want: 1 + 2 },
    { name: 'leading zeros trimmed', item: { n: 0.00012 }, want: 1 + 2 },
    { name: 'a zero within the digits counted', item: { n: 100.5 }, want: 1 + 3 },
    { name: 'a negative number as its digits', item: { n: -7.25 }, want: 1 + 3 },
    { name: 'an exponent not counted', item: { n: 1.5e-7 }, want: 1 + 2 },
    { name: 'zero', item: { n: 0 }, want: 1 + 2 },
    { name: 'a full double (100.8414709848079): 16 digits', item: { n: 100 + Math.sin(1) }, want: 1 + 9 },
    { name: 'a boolean and a null', item: { b: true, z: null }, want: 2 + 2 },
    { name: 'binary: its raw bytes', item: { bin: new Uint8Array(10) }, want: 3 + 10 },
    { name: 'an empty list', item: { l: [] }, want: 1 + 3 },
    { name: 'a list: 3, and a byte an element', item: { l: [1, 2, 3] }, want: 1 + 3 + 3 * (1 + 2) },
    {
      name: 'a map: its keys as names',
      item: { m: { a: 1, bc: 'x' } },
      want: 1 + 3 + (1 + 1 + 2) + (1 + 2 + 1),
    },
    { name: 'nested lists and maps', item: { m: { l: ['ab'] } }, want: 1 + 3 + (1 + 1 + (3 + 1 + 2)) },
    {
      name: 'undefined left out, as the document client does',
      item: { a: 'x', b: undefined, m: { c: undefined }, l: [undefined, 1] },
      want: 2 + (1 + 3) + (1 + 3 + 1 + 2),
    },
    {
      name: 'a forecast run',
      item: {
        run: { madeAt: 1_772_409_600_000, start: 1_772_409_600_000, stepMinutes: 5, point: [180.125, 0.5] },
      },
      // madeAt and start: 8 significant digits (17724096), 5 bytes each.
      want: 3 + 3 + (1 + 6 + 5) + (1 + 5 + 5) + (1 + 11 + 2) + (1 + 5 + (3 + (1 + 4) + (1 + 2))),
    },
  ])('$name', ({ item, want }) => {
    expect(dynamoItemSize(item)).toBe(want);
  });
});
