// `scalepilot costs` reads Cost Explorer once, and its reader answers only from that read: the read began at the
// trailing window before the oldest day shown, so with `--days 1` late in a month the forecast's month-to-date
// lacked the month's first days ($1,600 of $2,900: it could say "within budget" where the function alerts).
// aws-sdk-client-mock: moto has no GetCostForecast, and the deployed function's configuration is read too.
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  type GetCostAndUsageCommandInput,
  GetCostForecastCommand,
} from '@aws-sdk/client-cost-explorer';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { costsReport } from '../../../bin/lib/costsCommand';
import { addDays } from '../../../shared/cost/evaluateCosts';
import type { Policy } from '../../../shared/policy/schema';
import { examplePolicy } from '../../harness/fixtures';
import { mockedClient } from '../../harness/mockedClient';

const lambda = mockedClient(LambdaClient);
const ce = mockedClient(CostExplorerClient);
afterEach(() => {
  lambda.reset();
  ce.reset();
});

describe('scalepilot costs: the forecast’s month-to-date', () => {
  it.each([1, 7])('with --days %i, counts every day of the month so far (100 USD a day)', async (days) => {
    lambda
      .on(GetFunctionConfigurationCommand)
      .resolves({ Environment: { Variables: { LEDGER_TABLE: 't', SCALEPILOT_SCOPE: 's' } } });
    ce.on(GetCostAndUsageCommand).callsFake(async (input: GetCostAndUsageCommandInput) => {
      const start = input.TimePeriod?.Start as string;
      const end = input.TimePeriod?.End as string;
      const results = [];
      for (let d = start; d < end; d = addDays(d, 1))
        results.push({
          TimePeriod: { Start: d, End: addDays(d, 1) },
          Groups: [{ Keys: ['Amazon EC2'], Metrics: { UnblendedCost: { Amount: '100', Unit: 'USD' } } }],
          Estimated: false,
        });
      return { ResultsByTime: results };
    });
    ce.on(GetCostForecastCommand).resolves({ Total: { Amount: '100', Unit: 'USD' } });
    const policy: Policy = { ...examplePolicy(), targets: [] };
    const report = await costsReport(policy, policy.cost as NonNullable<Policy['cost']>, {
      aws: { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } },
      stage: 'dev',
      days,
      now: new Date('2025-01-30T10:00:00Z'),
      ledger: { decisions: async () => [] } as never,
    });
    expect(report.forecast?.forecast?.monthToDate).toBe(29 * 100);
  });
});
