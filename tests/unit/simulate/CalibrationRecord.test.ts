import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CalibrationPoint } from '../../../shared/decision/floorSizing';
import { CalibrationRecord, calibrationOf } from '../../../shared/simulate/CalibrationRecord';

const MIN = 60_000;
const points = (from: number, to: number, ratio: (t: number) => number): CalibrationPoint[] =>
  Array.from({ length: to - from }, (_, i) => ({ time: (from + i) * MIN, ratio: ratio(from + i) }));

describe('CalibrationRecord: every run’s calibration kept once per rule, given back the same', () => {
  it.each([
    {
      name: 'runs that continue the record (oldest dropped, the hour added)',
      runs: [
        { cpu: points(0, 60, (t) => 1 + t / 100) },
        { cpu: points(0, 120, (t) => 1 + t / 100) },
        { cpu: points(30, 180, (t) => 1 + t / 100) },
      ],
    },
    {
      name: 'a period scored again with another ratio: a log of its own, the runs before unchanged',
      runs: [
        { cpu: points(0, 60, () => 1.1) },
        { cpu: [...points(0, 59, () => 1.1), { time: 59 * MIN, ratio: 2 }, ...points(60, 90, () => 1.1)] },
        { cpu: points(10, 120, () => 1.1) },
      ],
    },
    {
      name: 'a rule that comes, goes and comes back, an empty record, two rules in their order',
      runs: [
        { cpu: points(0, 10, () => 0.9) },
        { mem: points(0, 10, () => 1.2), cpu: [] },
        { cpu: points(5, 20, () => 0.9), mem: points(0, 30, () => 1.2) },
      ],
    },
    {
      name: 'a record older than the newest kept (a gap scored late)',
      runs: [
        { cpu: points(50, 60, () => 1) },
        { cpu: points(0, 10, () => 1) },
        { cpu: points(5, 70, () => 1) },
      ],
    },
  ] as { name: string; runs: Record<string, CalibrationPoint[]>[] }[])('$name', ({ runs }) => {
    const record = new CalibrationRecord();
    const kept = runs.map((run) => record.keep(run));
    // Read after every run was kept: a later run's log never changes an earlier run's record.
    kept.forEach((k, i) => {
      expect(calibrationOf(k)).toEqual(runs[i]);
      expect(Object.keys(calibrationOf(k))).toEqual(Object.keys(runs[i] as object));
    });
  });

  it('property: random records, continuing or not, each given back as it was kept', () => {
    const run = fc.record({
      from: fc.integer({ min: 0, max: 400 }),
      length: fc.integer({ min: 0, max: 80 }),
      // Most records continue the log (ratios a function of time); some score a period again differently.
      changed: fc.option(fc.integer({ min: 0, max: 79 }), { nil: undefined, freq: 3 }),
      rules: fc.subarray(['cpu', 'mem'], { minLength: 1 }),
    });
    fc.assert(
      fc.property(fc.array(run, { minLength: 1, maxLength: 30 }), (specs) => {
        const record = new CalibrationRecord();
        const runs = specs.map(({ from, length, changed, rules }) => {
          const calibration: Record<string, CalibrationPoint[]> = {};
          for (const rule of rules)
            calibration[rule] = points(from, from + length, (t) =>
              t === from + (changed ?? -1) ? 7 : 1 + (t % 13) / 10,
            );
          return calibration;
        });
        const kept = runs.map((r) => record.keep(r));
        for (const [i, k] of kept.entries()) expect(calibrationOf(k)).toEqual(runs[i]);
      }),
      { seed: 41, numRuns: 200 },
    );
  });
});
