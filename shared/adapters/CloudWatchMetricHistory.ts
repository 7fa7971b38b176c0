import type { MetricReading } from '../decision/types';
import type { MetricHistoryReader, MetricQuery } from '../ports';
import type { AwsConfig } from './awsConfig';
import { CloudWatchMetricsReader } from './CloudWatchMetricsReader';
import type { IamActions } from './iamActions';

/** GetMetricData returns at most 100,800 datapoints a call; a batch is sized to stay within it. */
export const DATAPOINTS_PER_CALL = 100_800;

/** The IAM actions CloudWatchMetricHistory calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const cloudWatchMetricHistoryIam: IamActions = {
  // Its reads go through a CloudWatchMetricsReader it constructs.
  read: [],
  write: [],
};

/**
 * MetricHistoryReader over CloudWatch GetMetricData: the queries in batches of as many series as fit in
 * 100,800 datapoints (14 days at 5 minutes: 25 series a call), each batch one call.
 */
export class CloudWatchMetricHistory implements MetricHistoryReader {
  constructor(
    config: AwsConfig,
    private readonly reader = new CloudWatchMetricsReader(config),
  ) {}

  async history(
    queries: readonly MetricQuery[],
    start: Date,
    end: Date,
  ): Promise<ReadonlyMap<string, readonly MetricReading[]>> {
    const result = new Map<string, MetricReading[]>();
    for (const batch of historyBatches(queries, start, end))
      for (const [id, points] of await this.reader.datapoints(batch, start, end)) result.set(id, points);
    return result;
  }
}

/** The queries cut into batches of at most 100,800 datapoints between `start` and `end` (at least one query each). */
export function historyBatches(queries: readonly MetricQuery[], start: Date, end: Date): MetricQuery[][] {
  const seconds = (end.getTime() - start.getTime()) / 1000;
  const batches: MetricQuery[][] = [];
  let batch: MetricQuery[] = [];
  let points = 0;
  for (const query of queries) {
    const count = Math.ceil(seconds / query.metric.periodSeconds);
    if (batch.length > 0 && (points + count > DATAPOINTS_PER_CALL || batch.length >= 250)) {
      batches.push(batch);
      batch = [];
      points = 0;
    }
    batch.push(query);
    points += count;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
