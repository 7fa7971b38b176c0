import { describe, expect, it } from 'vitest';
import { floorAt } from '../../../shared/decision/floors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Target } from '../../../shared/policy/schema';
import { floorPlanner, floorSettingsFor } from '../../../shared/simulate/predictive';
import { type Prediction, predictTargets } from '../../../shared/usecases/predictTargets';
import { capturedLog, testClock } from '../../harness/fixtures';
import { InMemoryLedger } from '../../harness/inMemoryPorts';
import {
  CollectedForecastMetrics,
  InMemoryScheduledActions,
  SyntheticHistory,
} from '../../harness/predictPorts';

const START = Date.parse('2026-03-02T00:00:00Z');
const MIN = 60_000;
const at = (minute: number) => new Date(START + minute * MIN).toISOString();

/** A pseudo-random number in [0, 1) fixed by the 5-minute step (the same for predict and the backtest). */
function noise(m: number): number {
  let x = (m * 2654435761) % 4294967296;
  x = (x ^ (x >>> 13)) % 1000;
  return x / 1000;
}

/**
 * Total load in percent of one unit (a unit's capacity is 100), constant over each 5 minutes (the 5-minute
 * history the predict function reads is then the backtest's 5-minute means): a daily wave, a burst at minutes
 * 40..49 of every hour, noise, and from the second day a level 20% higher (the forecast must scale to it).
 */
function load(minute: number): number {
  const m = Math.floor(minute / 5) * 5;
  const wave = 300 + 150 * Math.sin((2 * Math.PI * m) / 1440);
  const burst = m % 60 >= 40 && m % 60 < 50 ? 180 : 0;
  return (wave + burst + noise(m) * 60) * (m >= 1440 ? 1.2 : 1);
}

/**
 * A daily wave with heavy noise and no trend: yesterday's load at the same time predicts it about as well as
 * anything can, and the forecaster (medians of the past days, scaled to the last two hours) does a little
 * worse: the predict function stops trusting it once it has scored enough steps.
 */
function steady(minute: number): number {
  const m = Math.floor(minute / 5) * 5;
  return 300 + 150 * Math.sin((2 * Math.PI * m) / 1440) + noise(m) * 200;
}

const rule = {
  name: 'cpu',
  type: 'target-tracking',
  metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', statistic: 'Average' },
  target: 80,
} as const;
const group = {
  name: 'api',
  kind: 'asg',
  autoScalingGroupName: 'g',
  capacity: { min: 1, max: 20 },
  instanceWarmupSeconds: 300,
  predictive: true,
  rules: [rule],
} as const;
const replicas = {
  name: 'api',
  kind: 'rds-replicas',
  sourceDbInstanceIdentifier: 'db',
  capacity: { min: 1, max: 15 },
  predictive: true,
  rules: [{ ...rule, metric: { ...rule.metric, namespace: 'AWS/RDS' } }],
} as const;

/**
 * The predict function (hourly, against an in-memory ledger, reading a synthetic CloudWatch) and the backtest's
 * planner on the same load, hour after hour from `from`: every minute's floor, both ways.
 */
async function bothWays(options: {
  target: Record<string, unknown>;
  load: (minute: number) => number;
  from: number;
  hours: number;
  predictive: Record<string, unknown>;
  /**
   * Runs another target's planner on the same series hourly from minute 0 up to `from` first: the series'
   * forecaster (shared by every target on a series) has then followed the load since its start.
   */
  warmUp?: boolean;
}) {
  const policy = validatePolicy({
    version: 1,
    targets: [options.target],
    predictive: { enabled: true, mode: 'forecast-and-scale', ...options.predictive },
  });
  const resolved = policy.targets[0] as Target;
  const clock = testClock(new Date(START + options.from * MIN));
  const ledger = new InMemoryLedger();
  const deps = {
    policy,
    history: new SyntheticHistory(
      (t) => options.load((t - START) / MIN),
      () => 4,
      START,
    ),
    ledger,
    groups: new InMemoryScheduledActions(1, 20),
    publisher: new CollectedForecastMetrics(),
    clock,
    log: capturedLog().sink,
  };
  const minutes = options.from + options.hours * 60;
  const settings = floorSettingsFor(policy.predictive);
  // The load function is the series' identity: planners on it share its forecasts.
  const series = options.warmUp ? options.load : undefined;
  if (options.warmUp) {
    const other = { ...resolved, kind: 'asg', instanceWarmupSeconds: 120 } as Target;
    const warm = floorPlanner(settings, other, { unitCapacity: 100, max: 20 }, minutes, series);
    // As the engine runs it: the first minute decided (1), then each clock hour.
    for (let m = 1; m < options.from; m = (Math.floor(m / 60) + 1) * 60)
      warm.at(m, START + m * MIN, options.load);
  }
  const planner = floorPlanner(settings, resolved, { unitCapacity: 100, max: 20 }, minutes, series);
  const differ: string[] = [];
  const predictions: Prediction[] = [];
  const floors: (number | undefined)[] = [];
  for (let hour = 0; hour < options.hours; hour += 1) {
    const m0 = options.from + hour * 60;
    clock.advance(hour === 0 ? 0 : 3600);
    const [prediction] = await predictTargets(deps);
    if (prediction) predictions.push(prediction);
    const written = (await ledger.read('api')).floors;
    for (let m = m0; m < m0 + 60; m += 1) {
      const now = START + m * MIN;
      const backtest = planner.at(m, now, options.load)?.units;
      const predicted = floorAt(written, new Date(now))?.units;
      floors[m] = backtest;
      if (backtest !== predicted)
        differ.push(`${at(m)}: backtest ${backtest}, predict ${predicted} (${prediction?.decision.message})`);
    }
  }
  return { differ, predictions, floors };
}

// The backtest claims to run "the predict function": here both run on one load, hour after hour, and every
// minute's floor must be the same. Differences in sizing, lead, horizon, the headroom's calibration, the trust
// gate or the known events show up.
describe('the backtest’s floors are the predict function’s', () => {
  it.each([
    { name: 'a group (5-minute warm-up), the policy’s 30% buffer then the measured headroom', target: group },
    { name: 'read replicas (15 minutes to provision), a 10% buffer', target: replicas, buffer: 10 },
  ])('$name', async ({ target, buffer }) => {
    const { differ, predictions, floors } = await bothWays({
      target,
      load,
      from: 1440,
      hours: 9,
      predictive: { lookbackDays: 1, ...(buffer !== undefined ? { capacityBufferPercent: buffer } : {}) },
    });
    expect(differ).toEqual([]);
    // Not vacuous: the floors moved with the burst, and the headroom was measured by the last hour.
    expect(new Set(floors.slice(1440)).size).toBeGreaterThanOrEqual(3);
    expect(predictions.at(-1)?.decision.message).toContain('measured');
  });

  it('with maxBufferPercent, both cap the measured headroom alike: the same floors, lower than uncapped', async () => {
    const run = (predictive: Record<string, unknown>) =>
      bothWays({ target: group, load, from: 1440, hours: 9, predictive: { lookbackDays: 1, ...predictive } });
    const capped = await run({ maxBufferPercent: 0 });
    const free = await run({});
    expect(capped.differ).toEqual([]);
    const late = (f: readonly (number | undefined)[]) =>
      f.slice(1440 + 300).map((u) => (u !== undefined && Number.isFinite(u) ? u : 0));
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    expect(sum(late(capped.floors))).toBeLessThan(sum(late(free.floors)));
  });

  it('with maxBufferOfMeanPercent, both limit the headroom’s extra load alike: the same floors, lower than unlimited', async () => {
    const run = (predictive: Record<string, unknown>) =>
      bothWays({
        target: group,
        load,
        from: 1440,
        hours: 9,
        predictive: { lookbackDays: 1, maxBufferPercent: null, ...predictive },
      });
    const limited = await run({ maxBufferOfMeanPercent: 0 });
    const free = await run({ maxBufferOfMeanPercent: null });
    expect(limited.differ).toEqual([]);
    expect(free.differ).toEqual([]);
    const sum = (f: readonly (number | undefined)[]) =>
      f.slice(1440).reduce<number>((x, u) => x + (u !== undefined && Number.isFinite(u) ? u : 0), 0);
    expect(sum(limited.floors)).toBeLessThan(sum(free.floors));
  });

  it('with the default 32 days of lookback, the backtest’s forecaster follows the load from its start and still gives predict’s floors', async () => {
    // 40 days of a growing load with a weekly cycle: the planner's forecasts come from one forecaster that has
    // observed the series hour by hour since minute 0 (no refit), predict's from 32 days read afresh each run.
    const weekly = (minute: number) => {
      const m = Math.floor(minute / 5) * 5;
      const weekend = Math.floor(m / 1440) % 7 >= 5 ? 0.6 : 1;
      return (load(m) * weekend + noise(m + 7) * 40) * (1 + m / (60 * 1440));
    };
    const { differ, predictions, floors } = await bothWays({
      target: group,
      load: weekly,
      from: 40 * 1440,
      hours: 3,
      predictive: {},
      warmUp: true,
    });
    expect(differ).toEqual([]);
    // Floors written every run (48 h of them are more than the group's 125 scheduled actions hold: the
    // nearest are written and the run says so, ScheduleBudget).
    expect(predictions.every((p) => ['ForecastFloors', 'ScheduleBudget'].includes(p.decision.reason))).toBe(
      true,
    );
    expect(new Set(floors.slice(40 * 1440)).size).toBeGreaterThanOrEqual(3);
  });

  it('with the seasonal floor (a day and a week before), the backtest raises the forecast as predict does', async () => {
    // A weekly cycle with a burst at minutes 40..49 of each hour: yesterday's and last week's burst raise the
    // forecast's point where the blend smoothed them.
    const weekly = (minute: number) => {
      const m = Math.floor(minute / 5) * 5;
      return load(m) * (Math.floor(m / 1440) % 7 >= 5 ? 0.6 : 1);
    };
    const seasonal = { lookbackDays: 9, seasonalFloor: ['day', 'week'] };
    const on = await bothWays({
      target: group,
      load: weekly,
      from: 8 * 1440,
      hours: 3,
      predictive: seasonal,
    });
    const off = await bothWays({
      target: group,
      load: weekly,
      from: 8 * 1440,
      hours: 3,
      predictive: { lookbackDays: 9 },
    });
    expect(on.differ).toEqual([]);
    expect(on.predictions.at(-1)?.decision.message).toContain('seasonal floor (day and week before');
    // Not vacuous: the key changed the floors.
    expect(on.floors.slice(8 * 1440)).not.toEqual(off.floors.slice(8 * 1440));
  });

  it('a forecast that loses the function’s trust loses its floors in the backtest at the same minute', async () => {
    const { differ, predictions, floors } = await bothWays({
      target: group,
      load: steady,
      from: 2 * 1440,
      hours: 16,
      // The gate at its strictest (no worse than seasonal-naive; the default lets up to 2×).
      predictive: { lookbackDays: 3, trustMaseRatio: 1 },
    });
    expect(differ).toEqual([]);
    const verdicts = predictions.map((p) => p.trusted);
    const lost = verdicts.indexOf(false);
    // Trusted at first (too few steps scored to judge), untrusted once judged: no floor for that hour.
    expect(verdicts[0]).toBe(true);
    expect(lost).toBeGreaterThan(0);
    expect(predictions[lost]?.decision.reason).toBe('ForecastUntrusted');
    const hour = 2 * 1440 + lost * 60;
    expect(floors.slice(hour, hour + 60).every((f) => f === undefined)).toBe(true);
    expect(floors.slice(2 * 1440, 2 * 1440 + 60).every((f) => f !== undefined)).toBe(true);
  });

  it('known events raise the floors in their window, started early by the lead, with or without a forecast', async () => {
    // Day 1 (no forecast yet: under a day of history) and day 2 (forecast): an event with units in each, and a
    // multiplier on the forecast's need on day 2.
    const events = [
      { name: 'launch', start: at(300), end: at(420), demand: { units: 12 } },
      { name: 'ticket-rush', start: at(1440 + 300), end: at(1440 + 360), demand: { units: 15 } },
      { name: 'campaign', start: at(1440 + 480), end: at(1440 + 540), demand: { multiplier: 2 } },
    ];
    const target = { ...group, instanceWarmupSeconds: 600 };
    const first = await bothWays({
      target,
      load,
      from: 0,
      hours: 9,
      predictive: { lookbackDays: 1, events },
    });
    const second = await bothWays({
      target,
      load,
      from: 1440,
      hours: 10,
      predictive: { lookbackDays: 1, events },
    });
    expect(first.differ).toEqual([]);
    expect(second.differ).toEqual([]);
    // Day 1: nothing but the event (a run that sees it coming writes 0 before it), from 10 minutes (the
    // warm-up) before it to its end.
    expect(first.floors.slice(0, 290).every((f) => !f)).toBe(true);
    expect(first.floors.slice(290, 420).every((f) => f === 12)).toBe(true);
    expect(first.floors.slice(420, 540).every((f) => !f)).toBe(true);
    // Day 2: the forecast's floors, at least 15 from 10 minutes before the rush, and twice the need in the campaign.
    expect(second.floors.slice(1440 + 290, 1440 + 360).every((f) => (f as number) >= 15)).toBe(true);
    expect(second.floors[1440 + 289]).toBeLessThan(15);
    const campaign = second.floors.slice(1440 + 480, 1440 + 540) as number[];
    const dayBefore = second.floors.slice(1440 + 420, 1440 + 470) as number[];
    expect(Math.min(...campaign)).toBeGreaterThan(Math.max(...dayBefore));
  });
});
