import { describe, expect, it } from 'vitest';
import { addDays, comparedDays, evaluateCosts, newestCompleteDay } from '../../../shared/cost/evaluateCosts';
import type { DailyCost, MonthForecast, ScalingCost } from '../../../shared/cost/types';
import { CostSchema } from '../../../shared/policy/schema';

const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const RDS = 'Amazon Relational Database Service';
const LAMBDA = 'AWS Lambda';
const S3 = 'Amazon Simple Storage Service';
const DAY = '2026-11-21'; // yesterday, for a run at 08:00 UTC on the 22nd
const NOW = new Date('2026-11-22T08:00:00Z');

const cost = (extra: object = {}) =>
  CostSchema.parse({
    dailyLimitUsd: 250,
    anomaly: { trailingDays: 14, minRisePercent: 50, zScore: 3, minAbsoluteUsd: 10 },
    ...extra,
  });

function day(date: string, byService: Record<string, number>, estimated = false): DailyCost {
  return {
    date,
    total: Object.values(byService).reduce((a, b) => a + b, 0),
    byService,
    estimated,
  };
}

/** 14 ordinary days before DAY: EC2 95/100/105, RDS 40, Lambda $0.10, S3 alternating 10/50 (noisy). */
const trailing = (count = 14) =>
  Array.from({ length: count }, (_, i) =>
    day(addDays(DAY, -1 - i), {
      [EC2]: 100 + ((i % 3) - 1) * 5,
      [RDS]: 40,
      [LAMBDA]: 0.1,
      [S3]: i % 2 ? 10 : 50,
    }),
  );
const normal = { [EC2]: 104, [RDS]: 40, [LAMBDA]: 0.1, [S3]: 30 };

/** The hourly forecast check against a $6,000 budget. */
const forecastCheck = (forecast?: MonthForecast) =>
  evaluateCosts({
    cost: cost({ monthlyBudgetUsd: 6000 }),
    now: NOW,
    check: 'forecast',
    days: [],
    scaling: {},
    region: 'us-east-1',
    ...(forecast ? { forecast } : {}),
  });

describe('newestCompleteDay: Cost Explorer lags, so only days over long enough are compared', () => {
  it.each([
    { name: '08:00, 6 h after: yesterday', now: '2026-11-22T08:00:00Z', hours: 6, day: '2026-11-21' },
    { name: '05:59, 6 h after: the day before', now: '2026-11-22T05:59:00Z', hours: 6, day: '2026-11-20' },
    { name: '06:00 exactly: yesterday', now: '2026-11-22T06:00:00Z', hours: 6, day: '2026-11-21' },
    {
      name: '24 h after: the day before yesterday',
      now: '2026-11-22T08:00:00Z',
      hours: 24,
      day: '2026-11-20',
    },
  ])('$name', ({ now, hours, day: expected }) => {
    expect(newestCompleteDay(new Date(now), hours)).toBe(expected);
  });
});

describe('comparedDays: a day is compared again while Cost Explorer may still be filling it in', () => {
  it.each([
    {
      name: '08:00, 6 h after: yesterday and the day before',
      now: '2026-11-22T08:00:00Z',
      hours: 6,
      days: ['2026-11-20', '2026-11-21'],
    },
    {
      name: '05:59, yesterday not yet complete: the two days before it',
      now: '2026-11-22T05:59:00Z',
      hours: 6,
      days: ['2026-11-19', '2026-11-20'],
    },
    {
      name: '06:00 exactly: yesterday and the day before',
      now: '2026-11-22T06:00:00Z',
      hours: 6,
      days: ['2026-11-20', '2026-11-21'],
    },
    {
      name: '30 h after (first compared the day before yesterday): that day and the one before',
      now: '2026-11-22T08:00:00Z',
      hours: 30,
      days: ['2026-11-19', '2026-11-20'],
    },
    {
      name: '0 h, late in the day: yesterday and the day before, never today',
      now: '2026-11-22T23:59:00Z',
      hours: 0,
      days: ['2026-11-20', '2026-11-21'],
    },
    {
      name: 'across a month end: the last two days of the month',
      now: '2026-12-01T08:00:00Z',
      hours: 6,
      days: ['2026-11-29', '2026-11-30'],
    },
    {
      name: 'the next morning: the previous run’s newest day is compared a second and last time',
      now: '2026-11-23T08:00:00Z',
      hours: 6,
      days: ['2026-11-21', '2026-11-22'],
    },
  ])('$name', ({ now, hours, days }) => {
    expect(comparedDays(new Date(now), hours)).toEqual(days);
  });

  const BEFORE = addDays(DAY, -1); // the day before yesterday, compared a second time at 08:00
  const quiet = (d: string) => day(d, normal); // $174.10
  const over = (d: string) => day(d, { ...normal, [EC2]: 190 }); // $260.10: over the $250 limit
  const quietBefore = (d: string) =>
    trailing()
      .map((t) => quiet(t.date))
      .filter((t) => t.date < d);
  it.each([
    {
      name: 'the day before yesterday rose past the limit since its first comparison: alerted, on its day',
      days: [...quietBefore(BEFORE), over(BEFORE), quiet(DAY)],
      alerts: [`${BEFORE} daily-limit`],
    },
    {
      name: 'both days over: one alert for each day, the older first',
      days: [...quietBefore(BEFORE), over(BEFORE), over(DAY)],
      alerts: [`${BEFORE} daily-limit`, `${DAY} daily-limit`],
    },
    {
      name: 'three days back is no longer compared, however far it rose',
      days: [...quietBefore(addDays(DAY, -2)), over(addDays(DAY, -2)), quiet(BEFORE), quiet(DAY)],
      alerts: [],
    },
    {
      name: 'the day before yesterday missing: yesterday still compared, and a note says why',
      days: [...quietBefore(BEFORE), over(DAY)],
      alerts: [`${DAY} daily-limit`],
      note: `no Cost Explorer data for ${BEFORE} (compared again while Cost Explorer may still be filling it in): no daily alert`,
    },
    {
      name: 'yesterday missing: the day before yesterday still compared, and a note says why',
      days: [...quietBefore(BEFORE), over(BEFORE)],
      alerts: [`${BEFORE} daily-limit`],
      note: `no Cost Explorer data for ${DAY} (the newest day complete 6 h after its end): no daily alert`,
    },
  ] as { name: string; days: DailyCost[]; alerts: string[]; note?: string }[])(
    '$name',
    ({ days, alerts, note }) => {
      // A rise of 500% at least: this table is about the daily limit, not the anomaly check.
      const result = evaluateCosts({
        cost: cost({ anomaly: { trailingDays: 14, minRisePercent: 500, zScore: 3, minAbsoluteUsd: 10 } }),
        now: NOW,
        check: 'daily',
        days,
        scaling: {},
        region: 'us-east-1',
      });
      expect(result.compared).toEqual([BEFORE, DAY]);
      expect(result.alerts.map((a) => `${a.day} ${a.key}`)).toEqual(alerts);
      if (note) expect(result.notes).toContain(note);
    },
  );
});

describe('evaluateCosts', () => {
  it.each([
    { name: 'a normal day: no alert', days: [...trailing(), day(DAY, normal)], alerts: [] },
    {
      name: 'over the daily limit (the seeds’ daily_cost > threshold)',
      policy: cost({ dailyLimitUsd: 150 }),
      days: [...trailing(), day(DAY, { ...normal, [EC2]: 110 })],
      alerts: ['daily-limit'],
    },
    {
      name: 'EC2 +70%: an anomaly, under the limit',
      days: [...trailing(), day(DAY, { ...normal, [EC2]: 170 })],
      alerts: [`anomaly:${EC2}`],
    },
    {
      name: 'tiny amounts: Lambda $0.10 → $0.30 (+200%) is below the minimum rise',
      days: [...trailing(), day(DAY, { ...normal, [LAMBDA]: 0.3 })],
      alerts: [],
    },
    {
      name: 'a noisy service inside its z-score: S3 $70 against 10/50 (+133%, z = 2)',
      days: [...trailing(), day(DAY, { ...normal, [S3]: 70 })],
      alerts: [],
    },
    {
      name: 'a rise inside the percentage: EC2 $112 (+12%)',
      days: [...trailing(), day(DAY, { ...normal, [EC2]: 112 })],
      alerts: [],
    },
    {
      name: 'a new service above the minimum rise',
      days: [...trailing(), day(DAY, { ...normal, 'Amazon SageMaker': 25 })],
      alerts: ['anomaly:Amazon SageMaker'],
    },
    {
      name: 'over the limit and anomalous: both, one alert each',
      days: [...trailing(), day(DAY, { ...normal, [EC2]: 260 })],
      alerts: ['daily-limit', `anomaly:${EC2}`],
    },
    {
      name: 'the day is missing: no alert, and a note says why',
      days: trailing(),
      alerts: [],
      note: `no Cost Explorer data for ${DAY}`,
    },
    {
      name: 'an empty day from Cost Explorer is missing data, not a free day',
      days: [...trailing(), day(DAY, {})],
      alerts: [],
      note: `no Cost Explorer data for ${DAY}`,
    },
    {
      name: 'yesterday still partial at 03:00: the day before is compared, yesterday is not',
      now: new Date('2026-11-22T03:00:00Z'),
      days: [...trailing(), day(DAY, { ...normal, [EC2]: 500 })],
      alerts: [],
      compared: addDays(DAY, -1),
    },
    {
      name: 'two days of history: no anomaly check, and a note',
      days: [...trailing(2), day(DAY, { ...normal, [EC2]: 170 })],
      alerts: [],
      note: 'only 2 trailing day(s)',
    },
    {
      name: 'the cost of scaling over its limit',
      policy: cost({ scalingDailyLimitUsd: 1 }),
      days: [...trailing(), day(DAY, normal)],
      scaling: [
        {
          target: 'api',
          kind: 'asg',
          unitHours: 48,
          unit: 'instance',
          unitType: 't3.medium',
          usdPerUnitHour: 0.0416,
          usd: 1.9968,
        },
      ],
      alerts: ['scaling-cost'],
    },
  ] as {
    name: string;
    policy?: ReturnType<typeof cost>;
    now?: Date;
    days: DailyCost[];
    scaling?: ScalingCost[];
    alerts: string[];
    note?: string;
    compared?: string;
  }[])('$name', ({ policy, now, days, scaling, alerts, note, compared }) => {
    const newest = compared ?? DAY;
    const result = evaluateCosts({
      cost: policy ?? cost(),
      now: now ?? NOW,
      check: 'daily',
      days,
      scaling: { [newest]: scaling ?? [] },
      region: 'us-east-1',
    });
    // Each row is about the newest complete day; the day before it, compared again, has its table above.
    expect(result.alerts.filter((a) => a.day === newest).map((a) => a.key)).toEqual(alerts);
    if (note) expect(result.notes.join('\n')).toContain(note);
    // Every row names its day, with Cost Explorer's figures for it or without (the missing-day rows).
    expect(result.day).toBe(newest);
  });

  it.each([
    {
      name: 'month-end forecast over the budget',
      forecast: { month: '2026-11', monthToDate: 4200, remaining: 2000 },
      alerts: ['forecast'],
    },
    {
      name: 'month-end forecast within the budget',
      forecast: { month: '2026-11', monthToDate: 4000, remaining: 1900 },
      alerts: [],
    },
    {
      name: 'no forecast from Cost Explorer: no alert, a note',
      forecast: undefined,
      alerts: [],
      note: 'no month-end forecast',
    },
  ] as { name: string; forecast?: MonthForecast; alerts: string[]; note?: string }[])(
    'forecast check: $name',
    ({ forecast, alerts, note }) => {
      const result = forecastCheck(forecast);
      expect(result.alerts.map((a) => a.key)).toEqual(alerts);
      if (alerts.length) expect(result.alerts[0]?.day).toBe('2026-11-22');
      if (note) expect(result.notes.join('\n')).toContain(note);
    },
  );
});

describe('the words of an alert (snapshot)', () => {
  it('daily limit: the figure, the limit, the top movers, the cost of scaling and the link', () => {
    const result = evaluateCosts({
      cost: cost({ dailyLimitUsd: 150 }),
      now: NOW,
      check: 'daily',
      days: [...trailing(), day(DAY, { ...normal, [EC2]: 180.4 }, true)],
      scaling: {
        [DAY]: [
          {
            target: 'api',
            kind: 'asg',
            unitHours: 26.5,
            unit: 'instance',
            unitType: 't3.medium',
            usdPerUnitHour: 0.0416,
            usd: 1.1024,
          },
          {
            target: 'events-db',
            kind: 'rds-replicas',
            unitHours: 0,
            unit: 'read replica',
            note: 'no price: set replicaInstanceClass on the target',
          },
        ],
      },
      region: 'us-east-1',
    });
    const [limit, anomaly] = result.alerts.filter((a) => a.day === DAY);
    expect(limit?.subject).toMatchInlineSnapshot(
      `"Scalepilot cost: $250.50 on 2026-11-21, over the $150.00 daily limit"`,
    );
    expect(limit?.text).toMatchInlineSnapshot(`
      "Spend on 2026-11-21 (UTC): $250.50, over the daily limit of $150.00 by $100.50 (+67.0%).

      Top services that day (change against the trailing mean):
        Amazon Elastic Compute Cloud - Compute      $180.40      +$80.76
        Amazon Relational Database Service           $40.00       +$0.00
        Amazon Simple Storage Service                $30.00       +$0.00
        AWS Lambda                                    $0.10       +$0.00

      Scalepilot's own scaling that day (capacity above each minimum):
        api: 26.5 instance-hours × $0.0416 (t3.medium) = $1.10
        events-db: 0.0 read replica-hours (no price: set replicaInstanceClass on the target)

      Cost Explorer still marks these figures as estimated.

      Cost Explorer: https://console.aws.amazon.com/costmanagement/home#/cost-explorer?chartStyle=STACK&costAggregate=unBlendedCost&granularity=Daily&groupBy=%5B%22Service%22%5D&startDate=2026-11-07&endDate=2026-11-21"
    `);
    expect(anomaly?.subject).toMatchInlineSnapshot(
      `"Scalepilot cost anomaly: Amazon Elastic Compute Cloud - Compute $180.40 on 2026-11-21"`,
    );
    expect(anomaly?.text.split('\n')[0]).toMatchInlineSnapshot(
      `"Amazon Elastic Compute Cloud - Compute cost $180.40 against a 14-day mean of $99.64 (+81%, z = 20.2, +$80.76) on 2026-11-21 (UTC)."`,
    );
  });

  it('forecast: month to date, the forecast of the rest, the budget', () => {
    const [alert] = forecastCheck({ month: '2026-11', monthToDate: 4210.5, remaining: 2101.25 }).alerts;
    expect(alert?.subject).toMatchInlineSnapshot(
      `"Scalepilot cost: month-end forecast $6,311.75 for 2026-11, over the $6,000.00 budget"`,
    );
    expect(alert?.text).toMatchInlineSnapshot(`
      "Month-end forecast for 2026-11: $6,311.75 ($4,210.50 spent so far + $2,101.25 forecast by Cost Explorer to the end of the month), over the monthly budget of $6,000.00 by $311.75 (+5.2%).

      Cost Explorer: https://console.aws.amazon.com/costmanagement/home#/cost-explorer?chartStyle=STACK&costAggregate=unBlendedCost&granularity=Daily&groupBy=%5B%22Service%22%5D&startDate=2026-11-01&endDate=2026-11-22"
    `);
  });
});
