import {
  CostExplorerClient,
  DataUnavailableException,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
} from '@aws-sdk/client-cost-explorer';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CostExplorerReader } from '../../../shared/adapters/CostExplorerReader';
import { AwsCallError } from '../../../shared/errors';

// aws-sdk-client-mock, because moto has no GetCostForecast; GetCostAndUsage's pagination and tag groups are
// checked here too, with answers shaped like Cost Explorer's (moto's preloaded results are used in
// tests/integration/alertCost.test.ts).
const ce = mockClient(CostExplorerClient);
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
    ce.on(GetCostAndUsageCommand, {
      GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
      NextPageToken: undefined,
    })
      .resolves({
        ResultsByTime: [
          {
            TimePeriod: { Start: '2026-11-21', End: '2026-11-22' },
            Groups: [{ Keys: ['Amazon EC2'], Metrics: money(100) }],
            Estimated: true,
          },
        ],
        NextPageToken: 'p2',
      })
      .on(GetCostAndUsageCommand, { GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }], NextPageToken: 'p2' })
      .resolves({
        ResultsByTime: [
          {
            TimePeriod: { Start: '2026-11-21', End: '2026-11-22' },
            Groups: [{ Keys: ['Amazon RDS'], Metrics: money(40.5) }],
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
    });
  });
});
