import { describe, expect, it } from 'vitest';
import { demandSample } from '../../../../shared/decision/plans/demandSample';
import { minutesAgo, T0 } from './planFixtures';

/** One datapoint a minute, starting `from` minutes ago, the newest first in `values`' order reversed. */
const points = (values: number[]) =>
  values.map((value, i) => ({ value, timestamp: minutesAgo(values.length + 1 - i) }));

describe('demandSample: the demand a plan reads', () => {
  it.each([
    {
      name: 'the newest complete datapoint, and the highest within the hold',
      readings: points([1000, 4500, 2000, 1500]),
      hold: 15,
      want: { demand: 1500, highestDemand: 4500 },
    },
    {
      name: 'the period in progress is left out (a partial Sum reads low)',
      readings: [...points([1500]), { value: 10, timestamp: new Date(T0.getTime() - 30_000) }],
      hold: 15,
      want: { demand: 1500, highestDemand: 1500 },
    },
    {
      name: 'a high outside the hold counts no more',
      readings: points([9000, 1000, 1000, 1000]),
      hold: 3,
      want: { demand: 1000, highestDemand: 1000 },
    },
    {
      name: 'a hold of 0: the newest datapoint alone',
      readings: points([4500, 1000]),
      hold: 0,
      want: { demand: 1000, highestDemand: 1000 },
    },
    {
      name: 'stale (the newest ended over 5 minutes ago): no demand',
      readings: [{ value: 4500, timestamp: minutesAgo(7) }],
      hold: 15,
      want: { demand: undefined, highestDemand: undefined },
    },
    { name: 'no datapoint', readings: [], hold: 15, want: { demand: undefined, highestDemand: undefined } },
  ])('$name', ({ readings, hold, want }) => {
    expect(demandSample(readings, 60, 300, hold, T0)).toEqual(want);
  });
});
