import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../../shared/errors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';

const target = {
  name: 'api',
  kind: 'asg',
  autoScalingGroupName: 'g',
  capacity: { min: 2, max: 10 },
  predictive: true,
  rules: [
    {
      name: 'cpu',
      type: 'step',
      metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
      scaleOut: [{ above: 70, add: 2 }],
    },
  ],
};
const policy = (predictive: unknown) => ({ version: 1, targets: [target], predictive });

function problemsOf(doc: unknown): string[] {
  try {
    validatePolicy(doc, 'p.yml');
  } catch (error) {
    if (error instanceof PolicyValidationError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

const rush = {
  name: 'ticket-rush',
  start: '2026-12-05T18:00:00Z',
  end: '2026-12-05T20:00:00Z',
  demand: { units: 8 },
};

describe('predictive: defaults (the seeds’ values)', () => {
  it('off, 32 days, floors 48 h ahead (47 h beyond the next run), a 30% buffer (the measured headroom at most +300%, its extra load at most 150% of the forecast’s mean), forecast-only, 15/10 minutes, no events, trusted up to 2× naive’s MASE', () => {
    expect(validatePolicy(policy(undefined)).predictive).toEqual({
      enabled: false,
      lookbackDays: 32,
      horizonMinutes: 2820,
      capacityBufferPercent: 30,
      maxBufferPercent: 300,
      maxBufferOfMeanPercent: 150,
      mode: 'forecast-only',
      trustMaseRatio: 2,
      seasonalFloor: [],
      provisioningMinutes: { 'rds-replicas': 15, 'cache-shards': 10 },
      events: [],
      tuning: {
        enabled: false,
        windowHours: 48,
        headroomQuantile: { min: 0.8, max: 0.99 },
        holdMinutes: { min: 0, max: 60 },
        allowReactiveOnly: true,
        overloadMinuteCost: 1000,
      },
    });
  });
});

// Walk-forward tuning (issue 22): the ranges it chooses in are validated like any key; what each key does is
// tested in tests/unit/tune/chooseFloorKnobs.test.ts.
describe('predictive.tuning: bad ranges are refused, naming the place', () => {
  it.each([
    {
      name: 'a range with min above max',
      tuning: { headroomQuantile: { min: 0.99, max: 0.9 } },
      want: 'predictive.tuning.headroomQuantile.max: must be at least min',
    },
    { name: 'a window under a day', tuning: { windowHours: 12 }, want: 'predictive.tuning.windowHours' },
    {
      name: 'a hold beyond 4 hours',
      tuning: { holdMinutes: { min: 0, max: 600 } },
      want: 'predictive.tuning.holdMinutes.max',
    },
    { name: 'an unknown key', tuning: { quantile: 0.9 }, want: 'predictive.tuning' },
  ])('$name', ({ tuning, want }) => {
    const problems = problemsOf(policy({ enabled: true, tuning }));
    expect(problems.join('\n')).toContain(want);
  });
});

describe('predictive: every key', () => {
  it.each([
    { name: 'enabled', predictive: { enabled: true }, key: 'enabled', value: true },
    { name: 'lookbackDays', predictive: { lookbackDays: 7 }, key: 'lookbackDays', value: 7 },
    { name: 'horizonMinutes', predictive: { horizonMinutes: 1440 }, key: 'horizonMinutes', value: 1440 },
    {
      name: 'capacityBufferPercent',
      predictive: { capacityBufferPercent: 0 },
      key: 'capacityBufferPercent',
      value: 0,
    },
    { name: 'maxBufferPercent', predictive: { maxBufferPercent: 50 }, key: 'maxBufferPercent', value: 50 },
    {
      name: 'maxBufferPercent null (no cap)',
      predictive: { maxBufferPercent: null },
      key: 'maxBufferPercent',
      value: null,
    },
    {
      name: 'maxBufferOfMeanPercent',
      predictive: { maxBufferOfMeanPercent: 80 },
      key: 'maxBufferOfMeanPercent',
      value: 80,
    },
    {
      name: 'maxBufferOfMeanPercent null (no limit)',
      predictive: { maxBufferOfMeanPercent: null },
      key: 'maxBufferOfMeanPercent',
      value: null,
    },
    { name: 'mode', predictive: { mode: 'forecast-and-scale' }, key: 'mode', value: 'forecast-and-scale' },
    {
      name: 'provisioningMinutes (one kind; the other keeps its default)',
      predictive: { provisioningMinutes: { 'rds-replicas': 20 } },
      key: 'provisioningMinutes',
      value: { 'rds-replicas': 20, 'cache-shards': 10 },
    },
    { name: 'events', predictive: { events: [rush] }, key: 'events', value: [rush] },
    {
      name: 'an event with a multiplier and targets',
      predictive: { events: [{ ...rush, demand: { multiplier: 2.5 }, targets: ['api'] }] },
      key: 'events',
      value: [{ ...rush, demand: { multiplier: 2.5 }, targets: ['api'] }],
    },
  ])('accepts $name', ({ predictive, key, value }) => {
    expect((validatePolicy(policy(predictive)).predictive as Record<string, unknown>)[key]).toEqual(value);
  });

  it.each([
    { name: 'an unknown key', predictive: { buffer: 30 }, want: 'predictive.buffer: unknown key' },
    { name: 'lookbackDays over 60', predictive: { lookbackDays: 61 }, want: 'predictive.lookbackDays' },
    {
      name: 'horizonMinutes past 48 h',
      predictive: { horizonMinutes: 2821 },
      want: 'predictive.horizonMinutes',
    },
    {
      name: 'a negative buffer',
      predictive: { capacityBufferPercent: -1 },
      want: 'predictive.capacityBufferPercent',
    },
    { name: 'a negative cap', predictive: { maxBufferPercent: -5 }, want: 'predictive.maxBufferPercent' },
    { name: 'a cap over 1000%', predictive: { maxBufferPercent: 1001 }, want: 'predictive.maxBufferPercent' },
    {
      name: 'a cap that is not a number',
      predictive: { maxBufferPercent: '50%' },
      want: 'predictive.maxBufferPercent',
    },
    {
      name: 'a negative limit of the mean',
      predictive: { maxBufferOfMeanPercent: -1 },
      want: 'predictive.maxBufferOfMeanPercent',
    },
    {
      name: 'a limit of the mean over 1000%',
      predictive: { maxBufferOfMeanPercent: 1001 },
      want: 'predictive.maxBufferOfMeanPercent',
    },
    {
      name: 'a limit of the mean that is not a number',
      predictive: { maxBufferOfMeanPercent: '150%' },
      want: 'predictive.maxBufferOfMeanPercent',
    },
    { name: 'an unknown mode', predictive: { mode: 'scale' }, want: 'predictive.mode' },
    {
      name: 'provisioningMinutes for groups (they use instanceWarmupSeconds)',
      predictive: { provisioningMinutes: { asg: 5 } },
      want: 'predictive.provisioningMinutes.asg: unknown key',
    },
    {
      name: 'an event ending before it starts',
      predictive: { events: [{ ...rush, end: '2026-12-05T17:00:00Z' }] },
      want: 'predictive.events[0] "ticket-rush".end: must be after start',
    },
    {
      name: 'an event ending as it starts',
      predictive: { events: [{ ...rush, end: rush.start }] },
      want: 'predictive.events[0] "ticket-rush".end: must be after start',
    },
    {
      name: 'zero units',
      predictive: { events: [{ ...rush, demand: { units: 0 } }] },
      want: 'predictive.events[0] "ticket-rush".demand.units',
    },
    {
      name: 'a negative multiplier',
      predictive: { events: [{ ...rush, demand: { multiplier: -2 } }] },
      want: 'predictive.events[0] "ticket-rush".demand.multiplier',
    },
    {
      name: 'both units and a multiplier',
      predictive: { events: [{ ...rush, demand: { units: 3, multiplier: 2 } }] },
      want: 'predictive.events[0] "ticket-rush".demand: name units or multiplier (exactly one)',
    },
    {
      name: 'neither',
      predictive: { events: [{ ...rush, demand: {} }] },
      want: 'predictive.events[0] "ticket-rush".demand: name units or multiplier (exactly one)',
    },
    {
      name: 'a start that is not a date-time',
      predictive: { events: [{ ...rush, start: 'tomorrow' }] },
      want: 'predictive.events[0] "ticket-rush".start',
    },
    {
      name: 'an unknown target',
      predictive: { events: [{ ...rush, targets: ['web'] }] },
      want: 'predictive.events[0] "ticket-rush".targets[0]: "web" is not a target of this policy',
    },
    {
      name: 'a target without predictive: true',
      predictive: { events: [{ ...rush, targets: ['api'] }] },
      targets: [{ ...target, predictive: false }],
      want: 'predictive.events[0] "ticket-rush".targets[0]: target "api" has no predictive: true',
    },
    {
      name: 'an unknown event key',
      predictive: { events: [{ ...rush, capacity: 3 }] },
      want: 'predictive.events[0] "ticket-rush".capacity: unknown key',
    },
  ])(
    'refuses $name, naming the place',
    ({ predictive, want, targets }: { predictive: unknown; want: string; targets?: unknown[] }) => {
      const problems = problemsOf({ ...policy(predictive), ...(targets ? { targets } : {}) });
      expect(
        problems.some((p) => p.startsWith(want)),
        problems.join('\n'),
      ).toBe(true);
    },
  );
});

// The seasonal floor (issue 22): what it does is tested in tests/unit/decision/seasonalFloor.test.ts and
// tests/unit/usecases/predictTargets.test.ts; here, that a bad list is refused naming the key.
describe('predictive.seasonalFloor: bad periods are refused, naming the place', () => {
  it.each([
    {
      name: 'an unknown period',
      seasonalFloor: ['month'],
      want: 'predictive.seasonalFloor[0]: Invalid option: expected one of "day"|"week"',
    },
    {
      name: 'a period named twice',
      seasonalFloor: ['day', 'day'],
      want: 'predictive.seasonalFloor: name each period once',
    },
    { name: 'not a list', seasonalFloor: 'day', want: 'predictive.seasonalFloor' },
  ])('$name', ({ seasonalFloor, want }) => {
    const problems = problemsOf(policy({ enabled: true, seasonalFloor }));
    expect(problems.join('\n')).toContain(want);
  });

  it.each([[['day']], [['week']], [['day', 'week']], [[]]])('accepts %j', (seasonalFloor) => {
    expect(problemsOf(policy({ enabled: true, seasonalFloor }))).toEqual([]);
  });
});
