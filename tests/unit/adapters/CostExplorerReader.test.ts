import {
  CostExplorerClient,
  DataUnavailableException,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
} from '@aws-sdk/client-cost-explorer';
import { beforeEach, describe, expect, it } from 'vitest';
import { CostExplorerReader } from '../../../shared/adapters/CostExplorerReader';
import { AwsCallError } from '../../../shared/errors';
import { mockedClient } from '../../harness/mockedClient';

// aws-sdk-client-mock, because moto has no GetCostForecast; GetCostAndUsage's pagination and tag groups are
// checked here too, with answers shaped like Cost Explorer's (moto's preloaded results are used in
// tests/integration/alertCost.test.ts).
const ce = mockedClient(CostExplorerClient);
const reader = () => new CostExplorerReader({ region: 'eu-west-1' }, ce as unknown as CostExplorerClient);
const money = (amount: number) => ({ UnblendedCost: { Amount: String(amount), Unit: 'USD' } });

beforeEach(() => ce.reset());

describe('CostExplorerReader', () => {
  it('reads the forecast of unblended cost for the rest of the month', async () => {
    ce.on(GetCostForecastCommand).resolves({ Total: { Amount: '2101.25', Unit: 'USD' } });
    expect(await reader().forecast('2026-11-22', '2026-12-01')).toBe(2101.25);
    expect(ce.commandCalls(GetCostForecastCommand)[0]?.args[0].input).toEqual({
      TimePeriod: { Start: '2026-11-22', End: '2026-12-01' },
      Metric: 'UNBLENDED_COST',
      Granularity: 'MONTHLY',
      Filter: { Not: { Dimensions: { Key: 'RECORD_TYPE', Values: ['Credit', 'Refund'] } } },
    });
  });

  // Defect: GetCostForecast answers DataUnavailableException ("Insufficient amount of historical data") while an
  // account is new; the error failed the whole run, so the daily-limit and anomaly alerts were never sent.
  it.each([
    {
      name: 'too little history (DataUnavailableException)',
      answer: () =>
        ce.on(GetCostForecastCommand).rejects(
          new DataUnavailableException({
            message: 'Insufficient amount of historical data',
            $metadata: {},
          }),
        ),
    },
    { name: 'an answer without a total', answer: () => ce.on(GetCostForecastCommand).resolves({}) },
  ])('has no forecast (NaN), and does not fail, on $name', async ({ answer }) => {
    answer();
    expect(await reader().forecast('2026-11-22', '2026-12-01')).toBeNaN();
  });

  it('any other forecast error still fails the run (Lambda retries it)', async () => {
    ce.on(GetCostForecastCommand).rejects(new Error('ThrottlingException: Rate exceeded'));
    await expect(reader().forecast('2026-11-22', '2026-12-01')).rejects.toThrow(AwsCallError);
  });

  it('adds up every page by service', async () => {
    ce.on(GetCostAndUsageCommand, { NextPageToken: undefined })
      .resolves({
        ResultsByTime: [
          {
            TimePeriod: { Start: '2026-11-21', End: '2026-11-22' },
            Groups: [{ Keys: ['Amazon EC2', 'Usage'], Metrics: money(100) }],
            Estimated: true,
          },
        ],
        NextPageToken: 'p2',
      })
      .on(GetCostAndUsageCommand, { NextPageToken: 'p2' })
      .resolves({
        ResultsByTime: [
          {
            TimePeriod: { Start: '2026-11-21', End: '2026-11-22' },
            Groups: [{ Keys: ['Amazon RDS', 'Usage'], Metrics: money(40.5) }],
            Estimated: true,
          },
        ],
      });
    expect(await reader().dailyCosts('2026-11-21', '2026-11-22')).toEqual([
      {
        date: '2026-11-21',
        total: 140.5,
        byService: { 'Amazon EC2': 100, 'Amazon RDS': 40.5 },
        estimated: true,
      },
    ]);
    // By service only, every page: each is a billed request, and nothing read the spend by tag (a second call).
    expect(ce.commandCalls(GetCostAndUsageCommand)).toHaveLength(2);
    expect(ce.commandCalls(GetCostAndUsageCommand)[0]?.args[0].input).toMatchObject({
      Granularity: 'DAILY',
      Metrics: ['UnblendedCost'],
      GroupBy: [
        { Type: 'DIMENSION', Key: 'SERVICE' },
        { Type: 'DIMENSION', Key: 'RECORD_TYPE' },
      ],
      Filter: { Not: { Dimensions: { Key: 'RECORD_TYPE', Values: ['Credit', 'Refund'] } } },
    });
  });

  // Defect: a day's spend was every charge Cost Explorer lists, by service: the monthly tax and support lines
  // and an upfront reservation fee on the 1st read as an anomaly of their "service" against a flat history,
  // every month, and a Savings Plans purchase as a day over the limit.
  it.each([
    {
      name: 'tax, support and an upfront fee: the month’s, not the day’s',
      groups: [
        { Keys: ['Amazon EC2', 'Usage'], Metrics: money(100) },
        { Keys: ['Tax', 'Tax'], Metrics: money(18) },
        { Keys: ['AWS Support (Business)', 'Support'], Metrics: money(100) },
        { Keys: ['Amazon EC2', 'Upfront'], Metrics: money(3000) },
        { Keys: ['Savings Plans for AWS Compute usage', 'SavingsPlanUpfrontFee'], Metrics: money(500) },
      ],
      want: { total: 100, byService: { 'Amazon EC2': 100 }, fees: 3618 },
    },
    {
      name: 'usage covered by a Savings Plan and its negation, a recurring fee: the day’s spend',
      groups: [
        { Keys: ['Amazon EC2', 'SavingsPlanCoveredUsage'], Metrics: money(50) },
        { Keys: ['Amazon EC2', 'SavingsPlanNegation'], Metrics: money(-50) },
        { Keys: ['Savings Plans for AWS Compute usage', 'SavingsPlanRecurringFee'], Metrics: money(30) },
        { Keys: ['Amazon RDS', 'RIFee'], Metrics: money(12) },
      ],
      want: {
        total: 42,
        byService: { 'Amazon EC2': 0, 'Savings Plans for AWS Compute usage': 30, 'Amazon RDS': 12 },
      },
    },
    {
      name: 'a group without a charge type (an answer grouped by service alone): the day’s spend',
      groups: [{ Keys: ['Amazon EC2'], Metrics: money(7) }],
      want: { total: 7, byService: { 'Amazon EC2': 7 } },
    },
  ])('$name', async ({ groups, want }) => {
    ce.on(GetCostAndUsageCommand).resolves({
      ResultsByTime: [
        { TimePeriod: { Start: '2026-12-01', End: '2026-12-02' }, Groups: groups, Estimated: false },
      ],
    });
    expect(await reader().dailyCosts('2026-12-01', '2026-12-02')).toEqual([
      { date: '2026-12-01', estimated: false, ...want },
    ]);
  });
});
