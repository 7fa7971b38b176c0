import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../shared/policy/parsePolicy';
import { type PredictivePolicy, PredictiveSchema } from '../../../shared/policy/schema';
import { backtestReport } from '../../../shared/report/backtestReport';
import { scalepilot } from '../../../shared/simulate/baselines';
import { type Scenario, type SimPolicy, simulate, type Timeline } from '../../../shared/simulate/engine';
import { historyBefore } from '../../../shared/simulate/historyBefore';
import { defaultFloorSettings, floorPlanner, floorSettingsFor } from '../../../shared/simulate/predictive';
import { runBacktest } from '../../../shared/simulate/runBacktest';
import { scalepilotTarget, seedTarget } from '../../../shared/simulate/scalepilotTarget';
import { REACTIVE_DEFAULTS } from '../../../shared/tune/reactiveKnobs';

const START = Date.parse('2026-03-02T00:00:00Z');

/**
 * A daily wave, a burst at minutes 40..49 of every hour, and noise from a fixed generator; with `growth`, a level
 * growing by that share a day.
 */
function syntheticLoad(minutes: number, seed = 7, burst = 35, wave = 30, growth = 0): number[] {
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  return Array.from(
    { length: minutes },
    (_, m) =>
      (40 +
        wave * Math.sin((2 * Math.PI * m) / 1440) +
        (m % 60 >= 40 && m % 60 < 50 ? burst : 0) +
        10 * rnd()) *
      (1 + (growth * m) / 1440),
  );
}

const scenarioOf = (load: readonly number[]): Scenario => ({
  load,
  unitCapacity: 10,
  targetUtilisation: 0.7,
  min: 2,
  max: 20,
  delay: 5,
});

const rle = (a: ArrayLike<number>): string => {
  const out: string[] = [];
  for (let i = 0; i < a.length; ) {
    let j = i;
    while (j < a.length && Object.is(a[j], a[i])) j += 1;
    out.push(`${a[i]}x${j - i}`);
    i = j;
  }
  return out.join(' ');
};

// These tests are about the floors' mechanics, with the policy's knobs as they are: walk-forward tuning (which may
// turn a target's floors off when they do not pay) has its own tests in tests/unit/tune.
const floors = floorSettingsFor(PredictiveSchema.parse({ tuning: { enabled: false } }));

describe('predictive floors in the backtest', () => {
  // Growing 5% a day, as a service gaining users: yesterday is a step behind, the forecast keeps the predict
  // function's trust (without growth, this noise makes it a little worse than yesterday's load: see trust below).
  const load = syntheticLoad(3 * 1440, 7, 35, 30, 0.05);
  const s = scenarioOf(load);
  let predictive: Timeline;
  let reactive: Timeline;
  beforeAll(() => {
    predictive = simulate(scalepilot(scalepilotTarget(s), { floors })(), s, START);
    reactive = simulate(scalepilot(scalepilotTarget(s), { name: 'scalepilot-reactive' })(), s, START);
  });

  it.each([
    { name: 'NaN from minute 1500', from: 1500, poison: Number.NaN },
    { name: 'a huge load from minute 2000', from: 2000, poison: 1e12 },
    { name: 'no load from minute 2641 (inside an hour)', from: 2641, poison: 0 },
    { name: 'a huge load from minute 4200', from: 4200, poison: 1e9 },
  ])(
    'the predictive run never reads a future point: $name changes no decision up to that minute',
    ({ from, poison }) => {
      const poisoned = load.map((v, j) => (j >= from ? poison : v));
      const run = simulate(scalepilot(scalepilotTarget(s), { floors })(), scenarioOf(poisoned), START);
      expect(rle(run.ordered.slice(0, from + 1))).toBe(rle(predictive.ordered.slice(0, from + 1)));
      expect(rle(run.floor?.slice(0, from + 1) ?? [])).toBe(rle(predictive.floor?.slice(0, from + 1) ?? []));
      // Not vacuous: floors were in force before the poisoned minute.
      expect(predictive.floor?.slice(1440, from).some((f) => Number.isFinite(f))).toBe(true);
    },
  );

  it.each([
    { name: 'NaN from minute 2000', from: 2000, poison: Number.NaN },
    { name: 'a huge load from minute 3500', from: 3500, poison: 1e12 },
  ])(
    'with the seasonal floor (a day before) too, $name changes no decision up to that minute',
    ({ from, poison }) => {
      const seasonal = floorSettingsFor(
        PredictiveSchema.parse({ tuning: { enabled: false }, seasonalFloor: ['day'] }),
      );
      const runOn = (series: readonly number[]) =>
        simulate(scalepilot(scalepilotTarget(s), { floors: seasonal })(), scenarioOf(series), START);
      const clean = runOn(load);
      const run = runOn(load.map((v, j) => (j >= from ? poison : v)));
      expect(rle(run.ordered.slice(0, from + 1))).toBe(rle(clean.ordered.slice(0, from + 1)));
      expect(rle(run.floor?.slice(0, from + 1) ?? [])).toBe(rle(clean.floor?.slice(0, from + 1) ?? []));
      // Not vacuous: the seasonal floor changed the floors before the poisoned minute.
      expect(rle(clean.floor?.slice(0, from) ?? [])).not.toBe(rle(predictive.floor?.slice(0, from) ?? []));
    },
  );

  it('property: poisoning every minute from any m on (NaN, zero, negative, huge) leaves the decisions up to m unchanged', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: load.length - 1 }),
        fc.constantFrom(Number.NaN, 0, -5, 1e12),
        (from, poison) => {
          const poisoned = load.map((v, j) => (j >= from ? poison : v));
          const run = simulate(scalepilot(scalepilotTarget(s), { floors })(), scenarioOf(poisoned), START);
          expect(rle(run.ordered.slice(0, from + 1))).toBe(rle(predictive.ordered.slice(0, from + 1)));
        },
      ),
      { numRuns: 8 },
    );
  });

  it('the predictive run never reads the load at or after the minute it decides, by any path (a peek of one minute included)', () => {
    // The engine's view refuses later minutes; this also watches the scenario's own array while decide runs.
    let deciding: number | undefined;
    const peeks: number[] = [];
    const spied = new Proxy(load, {
      get(target, key, receiver) {
        if (deciding !== undefined && typeof key === 'string' && /^\d+$/.test(key) && Number(key) >= deciding)
          peeks.push(Number(key));
        return Reflect.get(target, key, receiver);
      },
    });
    const policy = scalepilot(scalepilotTarget(s), { floors })();
    const watched: SimPolicy = {
      ...policy,
      decide(view, scenario, now) {
        deciding = view.minute;
        try {
          return policy.decide(view, scenario, now);
        } finally {
          deciding = undefined;
        }
      },
    };
    const run = simulate(watched, scenarioOf(spied), START);
    expect(peeks).toEqual([]);
    expect(rle(run.ordered)).toBe(rle(predictive.ordered));
  });

  it('no floor before a day of history; from then on a floor every minute', () => {
    const f = predictive.floor as Float64Array;
    expect(f.slice(0, 1440).every((v) => Number.isNaN(v))).toBe(true);
    expect(f.slice(1440).every((v) => Number.isFinite(v) && v >= s.min && v <= s.max)).toBe(true);
  });

  it('the floors are honoured: capacity ordered is at least the floor in force, every minute', () => {
    const f = predictive.floor as Float64Array;
    const below: number[] = [];
    for (let m = 1; m < f.length; m += 1)
      if (Number.isFinite(f[m]) && (predictive.ordered[m] as number) < Math.min(s.max, f[m] as number))
        below.push(m);
    expect(below).toEqual([]);
    // And they mattered: the floors raised capacity above what the rules alone ordered.
    expect(predictive.ordered.some((o, m) => o > (reactive.ordered[m] as number))).toBe(true);
    // Each such decision says so: decideCapacity's reason and message, with the forecast and headroom behind it.
    const raised = predictive.decisions?.filter((d) => d.reason === 'PredictiveFloor') ?? [];
    expect(raised.length).toBeGreaterThan(10);
    for (const d of raised)
      expect(d.message).toMatch(
        /forecast floor \d+ \(forecast of utilisation \(headroom ×[\d.]+, (measured|capacityBufferPercent: .*)\): .*; the forecast load for this minute [\d.]+ × headroom [\d.]+ = [\d.]+ planned for$/,
      );
  });

  it('property: on any such load (wave, burst, noise), ordered capacity is never below the floor in force', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 0, max: 35 }),
        (seed, burst, wave) => {
          const other = scenarioOf(syntheticLoad(2 * 1440, seed, burst, wave));
          const t = simulate(scalepilot(scalepilotTarget(other), { floors })(), other, START);
          const f = t.floor as Float64Array;
          for (let m = 1; m < f.length; m += 1)
            if (Number.isFinite(f[m]))
              expect(t.ordered[m]).toBeGreaterThanOrEqual(Math.min(other.max, f[m] as number));
          expect(f.slice(1440).some((v) => Number.isFinite(v))).toBe(true);
        },
      ),
      { numRuns: 5 },
    );
  });

  it('the hourly burst is covered before it starts: serving at minute 40 of each hour of the last day carries it', () => {
    const late: number[] = [];
    for (let m = 2 * 1440 + 40; m < load.length; m += 60)
      if ((load[m] as number) > (predictive.serving[m] as number) * s.unitCapacity) late.push(m);
    expect(late).toEqual([]);
    // Reacting alone, the first minutes of the burst are overloaded.
    let reactiveLate = 0;
    for (let m = 2 * 1440 + 40; m < load.length; m += 60)
      if ((load[m] as number) > (reactive.serving[m] as number) * s.unitCapacity) reactiveLate += 1;
    expect(reactiveLate).toBeGreaterThan(0);
  });

  it('scalepilot-reactive is the predictive run without its floors: the same decisions until the first floor', () => {
    expect(rle(reactive.ordered.slice(0, 1440))).toBe(rle(predictive.ordered.slice(0, 1440)));
    expect(reactive.floor).toBeUndefined();
    expect(reactive.policy).toBe('scalepilot-reactive');
  });

  it('scalepilot-reactive equals the old reactive-only behaviour: the seeds’ policy gives the timeline it gave before floors existed', () => {
    // Pinned from the simulator at f09fbf0 (before predictive floors) on this very trace.
    const before =
      '7x4 9x37 11x6 13x55 15x119 17x468 16x41 15x15 14x12 13x36 12x14 11x30 10x25 9x21 11x12 10x10 9x10 8x15 7x11 9x14 8x10 7x23 6x13 8x8 10x6 9x10 8x10 7x10 6x10 5x6 7x6 9x8 8x10 7x10 6x13 5x13 7x6 9x8 8x10 7x10 6x26 8x6 10x8 9x10 8x10 7x26 9x14 8x46 10x61 12x119 14x65 16x175 18x389 17x47 16x3';
    const short = scenarioOf(syntheticLoad(2160));
    expect(
      rle(simulate(scalepilot(seedTarget(short), { name: 'scalepilot-reactive' })(), short, START).ordered),
    ).toBe(before);
  });

  it('runBacktest has both rows: scalepilot (floors) and scalepilot-reactive, after the baselines', () => {
    const series = { start: START, load, stepMinutes: 1 };
    const result = runBacktest(series, 'asg');
    expect(result.figures.map((f) => f.policy)).toEqual([
      'oracle',
      'static-peak',
      'step-seed',
      'target-tracking',
      'hpa',
      'scalepilot',
      'scalepilot-reactive',
    ]);
    const row = (name: string) => result.timelines.find((t) => t.policy === name) as Timeline;
    expect(row('scalepilot').floor).toBeDefined();
    expect(row('scalepilot-reactive').floor).toBeUndefined();
  });

  it('the predictive row carries the forecast in force and the band its floors planned for, and its chart draws them', async () => {
    const series = { start: START, load, stepMinutes: 1 };
    const result = runBacktest(series, 'asg');
    const row = result.timelines.find((t) => t.policy === 'scalepilot') as Timeline;
    const forecast = row.forecast;
    if (!forecast) throw new Error('no forecast on the predictive row');
    // None before a day of history; afterwards a forecast each minute, the band never below it.
    expect(Number.isNaN(forecast.value[600] as number)).toBe(true);
    const later = [...forecast.value.keys()].filter(
      (m) => m > 1500 && Number.isFinite(forecast.value[m] as number),
    );
    expect(later.length).toBeGreaterThan(100);
    for (const m of later)
      expect(forecast.upper[m] as number).toBeGreaterThanOrEqual((forecast.value[m] as number) - 1e-9);
    expect(result.timelines.find((t) => t.policy === 'scalepilot-reactive')?.forecast).toBeUndefined();
    const { html } = await backtestReport(result, series, { trace: 'synthetic', kind: 'asg' });
    expect(html).toContain('forecast × headroom');
  });

  it.each([
    { name: 'a target with predictive: true gets floors', predictive: true, floors: true },
    {
      name: 'a target without predictive gets none: both rows are its rules alone',
      predictive: false,
      floors: false,
    },
  ])('runBacktest with an operator’s target: $name', ({ predictive, floors: expected }) => {
    const series = { start: START, load, stepMinutes: 1 };
    const target = { ...scalepilotTarget(s), predictive };
    const result = runBacktest(series, 'asg', { target });
    const own = result.timelines.find((t) => t.policy === 'scalepilot') as Timeline;
    const reactiveRow = result.timelines.find((t) => t.policy === 'scalepilot-reactive') as Timeline;
    expect(own.floor !== undefined).toBe(expected);
    expect(rle(own.ordered) === rle(reactiveRow.ordered)).toBe(!expected);
  });
});

/** The policy's predictive section with its defaults, acting (the defaults alone are off, forecast-only). */
const acting: PredictivePolicy = {
  ...defaultFloorSettings.predictive,
  enabled: true,
  mode: 'forecast-and-scale',
};

describe('runBacktest with the policy’s predictive section', () => {
  const series = { start: START, load: syntheticLoad(2 * 1440), stepMinutes: 1 };
  const floorsWith = (predictive?: PredictivePolicy) => {
    const result = runBacktest(series, 'asg', predictive ? { predictive } : {});
    return (result.timelines.find((t) => t.policy === 'scalepilot') as Timeline).floor as Float64Array;
  };
  const defaults = floorsWith();
  // The first hours of floors, before 4 hours of forecasts are scored: the buffer decides the headroom.
  const early = (f: Float64Array) => Array.from(f.slice(1440, 1440 + 180));

  it.each([
    { name: 'no buffer plans lower floors than the seeds’ 30%', buffer: 0, compare: 'lower' },
    { name: 'a 100% buffer plans higher ones', buffer: 100, compare: 'higher' },
  ])('$name', ({ buffer, compare }) => {
    const floors = early(floorsWith({ ...acting, capacityBufferPercent: buffer }));
    const base = early(defaults);
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    if (compare === 'lower') expect(sum(floors)).toBeLessThan(sum(base));
    else expect(sum(floors)).toBeGreaterThan(sum(base));
  });

  it('maxBufferPercent caps the measured headroom: lower floors once it is measured, the same before', () => {
    const capped = floorsWith({ ...acting, maxBufferPercent: 0 });
    const base = floorsWith(acting);
    // Before 4 hours of forecasts are scored the policy's buffer stands in, cap or not.
    expect(early(capped)).toEqual(early(base));
    const measured = (f: Float64Array) => Array.from(f.slice(1440 + 300));
    const pairs = measured(capped).map((c, i) => [c, measured(base)[i] as number]);
    expect(pairs.every(([c, b]) => (c as number) <= (b as number))).toBe(true);
    expect(pairs.some(([c, b]) => (c as number) < (b as number))).toBe(true);
  });
});

describe('the predict function’s trust gate and known events, in the backtest', () => {
  const row = (result: ReturnType<typeof runBacktest>, name: string) =>
    result.timelines.find((t) => t.policy === name) as Timeline;

  it.each([
    { name: 'disabled', predictive: { ...acting, enabled: false } },
    { name: 'forecast-only', predictive: { ...acting, mode: 'forecast-only' as const } },
  ])(
    'a policy whose predictive section is $name gets no floors: both rows are its rules alone',
    ({ predictive }) => {
      const series = { start: START, load: syntheticLoad(2 * 1440, 7, 35, 30, 0.05), stepMinutes: 1 };
      const result = runBacktest(series, 'asg', { predictive });
      expect(row(result, 'scalepilot').floor).toBeUndefined();
      expect(rle(row(result, 'scalepilot').ordered)).toBe(rle(row(result, 'scalepilot-reactive').ordered));
    },
  );

  it('a forecast the function stops trusting (a little worse than yesterday’s load) has no floors and no band', () => {
    // No growth: yesterday's load at the same time does a little better than the forecast (MASE ≈ 1.05
    // against ≈ 0.97); judged once 72 steps are scored (each run scores the last run's forecast and the
    // earlier ones still in flight: from the fourth hour), the floors are off.
    // The gate at its strictest (trustMaseRatio 1: no worse than naive; the default lets up to 2×).
    const series = { start: START, load: syntheticLoad(3 * 1440), stepMinutes: 1 };
    const strict = { ...acting, trustMaseRatio: 1 };
    const own = row(runBacktest(series, 'asg', { predictive: strict }), 'scalepilot');
    const floor = own.floor as Float64Array;
    expect(floor.slice(1441, 1440 + 180).every((f) => Number.isFinite(f))).toBe(true);
    const untrusted = [...floor.keys()].filter((m) => m > 1440 && Number.isNaN(floor[m] as number));
    expect(untrusted.length).toBeGreaterThan(1440);
    expect(untrusted.every((m) => Number.isNaN(own.forecast?.value[m] as number))).toBe(true);
    const during = new Set(untrusted);
    expect(own.decisions?.filter((d) => during.has(d.minute) && d.reason === 'PredictiveFloor')).toEqual([]);
  });

  it('a known event raises the floor in its window, started early by the warm-up, before any forecast too', () => {
    const iso = (minute: number) => new Date(START + minute * 60_000).toISOString();
    const events = [
      { name: 'launch', start: iso(600), end: iso(720), demand: { units: 13 } },
      { name: 'rush', start: iso(1440 + 600), end: iso(1440 + 660), demand: { units: 16 } },
    ];
    const series = { start: START, load: syntheticLoad(2 * 1440, 7, 35, 30, 0.05), stepMinutes: 1 };
    const result = runBacktest(series, 'asg', { predictive: { ...acting, events } });
    const own = row(result, 'scalepilot');
    const floor = own.floor as Float64Array;
    // The group's warm-up is 5 minutes: each event's floor is in force from 5 minutes before it.
    expect(floor.slice(595, 720).every((f) => f === 13)).toBe(true);
    expect(floor.slice(1, 590).every((f) => !(f > 0))).toBe(true);
    expect(floor.slice(1440 + 595, 1440 + 660).every((f) => f >= 16)).toBe(true);
    expect(floor[1440 + 590]).toBeLessThan(16);
    // Ordered capacity follows, and the decision names the event.
    expect(own.ordered.slice(600, 720).every((u) => u >= 13)).toBe(true);
    const raised = own.decisions?.find(
      (d) => d.minute >= 595 && d.minute < 720 && d.to >= 13 && d.to > d.from,
    );
    expect(raised?.reason).toBe('PredictiveFloor');
    expect(raised?.message).toContain('known event(s) launch');
    // Without the events, no such floors.
    const without = row(runBacktest(series, 'asg', { predictive: acting }), 'scalepilot');
    expect(without.floor?.slice(595, 720).every((f) => f === 13)).toBe(false);
  });
});

describe('predict runs shared by targets on one series', () => {
  it('size each target’s floors at its own floorTarget, whichever target ran first', () => {
    const minutes = 2 * 1440 + 360;
    const load = syntheticLoad(minutes);
    const s = scenarioOf(load);
    const settings = floorSettingsFor({ ...acting, trustMaseRatio: 10 });
    const floorsOf = (floorTarget: number, series: object) => {
      const planner = floorPlanner(
        settings,
        scalepilotTarget(s, REACTIVE_DEFAULTS, floorTarget),
        s,
        minutes,
        series,
      );
      const read = (j: number) => load[j] as number;
      return Array.from({ length: minutes }, (_, m) =>
        m === 0 ? undefined : planner.at(m, START + m * 60_000, read)?.units,
      );
    };
    const series = {};
    const low = floorsOf(60, series);
    const afterLow = floorsOf(95, series);
    const alone = floorsOf(95, {});
    expect(afterLow).toEqual(alone);
    // The two targets' floors differ: sized at the first one's 60%, the second would have copied them.
    expect(afterLow).not.toEqual(low);
  });

  it('are made again for another cap on the measured headroom (maxBufferPercent is part of what a run depends on)', () => {
    const minutes = 2 * 1440 + 360;
    const load = syntheticLoad(minutes);
    const s = scenarioOf(load);
    const floorsOf = (maxBufferPercent: number | null, series: object) => {
      const settings = floorSettingsFor({ ...acting, trustMaseRatio: 10, maxBufferPercent });
      const planner = floorPlanner(settings, scalepilotTarget(s), s, minutes, series);
      const read = (j: number) => load[j] as number;
      return Array.from({ length: minutes }, (_, m) =>
        m === 0 ? undefined : planner.at(m, START + m * 60_000, read)?.units,
      );
    };
    const series = {};
    const uncapped = floorsOf(null, series);
    const capped = floorsOf(0, series);
    expect(capped).toEqual(floorsOf(0, {}));
    expect(capped).not.toEqual(uncapped);
  });
});

describe('historyBefore', () => {
  it('reads only minutes before m, in whole steps ending at m', () => {
    const asked: number[] = [];
    const h = historyBefore(
      (j) => {
        asked.push(j);
        return j;
      },
      START,
      23,
      { stepMinutes: 5, lookbackMinutes: 15 },
    );
    expect(Math.max(...asked)).toBe(22);
    expect(h.values).toEqual([10, 15, 20]); // means of 8..12, 13..17, 18..22
    expect(h.times).toEqual([START + 8 * 60_000, START + 13 * 60_000, START + 18 * 60_000]);
  });
});

describe('the backtest policy', () => {
  it('is a policy an operator can write: scalepilotTarget equals the YAML in docs/backtest.md, parsed and validated', () => {
    const page = readFileSync(resolve(import.meta.dirname, '../../../docs/backtest.md'), 'utf8');
    const block = /as an operator would write it:\n\n```yaml\n([\s\S]*?)```/.exec(page)?.[1] ?? '';
    const yaml = block.replace('version: 1\n', 'version: 1\nmaxUnitsPerDecision: 18\n');
    const parsed = parsePolicy(yaml).targets[0];
    expect(scalepilotTarget({ ...scenarioOf([1]), min: 2, max: 20, delay: 5 })).toEqual(parsed);
  });
});
