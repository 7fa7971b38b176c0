import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  eventOnlyCapacity,
  eventsFor,
  floorSchedule,
  historyPeriodSeconds,
  leadSeconds,
  loadHistory,
  neededCapacity,
  unforecastable,
  utilisationTarget,
} from '../../../shared/decision/forecastFloors';
import type { LoadForecast } from '../../../shared/forecast/types';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { PredictiveEvent, Rule } from '../../../shared/policy/schema';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const MIN = 60_000;

const step = (over: Partial<Rule['metric']> = {}, above = [70, 90]): Rule =>
  ({
    name: 'cpu',
    type: 'step',
    metric: {
      namespace: 'AWS/EC2',
      name: 'CPUUtilization',
      statistic: 'Average',
      periodSeconds: 60,
      ...over,
    },
    scaleOut: above.map((a) => ({ above: a, add: 1 })),
    scaleIn: [],
    evaluationPeriods: 1,
  }) as Rule;
const tracking = (target: number): Rule =>
  ({
    name: 'tt',
    type: 'target-tracking',
    metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', statistic: 'Average', periodSeconds: 60 },
    target,
    tolerance: 0.1,
    evaluationPeriods: 1,
  }) as Rule;

// The band is twice the point: the floors plan on point × headroom, never on the band.
const forecast = (point: number[], stepMinutes = 5, start = T0): LoadForecast => ({
  status: 'forecast',
  stepMinutes,
  start,
  point,
  upper: point.map((v) => 2 * v),
  quantile: 0.9,
  historyMinutes: 2880,
  missingFraction: 0,
  components: [],
  message: 'test',
});

const event = (e: Partial<PredictiveEvent> & Pick<PredictiveEvent, 'demand'>): PredictiveEvent => ({
  name: 'rush',
  start: new Date(T0 + 10 * MIN).toISOString(),
  end: new Date(T0 + 20 * MIN).toISOString(),
  ...e,
});

describe('load to units', () => {
  it.each([
    { name: 'target tracking: its target', rule: tracking(50), want: 50 },
    { name: 'step: the lowest scale-out threshold', rule: step({}, [90, 70]), want: 70 },
    { name: 'a floorTarget sizes the floors instead', rule: { ...tracking(50), floorTarget: 85 }, want: 85 },
    { name: 'a step rule’s floorTarget too', rule: { ...step({}, [90, 70]), floorTarget: 80 }, want: 80 },
  ])('utilisation target, $name', ({ rule, want }) => {
    expect(utilisationTarget(rule)).toBe(want);
  });

  it.each([
    { name: 'a per-unit Average is forecastable', rule: step(), refused: false },
    { name: 'a Maximum does not add up over units', rule: step({ statistic: 'Maximum' }), refused: true },
    { name: 'a percentile does not either', rule: step({ statistic: 'p95' }), refused: true },
    { name: 'nor a Sum', rule: step({ statistic: 'Sum' }), refused: true },
  ])('$name', ({ rule, refused }) => {
    expect(unforecastable(rule) !== undefined).toBe(refused);
  });

  it.each([
    { name: 'detailed monitoring (60 s) is read at 5 minutes', period: 60, want: 300 },
    { name: 'basic monitoring (300 s) at its own', period: 300, want: 300 },
    { name: 'an hourly metric at the hour', period: 3600, want: 3600 },
    // CloudWatch returns nothing older than 15 days at a period that is no multiple of 300 s (GetMetricData).
    {
      name: 'a 6-minute metric at 10 minutes (defect: its 32 days read at 360 s came back empty)',
      period: 360,
      want: 600,
    },
    { name: 'a 9-minute metric at 10 minutes', period: 540, want: 600 },
  ])('$name', ({ period, want }) => {
    expect(historyPeriodSeconds(step({ periodSeconds: period }))).toBe(want);
  });

  it('reads total load and reporting units from Sum and SampleCount (1-minute data in 5-minute periods)', () => {
    // 4 instances at 60%: five datapoints each per 5-minute period.
    const at = (i: number) => new Date(T0 + i * 5 * MIN);
    const history = loadHistory(
      step(),
      [
        { timestamp: at(0), value: 4 * 5 * 60 },
        { timestamp: at(1), value: 3 * 5 * 80 },
        { timestamp: at(2), value: 999 },
      ],
      [
        { timestamp: at(0), value: 20 },
        { timestamp: at(1), value: 15 },
        // period 2 has no count: a gap, not a load
      ],
    );
    expect(history).toEqual({ times: [T0, T0 + 5 * MIN], values: [240, 240], reporting: [4, 3] });
  });
});

describe('neededCapacity', () => {
  it.each([
    { name: 'ceil(point × 1.3 / 70)', point: 240, headroom: 1.3, rule: step(), want: 5 },
    {
      name: 'an exact fit stays exact (240 × 1.25 / 60 = 5)',
      point: 240,
      headroom: 1.25,
      rule: tracking(60),
      want: 5,
    },
    { name: 'no headroom', point: 140, headroom: 1, rule: step(), want: 2 },
    { name: 'a negative forecast needs nothing', point: -5, headroom: 1.3, rule: step(), want: 0 },
  ])('$name', ({ point, headroom, rule, want }) => {
    const needed = neededCapacity(
      [{ rule, forecast: forecast([point]), headroom }],
      [],
      new Date(T0 + 5 * MIN),
    );
    expect(needed.units).toEqual([want]);
  });

  // A headroom of ×2 over a forecast of 70, 70, 70, 350 (mean 140), at 70 a unit: the extra load is 70 at the
  // quiet steps and 350 at the peak, unless maxBufferOfMeanPercent limits it to that % of the mean.
  it.each([
    { name: 'null: no limit, the peak gets its ×2', limit: null, want: [2, 2, 2, 10], held: undefined },
    {
      name: '50% of the mean (70): the peak gets +70, the quiet steps keep theirs',
      limit: 50,
      want: [2, 2, 2, 6],
      held: { steps: 1, atMost: 70 },
    },
    {
      name: '200% of the mean (280): the peak gets +280',
      limit: 200,
      want: [2, 2, 2, 9],
      held: { steps: 1, atMost: 280 },
    },
    { name: '0%: no extra load anywhere', limit: 0, want: [1, 1, 1, 5], held: { steps: 4, atMost: 0 } },
    {
      name: 'a limit above every step’s extra changes nothing',
      limit: 1000,
      want: [2, 2, 2, 10],
      held: undefined,
    },
  ])('maxBufferOfMeanPercent $name', ({ limit, want, held }) => {
    const needed = neededCapacity(
      [{ rule: step(), forecast: forecast([70, 70, 70, 350]), headroom: 2 }],
      [],
      new Date(T0 + 20 * MIN),
      limit,
    );
    expect(needed.units).toEqual(want);
    // What the run's message tells: the steps the limit held, and the load it held them to.
    expect(needed.bufferLimited).toEqual(held ? [{ rule: 'cpu', ...held, percentOfMean: limit }] : undefined);
  });

  it('maxBufferOfMeanPercent: each step between the forecast alone and the unlimited headroom, monotone in the limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 12 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 500 }),
        (point, headroom, a, b) => {
          const until = new Date(T0 + point.length * 5 * MIN);
          const units = (h: number, limit: number | null) =>
            neededCapacity([{ rule: step(), forecast: forecast(point), headroom: h }], [], until, limit)
              .units;
          const alone = units(1, null);
          const free = units(headroom, null);
          const [low, high] = [units(headroom, Math.min(a, b)), units(headroom, Math.max(a, b))];
          low.forEach((u, i) => {
            expect(u).toBeGreaterThanOrEqual(alone[i] as number);
            expect(u).toBeLessThanOrEqual(high[i] as number);
            expect(high[i]).toBeLessThanOrEqual(free[i] as number);
          });
        },
      ),
      { seed: 22, numRuns: 200 },
    );
  });

  it('maxBufferOfMeanPercent reads each rule’s own forecast’s mean', () => {
    const memory = { ...tracking(70), name: 'memory' };
    const needed = neededCapacity(
      [
        { rule: step(), forecast: forecast([70, 70, 70, 350]), headroom: 2 },
        { rule: memory, forecast: forecast([280, 280, 280, 280]), headroom: 1.5 },
      ],
      [],
      new Date(T0 + 20 * MIN),
      50,
    );
    // cpu: +70 (50% of 140) at every step; memory: +140 (its ×1.5, under 50% of 280) at every step.
    expect(needed.units).toEqual([6, 6, 6, 6]);
  });

  it('takes the rule that needs the most at each step', () => {
    const memory = { ...tracking(50), name: 'memory' };
    const needed = neededCapacity(
      [
        { rule: step(), forecast: forecast([140, 700]), headroom: 1 },
        { rule: memory, forecast: forecast([400, 100]), headroom: 1 },
      ],
      [],
      new Date(T0 + 10 * MIN),
    );
    expect(needed.units).toEqual([8, 10]);
  });

  it.each([
    { name: 'units: at least that many inside the window', demand: { units: 6 }, want: [1, 1, 6, 6, 1] },
    { name: 'multiplier: the forecast load times it', demand: { multiplier: 3 }, want: [1, 1, 3, 3, 1] },
    {
      name: 'a multiplier under 1 never lowers the floor',
      demand: { multiplier: 0.5 },
      want: [1, 1, 1, 1, 1],
    },
  ])('known event, $name', ({ demand, want }) => {
    const needed = neededCapacity(
      [{ rule: step(), forecast: forecast([70, 70, 70, 70, 70]), headroom: 1 }],
      [event({ demand })],
      new Date(T0 + 25 * MIN),
    );
    expect(needed.units).toEqual(want);
  });

  it('events alone (no forecast): only their units', () => {
    const needed = eventOnlyCapacity(
      [event({ demand: { units: 6 } }), event({ name: 'other', demand: { multiplier: 2 } })],
      new Date(T0),
      5,
      new Date(T0 + 25 * MIN),
    );
    expect(needed.units).toEqual([0, 0, 6, 6, 0]);
  });

  it('an event concerns the targets it names, or every target', () => {
    const policy = validatePolicy({
      version: 1,
      targets: [
        {
          name: 'api',
          kind: 'asg',
          autoScalingGroupName: 'g',
          predictive: true,
          capacity: { min: 1, max: 9 },
          rules: [
            {
              name: 'cpu',
              type: 'target-tracking',
              target: 50,
              metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
            },
          ],
        },
      ],
      predictive: {
        events: [
          { name: 'all', start: '2026-12-01T00:00:00Z', end: '2026-12-01T01:00:00Z', demand: { units: 2 } },
          {
            name: 'api-only',
            start: '2026-12-01T00:00:00Z',
            end: '2026-12-01T01:00:00Z',
            demand: { units: 3 },
            targets: ['api'],
          },
        ],
      },
    });
    const api = policy.targets[0];
    if (!api) throw new Error('no target');
    expect(eventsFor(policy.predictive, api).map((e) => e.name)).toEqual(['all', 'api-only']);
    expect(eventsFor(policy.predictive, { ...api, name: 'web' }).map((e) => e.name)).toEqual(['all']);
  });
});

describe('floorSchedule', () => {
  const needed = (units: number[]) => ({ start: new Date(T0), stepMinutes: 5, units });

  it.each([
    { name: 'no lead: the need itself', lead: 0, want: [1, 1, 5, 5, 2, 2] },
    { name: 'a 5-minute warm-up raises one step early; the fall waits', lead: 300, want: [1, 5, 5, 5, 2, 2] },
    { name: 'a 15-minute replica delay: three steps early', lead: 900, want: [5, 5, 5, 5, 2, 2] },
    {
      name: 'a lead between steps rounds up (6 minutes: two steps)',
      lead: 360,
      want: [5, 5, 5, 5, 2, 2],
    },
    {
      name: 'a 10-minute hold keeps each need two steps longer',
      lead: 0,
      hold: 10,
      want: [1, 1, 5, 5, 5, 5],
    },
    { name: 'a hold and a lead together', lead: 300, hold: 5, want: [1, 5, 5, 5, 5, 2] },
  ])('$name', ({ lead, hold, want }) => {
    const floors = floorSchedule(needed([1, 1, 5, 5, 2, 2]), lead, 10, new Date(T0), 'test', hold);
    expect(floors?.units).toEqual(want);
  });

  it('floors a coarser forecast at 5 minutes: an hourly rise is met one lead early, not an hour early', () => {
    const hourly = { start: new Date(T0), stepMinutes: 60, units: [2, 8, 3] };
    const floors = floorSchedule(hourly, 300, 10, new Date(T0), 's');
    expect(floors?.stepMinutes).toBe(5);
    expect(floors?.units).toEqual([...Array(11).fill(2), ...Array(13).fill(8), ...Array(12).fill(3)]);
  });

  it('is capped at max and undefined when nothing is needed', () => {
    expect(floorSchedule(needed([3, 12]), 0, 8, new Date(T0), 's')?.units).toEqual([3, 8]);
    expect(floorSchedule(needed([0, 0]), 300, 8, new Date(T0), 's')).toBeUndefined();
  });

  it('covers every need within the lead after each step (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 3600 }),
        fc.integer({ min: 1, max: 20 }),
        (units, lead, max) => {
          const floors = floorSchedule(needed(units), lead, max, new Date(T0), 's');
          const k = Math.ceil(lead / 300);
          units.forEach((_, i) => {
            const floor = floors?.units[i] ?? 0;
            expect(floor).toBeLessThanOrEqual(max);
            for (let j = i; j <= Math.min(units.length - 1, i + k); j += 1)
              expect(floor).toBeGreaterThanOrEqual(Math.min(max, units[j] as number));
          });
        },
      ),
    );
  });
});

describe('leadSeconds', () => {
  const policy = validatePolicy({
    version: 1,
    targets: [
      {
        name: 'api',
        kind: 'asg',
        autoScalingGroupName: 'g',
        instanceWarmupSeconds: 240,
        capacity: { min: 1, max: 9 },
        rules: [
          {
            name: 'cpu',
            type: 'target-tracking',
            target: 50,
            metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
          },
        ],
      },
      {
        name: 'db',
        kind: 'rds-replicas',
        sourceDbInstanceIdentifier: 'db',
        capacity: { min: 1, max: 3 },
        rules: [
          {
            name: 'cpu',
            type: 'target-tracking',
            target: 50,
            metric: { namespace: 'AWS/RDS', name: 'CPUUtilization' },
          },
        ],
      },
    ],
    predictive: { provisioningMinutes: { 'rds-replicas': 20 } },
  });
  it.each([
    { name: 'a group: its instance warm-up', target: 0, want: 240 },
    { name: 'read replicas: the policy’s provisioning minutes', target: 1, want: 1200 },
  ])('$name', ({ target, want }) => {
    const t = policy.targets[target];
    if (!t) throw new Error('no target');
    expect(leadSeconds(t, policy.predictive)).toBe(want);
  });
  it('cache shards default to 10 minutes', () => {
    expect(policy.predictive.provisioningMinutes['cache-shards']).toBe(10);
  });
});
