import { describe, expect, it } from 'vitest';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Rule, Target } from '../../../shared/policy/schema';
import { type ForecastRun, keptPoint, keptRuns } from '../../../shared/tune/forecastRuns';
import { trackedRuns } from '../../../shared/tune/tunedKnobs';

// What the forecast track keeps for walk-forward tuning: the tuned rule's runs only, their points rounded.
const T0 = Date.parse('2026-03-02T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

const rule = (name: string, statistic: 'Average' | 'Sum' = 'Average') => ({
  name,
  type: 'target-tracking',
  metric: { namespace: 'Custom/Api', name: `${name}Metric`, statistic },
  target: 70,
});

/** The policy's one target with these rules, and its predictive section with tuning on. */
function targetWith(rules: ReturnType<typeof rule>[]) {
  const policy = validatePolicy({
    version: 1,
    targets: [
      {
        name: 'api',
        kind: 'asg',
        autoScalingGroupName: 'g',
        capacity: { min: 1, max: 20 },
        instanceWarmupSeconds: 300,
        predictive: true,
        rules,
      },
    ],
    predictive: { enabled: true, mode: 'forecast-and-scale', tuning: { enabled: true } },
  });
  return { target: policy.targets[0] as Target, predictive: policy.predictive };
}

const forecastOf = (r: Rule, now: number) => ({
  rule: r,
  forecast: { start: now, stepMinutes: 5, point: Array.from({ length: 24 }, (_, i) => 100 + i / 3) },
});

const oldRun = (madeAt: number): ForecastRun => ({ madeAt, start: madeAt, stepMinutes: 5, point: [1, 2, 3] });

describe('trackedRuns', () => {
  it.each([
    {
      name: 'the first rule forecastable: its runs only',
      rules: [rule('cpu'), rule('memory'), rule('connections')],
      want: ['cpu'],
    },
    {
      name: 'the first rule unforecastable (a Sum): the first forecastable one',
      rules: [rule('requests', 'Sum'), rule('memory'), rule('cpu')],
      want: ['memory'],
    },
    { name: 'no forecastable rule: none', rules: [rule('requests', 'Sum')], want: [] },
  ])('$name', ({ rules, want }) => {
    const { target, predictive } = targetWith(rules);
    const now = T0 + 10 * HOUR;
    // Kept runs of every rule from before, as earlier versions stored them.
    const track = { runs: Object.fromEntries(rules.map((r) => [r.name, [oldRun(now - HOUR)]])) };
    const forecasts = target.rules.map((r) => forecastOf(r, now));
    const runs = trackedRuns(predictive, target, track, forecasts, new Date(now), now + 2 * HOUR);
    expect(Object.keys(runs)).toEqual(want);
    for (const name of want) expect(runs[name]?.map((r) => r.madeAt)).toEqual([now - HOUR, now]);
  });

  it('keeps the tuned rule’s runs when this run made no forecast of it, and drops an empty record', () => {
    const { target, predictive } = targetWith([rule('cpu'), rule('memory')]);
    const now = T0 + 10 * HOUR;
    const memory = target.rules[1] as Rule;
    const kept = trackedRuns(
      predictive,
      target,
      { runs: { cpu: [oldRun(now - HOUR)] } },
      [forecastOf(memory, now)],
      new Date(now),
      now + HOUR,
    );
    expect(kept).toEqual({ cpu: [oldRun(now - HOUR)] });
    expect(trackedRuns(predictive, target, undefined, [], new Date(now), now + HOUR)).toEqual({});
  });
});

describe('keptRuns', () => {
  it.each([
    { name: 'a double rounded to 6 significant digits', value: 123.456789012345, want: 123.457 },
    { name: 'a small one too', value: 0.000123456789, want: 0.000123457 },
    { name: 'a large one', value: 1234567.89, want: 1234570 },
    { name: 'a negative one', value: -98.7654321, want: -98.7654 },
    { name: 'a whole number as it is', value: 42, want: 42 },
    { name: 'six digits as they are', value: 180.125, want: 180.125 },
    { name: 'zero as it is', value: 0, want: 0 },
    { name: 'NaN as it is', value: Number.NaN, want: Number.NaN },
    { name: 'infinity as it is', value: Number.POSITIVE_INFINITY, want: Number.POSITIVE_INFINITY },
  ])('keeps $name', ({ value, want }) => {
    expect(keptPoint(value)).toBe(want);
    const now = T0;
    const run = { madeAt: now, start: now, stepMinutes: 5, point: [value] };
    expect(keptRuns([], run, now, now + HOUR, { windowHours: 48 })[0]?.point).toEqual([want]);
  });

  it('rounds only the new run: the kept ones were rounded when they joined', () => {
    const now = T0 + HOUR;
    const earlier: ForecastRun = { madeAt: T0, start: T0, stepMinutes: 5, point: [1.23456789] };
    const kept = keptRuns([earlier], undefined, now, now + HOUR, { windowHours: 48 });
    expect(kept).toEqual([earlier]);
    // Rounding twice changes nothing: the record is the same whenever it was rounded.
    for (const v of [1.23456789, 987654.321, 0.000314159265])
      expect(keptPoint(keptPoint(v))).toBe(keptPoint(v));
  });
});
