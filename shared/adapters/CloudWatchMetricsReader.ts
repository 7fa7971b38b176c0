import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { MetricReading } from '../decision/types';
import { AwsCallError } from '../errors';
import type { MetricQuery, MetricsReader } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import { metricStat } from './cloudWatchMetric';

const QUERIES_PER_CALL = 250; // GetMetricData takes 500 queries; a percentOf metric needs two.

/** MetricsReader over CloudWatch GetMetricData: one call per 250 metrics, newest datapoint first. */
export class CloudWatchMetricsReader implements MetricsReader {
  private readonly client: CloudWatchClient;

  constructor(config: AwsConfig, client?: CloudWatchClient) {
    this.client = client ?? new CloudWatchClient(clientOptions(config));
  }

  async latest(queries: readonly MetricQuery[], now: Date, lookbackSeconds: number) {
    const result = new Map<string, MetricReading | undefined>(queries.map((q) => [q.id, undefined]));
    for (let i = 0; i < queries.length; i += QUERIES_PER_CALL) {
      const batch = queries.slice(i, i + QUERIES_PER_CALL);
      const idOf = new Map<string, string>();
      const dataQueries: MetricDataQuery[] = batch.flatMap((query, k) => {
        const statId = `m${k}`;
        const stat: MetricDataQuery = {
          Id: statId,
          MetricStat: metricStat(query.metric),
          ReturnData: query.metric.percentOf === undefined,
        };
        if (query.metric.percentOf === undefined) {
          idOf.set(statId, query.id);
          return [stat];
        }
        const exprId = `e${k}`;
        idOf.set(exprId, query.id);
        return [
          stat,
          { Id: exprId, Expression: `100 * ${statId} / ${query.metric.percentOf}`, ReturnData: true },
        ];
      });
      let nextToken: string | undefined;
      do {
        const response = await this.client
          .send(
            new GetMetricDataCommand({
              MetricDataQueries: dataQueries,
              StartTime: new Date(now.getTime() - lookbackSeconds * 1000),
              EndTime: now,
              ScanBy: 'TimestampDescending',
              NextToken: nextToken,
            }),
          )
          .catch((cause: unknown) => {
            throw new AwsCallError('CloudWatch GetMetricData', cause);
          });
        for (const series of response.MetricDataResults ?? []) {
          const id = series.Id ? idOf.get(series.Id) : undefined;
          if (!id) continue;
          const newest = newestPoint(series.Timestamps ?? [], series.Values ?? []);
          const known = result.get(id);
          if (newest && (!known || newest.timestamp > known.timestamp)) result.set(id, newest);
        }
        nextToken = response.NextToken;
      } while (nextToken);
    }
    return result;
  }
}

/**
 * The history of one metric between two instants, oldest first, as `timestamp,value` rows: paginated
 * GetMetricData (up to 100,800 datapoints a page). For backtests on the account's own history.
 */
export async function metricHistory(
  client: CloudWatchClient,
  metric: MetricQuery['metric'],
  start: Date,
  end: Date,
): Promise<{ time: number; value: number }[]> {
  const rows = new Map<number, number>();
  let nextToken: string | undefined;
  do {
    const page = await client
      .send(
        new GetMetricDataCommand({
          MetricDataQueries: [{ Id: 'm', MetricStat: metricStat(metric) }],
          StartTime: start,
          EndTime: end,
          ScanBy: 'TimestampAscending',
          NextToken: nextToken,
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('CloudWatch GetMetricData (history)', cause);
      });
    for (const series of page.MetricDataResults ?? []) {
      (series.Timestamps ?? []).forEach((t, i) => {
        const value = series.Values?.[i];
        if (value !== undefined && Number.isFinite(value)) rows.set(t.getTime(), value);
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return [...rows].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time, value }));
}

function newestPoint(timestamps: Date[], values: number[]): MetricReading | undefined {
  let best: MetricReading | undefined;
  timestamps.forEach((timestamp, i) => {
    const value = values[i];
    if (value === undefined || !Number.isFinite(value)) return;
    if (!best || timestamp > best.timestamp) best = { value, timestamp };
  });
  return best;
}
