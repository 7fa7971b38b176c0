import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reasonCodes } from '../../../shared/decision/types';
import {
  hpa,
  oracle,
  scalepilot,
  staticPeak,
  stepSeed,
  targetTracking,
} from '../../../shared/simulate/baselines';
import { figures, type Scenario, simulate } from '../../../shared/simulate/engine';
import { AssertionSpecError, failedAssertions, parseAssertions } from '../../../shared/simulate/runBacktest';
import { seedTarget } from '../../../shared/simulate/scalepilotTarget';
import { parseTraceCsv, percentile, seriesWindow, toMinuteSeries } from '../../../shared/simulate/trace';

/** A scenario where one unit serves 10 load at 100%, so at T = 0.5 each unit is for 5 load. */
const scenario = (load: number[], extra: Partial<Scenario> = {}): Scenario => ({
  load,
  unitCapacity: 10,
  targetUtilisation: 0.5,
  min: 1,
  max: 10,
  delay: 2,
  ...extra,
});

describe('trace grid', () => {
  it.each([
    {
      name: 'from a whole minute',
      from: '2026-01-01T00:02:00Z',
      minutes: 3,
      start: '2026-01-01T00:02:00.000Z',
      load: [3, 4, 5],
    },
    {
      name: 'from inside a minute: the next whole one',
      from: '2026-01-01T00:01:30Z',
      minutes: 2,
      start: '2026-01-01T00:02:00.000Z',
      load: [3, 4],
    },
    {
      name: 'past the end: what is left',
      from: '2026-01-01T00:08:00Z',
      minutes: 5,
      start: '2026-01-01T00:08:00.000Z',
      load: [9, 10],
    },
  ])('seriesWindow $name', ({ from, minutes, start, load }) => {
    const series = {
      start: Date.parse('2026-01-01T00:00:00Z'),
      load: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      stepMinutes: 1,
    };
    const w = seriesWindow(series, Date.parse(from), minutes);
    expect({ start: new Date(w.start).toISOString(), load: w.load }).toEqual({ start, load });
  });

  it('seriesWindow outside the series names the instant and the series', () => {
    const series = { start: Date.parse('2026-01-01T00:00:00Z'), load: [1, 2], stepMinutes: 1 };
    expect(() => seriesWindow(series, Date.parse('2025-12-31T23:00:00Z'), 5, 'x.csv')).toThrow(
      '2025-12-31T23:00:00.000Z is outside x.csv (2026-01-01T00:00:00.000Z + 2 min)',
    );
  });

  it('step-holds rows on whole minutes, the last row lasting one nominal step, and divides counts by the step', () => {
    const rows = parseTraceCsv(
      'timestamp,value\n2026-01-01T00:00:00Z,10\n2026-01-01T00:05:00Z,20\n2026-01-01T00:15:00Z,30\n',
    );
    const held = toMinuteSeries(rows, false);
    expect(held.stepMinutes).toBe(7.5); // median of 5 and 10 minutes
    expect(held.load).toEqual([...Array(5).fill(10), ...Array(10).fill(20), ...Array(7).fill(30)]);
    expect(toMinuteSeries(rows, true).load[0]).toBeCloseTo(10 / 7.5);
  });

  it.each([
    {
      name: 'a value that is not a number',
      text: 'timestamp,value\n2026-01-01T00:00:00Z,abc\n',
      says: 't.csv:2: "abc" is not a number, in "2026-01-01T00:00:00Z,abc"',
    },
    {
      name: 'a timestamp that is not one',
      text: 'timestamp,value\n2026-01-01T00:00:00Z,4\nyesterday,5\n',
      says: 't.csv:3: "yesterday" is not a timestamp, in "yesterday,5"',
    },
    {
      name: 'a line without a value',
      text: 'timestamp,value\n2026-01-01T00:00:00Z\n',
      says: 't.csv:2: expected "timestamp,value", got "2026-01-01T00:00:00Z"',
    },
    {
      name: 'a line with a third field',
      text: 'timestamp,value\n2026-01-01T00:00:00Z,4,7\n',
      says: 't.csv:2: expected "timestamp,value", got "2026-01-01T00:00:00Z,4,7"',
    },
    {
      name: 'a timestamp out of order, by its line',
      text: 'timestamp,value\n2026-01-01T00:05:00Z,4\n2026-01-01T00:10:00Z,4\n2026-01-01T00:00:00Z,5\n',
      says: 't.csv:4: timestamps are not strictly increasing at 2026-01-01T00:00:00.000Z',
    },
    // Date.parse took these: V8's legacy parser reads a lone number as a month of 2001 and skips words it does
    // not know, and rolls a day past the month's end over into the next.
    {
      name: 'row numbers as the timestamp (read as the months of 2001)',
      text: 'timestamp,value\n1,4\n2,4\n',
      says: 't.csv:2: "1" is not a timestamp, in "1,4"',
    },
    {
      name: 'a timestamp with a word before it (read as the year alone)',
      text: 'timestamp,value\nx 2026,4\n',
      says: 't.csv:2: "x 2026" is not a timestamp, in "x 2026,4"',
    },
    {
      name: 'a date in US order (ambiguous: the 2nd of January or the 1st of February)',
      text: 'timestamp,value\n1/2/2026 00:00,4\n',
      says: 't.csv:2: "1/2/2026 00:00" is not a timestamp, in "1/2/2026 00:00,4"',
    },
    {
      name: 'a day that does not exist (read as March 2)',
      text: 'timestamp,value\n2026-02-28T00:00:00Z,4\n2026-02-30T00:00:00Z,4\n',
      says: 't.csv:3: "2026-02-30T00:00:00Z" is not a timestamp, in "2026-02-30T00:00:00Z,4"',
    },
    {
      name: 'hour 24 (read as the next day)',
      text: 'timestamp,value\n2026-01-01T24:00:00Z,4\n',
      says: 't.csv:2: "2026-01-01T24:00:00Z" is not a timestamp, in "2026-01-01T24:00:00Z,4"',
    },
    {
      name: 'a value in hexadecimal (read as 16)',
      text: 'timestamp,value\n2026-01-01T00:00:00Z,0x10\n',
      says: 't.csv:2: "0x10" is not a number, in "2026-01-01T00:00:00Z,0x10"',
    },
    {
      name: 'a value in binary (read as 5)',
      text: 'timestamp,value\n2026-01-01T00:00:00Z,0b101\n',
      says: 't.csv:2: "0b101" is not a number, in "2026-01-01T00:00:00Z,0b101"',
    },
  ])('says which line of a CSV is malformed and how: $name', ({ text, says }) => {
    expect(() => parseTraceCsv(text, 't.csv')).toThrow(says);
  });

  it.each([
    { name: 'ISO 8601 in UTC', text: '2026-03-08T02:30:00Z', want: '2026-03-08T02:30:00.000Z' },
    { name: 'without a zone: UTC', text: '2026-03-08T02:30:00', want: '2026-03-08T02:30:00.000Z' },
    {
      name: 'a space for the T, no zone (NAB, spreadsheets)',
      text: '2026-03-08 02:30:00',
      want: '2026-03-08T02:30:00.000Z',
    },
    { name: 'to the minute', text: '2026-03-08 02:30', want: '2026-03-08T02:30:00.000Z' },
    { name: 'milliseconds', text: '2026-03-08T02:30:00.250Z', want: '2026-03-08T02:30:00.250Z' },
    { name: 'an offset', text: '2026-03-08T03:30:00+01:00', want: '2026-03-08T02:30:00.000Z' },
    { name: 'an offset without a colon', text: '2026-03-08T03:30:00+0100', want: '2026-03-08T02:30:00.000Z' },
    { name: 'a date alone', text: '2026-03-08', want: '2026-03-08T00:00:00.000Z' },
    { name: 'a leap day', text: '2028-02-29T00:00:00Z', want: '2028-02-29T00:00:00.000Z' },
    { name: 'spaces around it', text: ' 2026-03-08T02:30:00Z ', want: '2026-03-08T02:30:00.000Z' },
  ])('reads a timestamp: $name', ({ text, want }) => {
    const [row] = parseTraceCsv(`timestamp,value\n${text},4\n`, 't.csv');
    expect(new Date(row?.time ?? Number.NaN).toISOString()).toBe(want);
  });

  it('lists the first 20 bad lines of a file that is no trace, and says how many more', () => {
    const text = ['timestamp,value', ...Array.from({ length: 25 }, (_, i) => `<p>line ${i}</p>`)].join('\n');
    let said = '';
    try {
      parseTraceCsv(text, 't.csv');
    } catch (error) {
      said = (error as Error).message;
    }
    const lines = said.split('\n');
    expect(lines).toHaveLength(22);
    expect(lines[0]).toBe('t.csv:2: expected "timestamp,value", got "<p>line 0</p>"');
    expect(lines.slice(20)).toEqual(['t.csv: and 5 more lines like these', 't.csv: no rows']);
  });

  it('refuses a negative load, naming its line', () => {
    expect(() =>
      parseTraceCsv('timestamp,value\n2026-01-01T00:00:00Z,4\n2026-01-01T00:05:00Z,-3\n', 't.csv'),
    ).toThrow('t.csv:3: a load cannot be negative, got "2026-01-01T00:05:00Z,-3"');
  });

  it('refuses a trace spanning decades (a stray row), naming its longest gap', () => {
    const text = 'timestamp,value\n1970-01-01T00:00:00Z,5\n2026-01-01T00:00:00Z,3\n2026-01-01T00:05:00Z,4\n';
    expect(() => parseTraceCsv(text, 't.csv')).toThrow(
      /^t\.csv: spans 20454 days; a trace may span at most 1096 \(its longest gap: 1970-01-01 to 2026-01-01\)$/,
    );
    const threeYears = `timestamp,value\n2020-01-01T00:00:00Z,5\n2022-12-31T00:00:00Z,3\n`;
    expect(parseTraceCsv(threeYears, 't.csv')).toHaveLength(2);
  });

  it('takes p99 with linear interpolation between closest ranks', () => {
    expect(percentile([1, 2, 3, 4, 5], 0.99)).toBeCloseTo(4.96);
    expect(percentile([7], 0.99)).toBe(7);
  });
});

describe('figures on hand-made traces', () => {
  it('the oracle orders ceil(load / (u × T)) with no delay', () => {
    const s = scenario([5, 12, 30, 4]);
    const t = simulate(oracle(), s);
    expect([...t.ordered]).toEqual([1, 3, 6, 1]); // 5/5=1, 12/5→3, 30/5=6, 4/5→1
    const f = figures(t, s, 11 / 60);
    expect(f.cost).toBeCloseTo(11 / 60);
    expect(f).toMatchObject({ overloadMinutes: 0, unserved: 0, actions: 3, flaps: 1, costRatio: 1 });
  });

  it('counts overload, SLO risk and unserved load against the delayed serving capacity', () => {
    // static capacity of 2 units (20 load at 100%): load 15 is 75%, 18 is 90% (SLO risk), 25 is 125% (overload, 5 unserved)
    const s = scenario([10, 15, 18, 25], { min: 2, max: 2 });
    const f = figures(simulate(stepSeed(), s), s, 1);
    expect(f).toMatchObject({ overloadMinutes: 1, sloRiskMinutes: 2, unserved: 5, actions: 0 });
    expect(f.unservedPercent).toBeCloseTo((100 * 5) / 68);
    expect(f.cost).toBeCloseTo(8 / 60);
  });

  it('capacity ordered at m serves from m + D; removal stops serving at once', () => {
    const s = scenario([5, 5, 50, 50, 50, 50, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5], { delay: 2 });
    const t = simulate(hpa(), s);
    // minute 3 sees load(2) = 50 → 10 units; they serve from minute 5
    expect(t.ordered[3]).toBe(10);
    expect([t.serving[3], t.serving[4], t.serving[5]]).toEqual([1, 1, 10]);
  });

  it('every timeline recomputes to its figures', () => {
    const load = Array.from({ length: 600 }, (_, m) => 20 + 15 * Math.sin(m / 40) + (m % 17));
    const s = scenario(load);
    for (const make of [oracle, staticPeak, stepSeed, targetTracking, hpa, scalepilot(seedTarget(s))]) {
      const t = simulate(make(), s);
      const f = figures(t, s, 1);
      let overload = 0;
      for (let m = 0; m < load.length; m += 1) {
        expect(t.utilisation[m]).toBeCloseTo((load[m] as number) / ((t.serving[m] as number) * 10));
        if ((load[m] as number) > (t.serving[m] as number) * 10) overload += 1;
      }
      expect(f.overloadMinutes).toBe(overload);
      expect(f.cost).toBeCloseTo([...t.ordered].reduce((a, b) => a + b, 0) / 60);
    }
  });
});

describe('baselines behave as documented', () => {
  it('the oracle never overloads while load ≤ max × unit capacity', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (load) => {
          const s = scenario(load);
          expect(figures(simulate(oracle(), s), s, 1).overloadMinutes).toBe(0);
        },
      ),
    );
  });

  it('target tracking waits for three high datapoints', () => {
    const s = scenario([5, 5, 5, 20, 20, 20, 20, 20, 20], { delay: 0 });
    const t = simulate(targetTracking(), s);
    expect([...t.ordered].slice(0, 7)).toEqual([1, 1, 1, 1, 1, 1, 4]); // datapoints 3, 4, 5 are high → minute 6
  });

  it('target tracking scales in by at most 10% (at least one unit), with 15 fresh low datapoints each time', () => {
    // 56.4 on 12 units is 47%: neither above T (50%) nor below 0.9·T (45%); then the load drops
    const load = [...Array(16).fill(56.4), ...Array(40).fill(1)];
    const s = scenario(load, { delay: 0, min: 1, max: 20 });
    const tt = targetTracking();
    const t = simulate({ ...tt, name: 'tt', start: () => 12, decide: tt.decide }, s);
    const changes = [...t.ordered].flatMap((u, m) =>
      m > 0 && u !== t.ordered[m - 1] ? [{ m, from: t.ordered[m - 1], to: u }] : [],
    );
    expect(changes[0]).toEqual({ m: 31, from: 12, to: 11 }); // low from minute 16; 15 datapoints 16..30 seen at 31
    expect(changes[1]?.m).toBe(46);
  });

  it('the HPA ignores the tolerance band and holds scale-in for five minutes', () => {
    const load = [20, 21, 21, 21, 5, 5, 5, 5, 5, 5, 5, 5];
    const s = scenario(load, { delay: 0 });
    const t = simulate(hpa(), s);
    expect(t.ordered[2]).toBe(4); // 21 / 5 = 4.2 → inside 10% of 4: no change
    expect([...t.ordered].slice(5, 10)).toEqual([4, 4, 4, 4, 1]); // the 4s of minutes 1-4 hold until minute 9
  });

  it('step-seed honours its cooldowns: +2 at most every 5 minutes, −1 every 10', () => {
    const s = scenario([5, ...Array(12).fill(100), ...Array(30).fill(0.5)], { delay: 0, max: 20 });
    const t = simulate(stepSeed(), s);
    const ups = [...t.ordered].flatMap((u, m) => (m > 0 && u > (t.ordered[m - 1] as number) ? [m] : []));
    const downs = [...t.ordered].flatMap((u, m) => (m > 0 && u < (t.ordered[m - 1] as number) ? [m] : []));
    expect(ups).toEqual([2, 7, 12]);
    expect(downs.length).toBeGreaterThan(1);
    expect(downs.slice(1).map((m, i) => m - (downs[i] as number))).toEqual(Array(downs.length - 1).fill(10));
  });

  it('no policy sees the future: decisions up to minute m do not change when later load does', () => {
    const base = Array.from({ length: 120 }, (_, m) => 20 + 10 * Math.sin(m / 9));
    const m = 60;
    const other = [...base.slice(0, m + 1), ...base.slice(m + 1).map((v) => v * 5)];
    for (const make of [stepSeed, targetTracking, hpa, scalepilot(seedTarget(scenario(base)))]) {
      const a = simulate(make(), scenario(base));
      const b = simulate(make(), scenario(other));
      expect([...b.ordered].slice(0, m + 1)).toEqual([...a.ordered].slice(0, m + 1));
    }
  });
});

describe('every change of ordered capacity carries its policy’s reason', () => {
  const load = Array.from({ length: 400 }, (_, m) =>
    m < 100 ? 8 : m < 200 ? 44 : m < 300 ? 12 : 30 + (m % 7),
  );
  const s = scenario(load, { delay: 3, max: 12 });

  it.each([
    {
      policy: oracle,
      reasons: ['PerfectForesight'],
      says: /^perfect foresight: this minute's load \d+ needs \d+ units at 50%/,
    },
    { policy: staticPeak, reasons: [], says: /./ },
    {
      policy: stepSeed,
      reasons: ['StepScaleOut', 'StepScaleIn'],
      says: /^utilisation [\d.]+% [<>] (70|30)%: (add 2|remove 1)/,
    },
    {
      policy: targetTracking,
      reasons: ['TargetTrackingScaleOut', 'TargetTrackingScaleIn'],
      says: /^(3 datapoints above 50%|15 datapoints below 45%) \(last [\d.]+%\)/,
    },
    {
      policy: hpa,
      reasons: ['HpaScaleUp', 'ScaleUpLimit', 'TooManyReplicas', 'HpaScaleDown'],
      says: /^utilisation ÷ target [\d.]+, outside ±0.1: recommends \d+/,
    },
    { policy: scalepilot(seedTarget(s)), reasons: [...reasonCodes], says: /./ },
  ])('$policy.name', ({ policy, reasons, says }) => {
    const t = simulate(policy(), s);
    const decisions = t.decisions ?? [];
    // One per action, at the very minutes ordered capacity changed, from and to as ordered.
    expect(decisions.length).toBe(figures(t, s, 1).actions);
    for (const d of decisions) {
      expect([d.from, d.to]).toEqual([t.ordered[d.minute - 1], t.ordered[d.minute]]);
      expect(reasons).toContain(d.reason);
      expect(d.message).toMatch(says);
    }
    if (policy !== staticPeak) expect(decisions.length).toBeGreaterThan(2);
  });

  it('Scalepilot’s are the very reason and message decideCapacity returned', () => {
    const t = simulate(scalepilot(seedTarget(s))(), s);
    const out = t.decisions?.find((d) => d.to > d.from);
    expect(out?.reason).toBe('ScaleOut');
    expect(out?.message).toMatch(/^utilisation [\d.]+ > 70: add 2.*: \d+ → \d+$/);
  });
});

describe('--assert', () => {
  it('names each missed figure', () => {
    const row = {
      policy: 'scalepilot',
      cost: 10,
      costRatio: 1.4,
      overloadMinutes: 12,
      unserved: 0,
      unservedPercent: 0,
      sloRiskMinutes: 0,
      actions: 3,
      flaps: 0,
    };
    expect(failedAssertions('overload<=60,costRatio<=1.5', row)).toEqual([]);
    expect(failedAssertions('overload<=10,costRatio<=1.3', row)).toEqual([
      'overload = 12, wanted <= 10',
      'costRatio = 1.4, wanted <= 1.3',
    ]);
    expect(() => failedAssertions('speed<=1', row)).toThrow('unknown figure "speed"');
  });

  it.each([
    { name: 'a fraction without its leading zero', spec: 'costRatio<=.95', figure: 'costRatio', limit: 0.95 },
    { name: 'spaces around the comparison', spec: 'overload < 60', figure: 'overloadMinutes', limit: 60 },
    { name: 'the long name of a figure', spec: 'sloRiskMinutes>=0', figure: 'sloRiskMinutes', limit: 0 },
  ])('reads $name before the run', ({ spec, figure, limit }) => {
    expect(parseAssertions(spec)).toMatchObject([{ figure, limit }]);
  });

  it.each([
    { name: 'two decimal points', spec: 'overload<=1.2.3', error: 'cannot read "overload<=1.2.3"' },
    { name: 'a comparison written backwards', spec: 'overload=<3', error: 'cannot read "overload=<3"' },
    { name: 'a figure no row has', spec: 'cost<=5,policy<=1', error: 'unknown figure "policy"' },
  ])('refuses $name in one line, as AssertionSpecError', ({ spec, error }) => {
    expect(() => parseAssertions(spec)).toThrow(AssertionSpecError);
    expect(() => parseAssertions(spec)).toThrow(error);
  });
});
