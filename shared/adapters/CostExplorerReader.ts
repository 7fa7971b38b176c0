import {
  CostExplorerClient,
  DataUnavailableException,
  GetCostAndUsageCommand,
  type GetCostAndUsageCommandOutput,
  GetCostForecastCommand,
  type GroupDefinition,
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
 * CostReader over Cost Explorer: daily unblended cost grouped by service (one paginated GetCostAndUsage call:
 * each page is a billed request), and GetCostForecast. Cost Explorer is served from us-east-1 whatever the region.
 */
export class CostExplorerReader implements CostReader {
  private readonly client: CostExplorerClient;

  constructor(config: AwsConfig, client?: CostExplorerClient) {
    this.client = client ?? new CostExplorerClient(clientOptions({ ...config, region: 'us-east-1' }));
  }

  async dailyCosts(start: string, end: string): Promise<DailyCost[]> {
    const byService = await this.grouped(start, end, { Type: 'DIMENSION', Key: 'SERVICE' });
    return [...byService.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([date, day]) => ({
        date,
        total: Object.values(day.groups).reduce((a, b) => a + b, 0),
        byService: day.groups,
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
        }),
      )
      .catch((cause: unknown) => {
        if (cause instanceof DataUnavailableException) return undefined;
        throw new AwsCallError('Cost Explorer GetCostForecast', cause);
      });
    return Number(response?.Total?.Amount ?? Number.NaN);
  }

  private async grouped(start: string, end: string, groupBy: GroupDefinition) {
    const days = new Map<string, { groups: Record<string, number>; estimated: boolean }>();
    let token: string | undefined;
    do {
      const page: GetCostAndUsageCommandOutput = await this.client
        .send(
          new GetCostAndUsageCommand({
            TimePeriod: { Start: start, End: end },
            Granularity: 'DAILY',
            Metrics: ['UnblendedCost'],
            GroupBy: [groupBy],
            NextPageToken: token,
          }),
        )
        .catch((cause: unknown) => {
          throw new AwsCallError(`Cost Explorer GetCostAndUsage (by ${groupBy.Key})`, cause);
        });
      for (const result of page.ResultsByTime ?? []) {
        const date = result.TimePeriod?.Start;
        if (!date) continue;
        const day = days.get(date) ?? { groups: {}, estimated: Boolean(result.Estimated) };
        for (const group of result.Groups ?? []) {
          const key = group.Keys?.[0] ?? '';
          const amount = Number(group.Metrics?.UnblendedCost?.Amount ?? 0);
          if (Number.isFinite(amount)) day.groups[key] = (day.groups[key] ?? 0) + amount;
        }
        days.set(date, day);
      }
      token = page.NextPageToken;
    } while (token);
    return days;
  }
}
