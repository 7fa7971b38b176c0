import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { MetricReading } from '../decision/types';
import { AwsCallError } from '../errors';
import type { MetricQuery, MetricsRead, MetricsReader } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import { metricStat } from './cloudWatchMetric';
import type { IamActions } from './iamActions';

const QUERIES_PER_CALL = 250; // GetMetricData takes 500 queries; a percentOf metric needs two.

/** The IAM actions CloudWatchMetricsReader calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const cloudWatchMetricsReaderIam: IamActions = {
  read: ['cloudwatch:GetMetricData'],
  write: [],
};

/** MetricsReader over CloudWatch GetMetricData: one call per 250 metrics (and per page of datapoints). */
export class CloudWatchMetricsReader implements MetricsReader {
  private readonly client: CloudWatchClient;

  constructor(config: AwsConfig, client?: CloudWatchClient) {
    this.client = client ?? new CloudWatchClient(clientOptions(config));
  }

  /**
   * Each batch of queries is read on its own, so one failed call leaves only its queries without data.
   * The start is aligned to the periods (CloudWatch buckets from period boundaries; an unaligned start
   * shifts every bucket), and the period still in progress is dropped: its partial Sum would read low.
   */
  async recent(queries: readonly MetricQuery[], now: Date, lookbackSeconds: number): Promise<MetricsRead> {
    const step = alignment(queries) * 1000;
    const start = new Date(Math.floor((now.getTime() - lookbackSeconds * 1000) / step) * step);
    const values = new Map<string, MetricReading[]>();
    const failures: { ids: string[]; error: unknown }[] = [];
    for (let i = 0; i < queries.length; i += QUERIES_PER_CALL) {
      const batch = queries.slice(i, i + QUERIES_PER_CALL);
      try {
        const points = await this.datapoints(batch, start, now);
        for (const query of batch) {
          const period = query.metric.periodSeconds * 1000;
          const complete = (points.get(query.id) ?? []).filter(
            (p) => p.timestamp.getTime() + period <= now.getTime(),
          );
          values.set(query.id, complete);
        }
      } catch (error) {
        failures.push({ ids: batch.map((q) => q.id), error });
      }
    }
    return { values, failures };
  }

  /**
   * Every datapoint of each query between two instants, oldest first (a query with none maps to `[]`).
   * `percentOf` metrics come back as percentages, computed by CloudWatch metric math like their alarms.
   */
  async datapoints(
    queries: readonly MetricQuery[],
    start: Date,
    end: Date,
  ): Promise<Map<string, MetricReading[]>> {
    const result = new Map<string, MetricReading[]>(queries.map((q) => [q.id, []]));
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
              StartTime: start,
              EndTime: end,
              ScanBy: 'TimestampAscending',
              NextToken: nextToken,
            }),
          )
          .catch((cause: unknown) => {
            throw new AwsCallError('CloudWatch GetMetricData', cause);
          });
        for (const series of response.MetricDataResults ?? []) {
          const id = series.Id ? idOf.get(series.Id) : undefined;
          if (id) result.get(id)?.push(...readings(series.Timestamps ?? [], series.Values ?? []));
        }
        nextToken = response.NextToken;
      } while (nextToken);
    }
    for (const points of result.values())
      points.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
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

function readings(timestamps: Date[], values: number[]): MetricReading[] {
  return timestamps.flatMap((timestamp, i) => {
    const value = values[i];
    return value !== undefined && Number.isFinite(value) ? [{ value, timestamp }] : [];
  });
}

/** A start aligned to this many seconds is aligned to every query's period (their least common multiple, up to a day). */
function alignment(queries: readonly MetricQuery[]): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let lcm = 60;
  for (const q of queries) {
    const next = (lcm * q.metric.periodSeconds) / gcd(lcm, q.metric.periodSeconds);
    if (next > 86_400) return 60;
    lcm = next;
  }
  return lcm;
}
