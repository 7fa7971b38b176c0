import { describe, expect, it } from 'vitest';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Target } from '../../../shared/policy/schema';
import { scalepilot } from '../../../shared/simulate/baselines';
import type { PolicyView } from '../../../shared/simulate/engine';
import { simulate } from '../../../shared/simulate/engine';
import { MetricWindow } from '../../../shared/simulate/MetricWindow';
import { MinuteClock } from '../../../shared/simulate/MinuteClock';

const START = Date.parse('2026-03-02T00:00:00Z');
/** Utilisation of minute j: 0.01 × (j + 1), so minute j reads (j + 1)%. */
const view = (m: number): PolicyView => ({
  minute: m,
  utilisation: (j) => {
    if (j >= m) throw new RangeError(`minute ${m} cannot see ${j}`);
    return 0.01 * (j + 1);
  },
  load: () => 0,
  ordered: 1,
  serving: 1,
});
const read = (window: MetricWindow, m: number, start = START) =>
  window.at(view(m), start + m * 60_000).map((r) => [(r.timestamp.getTime() - START) / 60_000, r.value]);

describe('MetricWindow: the datapoints a rule’s metric read gives at a simulated minute', () => {
  it.each([
    {
      name: 'one-minute periods: the last minutes, stamped at their starts',
      period: 60,
      statistic: 'Average',
      m: 4,
      want: [
        [1, 2],
        [2, 3],
        [3, 4],
      ],
    },
    {
      name: 'the first minutes have fewer',
      period: 60,
      statistic: 'Average',
      m: 2,
      want: [
        [0, 1],
        [1, 2],
      ],
    },
    {
      name: 'five minutes, Average: whole periods only, the one in progress left out',
      period: 300,
      statistic: 'Average',
      m: 17,
      want: [
        [0, 3],
        [5, 8],
        [10, 13],
      ],
    },
    {
      name: 'Maximum',
      period: 300,
      statistic: 'Maximum',
      m: 15,
      want: [
        [0, 5],
        [5, 10],
        [10, 15],
      ],
    },
    {
      name: 'Minimum',
      period: 300,
      statistic: 'Minimum',
      m: 15,
      want: [
        [0, 1],
        [5, 6],
        [10, 11],
      ],
    },
    {
      name: 'Sum',
      period: 300,
      statistic: 'Sum',
      m: 10,
      want: [
        [0, 15],
        [5, 40],
      ],
    },
    {
      name: 'SampleCount: the minutes in the period',
      period: 300,
      statistic: 'SampleCount',
      m: 10,
      want: [
        [0, 5],
        [5, 5],
      ],
    },
    {
      name: 'p80: nearest rank',
      period: 300,
      statistic: 'p80',
      m: 10,
      want: [
        [0, 4],
        [5, 9],
      ],
    },
    { name: 'before the first complete period: none', period: 300, statistic: 'Average', m: 4, want: [] },
  ])('$name', ({ period, statistic, m, want }) => {
    const window = new MetricWindow(period, 3, statistic);
    const got = read(window, m);
    expect(got.map(([t]) => t)).toEqual(want.map(([t]) => t));
    for (const [i, [, value]] of got.entries()) expect(value).toBeCloseTo(want[i]?.[1] as number, 9);
  });

  it('with the target’s clock, the same readings minute after minute (the newest stamped with its minute before)', () => {
    // Minutes in turn, a skipped minute (the clock's minute before is then not the reading's), and again.
    const minutes = [0, 1, 2, 3, 4, 6, 7, 8, 9, 10];
    for (const periods of [1, 3]) {
      const plain = new MetricWindow(60, periods, 'Average');
      const clocked = new MetricWindow(60, periods, 'Average');
      const clock = new MinuteClock();
      for (const m of minutes) {
        const now = START + m * 60_000;
        clock.tick(now);
        const got = clocked.at(view(m), now, clock).map((r) => [r.timestamp.getTime(), r.value]);
        expect(got).toEqual(plain.at(view(m), now).map((r) => [r.timestamp.getTime(), r.value]));
      }
    }
  });

  it('periods are aligned to multiples of the period, as the scalers’ reads are, whatever minute the trace starts', () => {
    // The series starts at 00:02: at 00:11 the periods read are 00:00–00:05 (its minutes 0..2, all the series
    // has of it) and 00:05–00:10 (minutes 3..7), stamped 00:00 and 00:05.
    const window = new MetricWindow(300, 2, 'Average');
    const got = read(window, 9, START + 2 * 60_000).map(([t, v]) => [t, Number(v?.toFixed(6))]);
    expect(got).toEqual([
      [0, 2],
      [5, 6],
    ]);
  });
});

describe('a rule with a five-minute metric in the backtest', () => {
  it('acts once a whole period shows the breach (it never did while the engine fed it one-minute datapoints)', () => {
    const target = validatePolicy({
      version: 1,
      targets: [
        {
          name: 'api',
          kind: 'asg',
          autoScalingGroupName: 'g',
          capacity: { min: 1, max: 10 },
          rules: [
            {
              name: 'cpu',
              type: 'target-tracking',
              metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', periodSeconds: 300 },
              target: 50,
            },
          ],
        },
      ],
    }).targets[0] as Target;
    const load = Array.from({ length: 120 }, (_, m) => (m < 50 ? 10 : 40));
    const s = { load, unitCapacity: 10, targetUtilisation: 0.5, min: 1, max: 10, delay: 2 };
    const t = simulate(scalepilot(target)(), s, START);
    const first = t.decisions?.[0];
    // The load rises at minute 50; the period 50–54 is complete at 55.
    expect(first).toMatchObject({ minute: 55, from: 2, reason: 'ScaleOut' });
    expect(first?.to).toBeGreaterThan(2);
  });
});
