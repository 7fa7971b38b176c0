import {
  CostExplorerClient,
  DataUnavailableException,
  type Expression,
  GetCostAndUsageCommand,
  type GetCostAndUsageCommandOutput,
  GetCostForecastCommand,
} from '@aws-sdk/client-cost-explorer';
import type { DailyCost } from '../cost/types';
import { AwsCallError } from '../errors';
import type { CostReader } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';

/** The IAM actions CostExplorerReader calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const costExplorerReaderIam: IamActions = {
  read: ['ce:GetCostAndUsage', 'ce:GetCostForecast'],
  write: [],
};

/**
 * Charge types left out of the bill entirely: credits and refunds (as AWS Budgets leaves them out by default), so
 * a promotional credit running out is no anomaly and a refund hides no rise.
 */
const NOT_SPEND: Expression = {
  Not: { Dimensions: { Key: 'RECORD_TYPE', Values: ['Credit', 'Refund'] } },
};
/**
 * Charge types that are billed, but not for that day's use: tax, support and upfront reservation or Savings Plans
 * fees land on one day a month (or of a purchase). They count toward the month, not toward a day's spend or a
 * service's anomaly (a monthly tax line on the 1st against a flat history would alert every month).
 */
const FEE_RECORD_TYPES: ReadonlySet<string> = new Set(['Tax', 'Support', 'Upfront', 'SavingsPlanUpfrontFee']);

/**
 * CostReader over Cost Explorer: daily unblended cost grouped by service and charge type (one paginated
 * GetCostAndUsage call: each page is a billed request), and GetCostForecast. Cost Explorer is served from
 * us-east-1 whatever the region.
 */
export class CostExplorerReader implements CostReader {
  private readonly client: CostExplorerClient;

  constructor(config: AwsConfig, client?: CostExplorerClient) {
    this.client = client ?? new CostExplorerClient(clientOptions({ ...config, region: 'us-east-1' }));
  }

  async dailyCosts(start: string, end: string): Promise<DailyCost[]> {
    const byService = await this.grouped(start, end);
    return [...byService.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([date, day]) => ({
        date,
        total: Object.values(day.groups).reduce((a, b) => a + b, 0),
        byService: day.groups,
        ...(day.fees !== 0 ? { fees: day.fees } : {}),
        estimated: day.estimated,
      }));
  }

  /**
   * NaN when Cost Explorer has no forecast: it answers DataUnavailableException while the account has too
   * little history (a new account), and that is no failure of the run; any other error is thrown.
   */
  async forecast(start: string, end: string): Promise<number> {
    const response = await this.client
      .send(
        new GetCostForecastCommand({
          TimePeriod: { Start: start, End: end },
          Metric: 'UNBLENDED_COST',
          Granularity: 'MONTHLY',
          Filter: NOT_SPEND,
        }),
      )
      .catch((cause: unknown) => {
        if (cause instanceof DataUnavailableException) return undefined;
        throw new AwsCallError('Cost Explorer GetCostForecast', cause);
      });
    return Number(response?.Total?.Amount ?? Number.NaN);
  }

  /** Each day's spend by service, and its fees apart (a group without a charge type counts as spend). */
  private async grouped(start: string, end: string) {
    const days = new Map<string, { groups: Record<string, number>; fees: number; estimated: boolean }>();
    let token: string | undefined;
    do {
      const page: GetCostAndUsageCommandOutput = await this.client
        .send(
          new GetCostAndUsageCommand({
            TimePeriod: { Start: start, End: end },
            Granularity: 'DAILY',
            Metrics: ['UnblendedCost'],
            GroupBy: [
              { Type: 'DIMENSION', Key: 'SERVICE' },
              { Type: 'DIMENSION', Key: 'RECORD_TYPE' },
            ],
            Filter: NOT_SPEND,
            NextPageToken: token,
          }),
        )
        .catch((cause: unknown) => {
          throw new AwsCallError('Cost Explorer GetCostAndUsage (by SERVICE and RECORD_TYPE)', cause);
        });
      for (const result of page.ResultsByTime ?? []) {
        const date = result.TimePeriod?.Start;
        if (!date) continue;
        const day = days.get(date) ?? { groups: {}, fees: 0, estimated: Boolean(result.Estimated) };
        for (const group of result.Groups ?? []) {
          const [service = '', recordType] = group.Keys ?? [];
          const amount = Number(group.Metrics?.UnblendedCost?.Amount ?? 0);
          if (!Number.isFinite(amount)) continue;
          if (recordType !== undefined && FEE_RECORD_TYPES.has(recordType)) day.fees += amount;
          else day.groups[service] = (day.groups[service] ?? 0) + amount;
        }
        days.set(date, day);
      }
      token = page.NextPageToken;
    } while (token);
    return days;
  }
}
