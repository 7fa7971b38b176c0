import type { Emulator } from '../../bin/lib/emulator';

/**
 * In-region p50 latencies (ms) the run's time is modelled with, per operation: the emulator answers at its
 * own pace (moto copies its DynamoDB table on every transaction), so the function's deadline is judged on
 * the time the same calls would take against AWS.
 */
export const AWS_LATENCY_MS: Record<string, number> = {
  GetItem: 8,
  PutItem: 10,
  UpdateItem: 10,
  Query: 12,
  BatchGetItem: 20,
  BatchWriteItem: 30,
  TransactWriteItems: 30,
  DescribeAutoScalingGroups: 200,
  DescribeInstanceRefreshes: 100,
  SetDesiredCapacity: 150,
  DescribeDBInstances: 250,
  DescribeDBClusters: 250,
  CreateDBInstanceReadReplica: 400,
  DescribeReplicationGroups: 250,
  DescribeCacheClusters: 250,
  DescribeEvents: 200,
  DescribeScalableTargets: 150,
  ListTagsForResource: 100,
  ModifyReplicationGroupShardConfiguration: 400,
  GetMetricData: 250,
  GetParameter: 25,
  Publish: 40,
  PublishBatch: 50,
  SendMessage: 20,
};
const DEFAULT_LATENCY_MS = 100;

/**
 * How many of an operation's calls the walk has in flight at once (leaseTargets' WRITES_IN_FLIGHT for the
 * per-target writes, AutoScalingCapacity's eight refresh reads, DynamoLedger's four batches); one otherwise.
 */
export const IN_FLIGHT: Record<string, number> = {
  UpdateItem: 12,
  TransactWriteItems: 12,
  SetDesiredCapacity: 12,
  CreateDBInstanceReadReplica: 12,
  ModifyReplicationGroupShardConfiguration: 12,
  DescribeInstanceRefreshes: 8,
  BatchGetItem: 4,
  BatchWriteItem: 4,
  PutItem: 12,
};

/** The time the calls the emulator has seen since `from` would take against AWS, by the model above. */
export function modelledAwsMs(emulator: Emulator, from: number): number {
  return emulator
    .actions()
    .slice(from)
    .reduce((ms, op) => ms + (AWS_LATENCY_MS[op] ?? DEFAULT_LATENCY_MS) / (IN_FLIGHT[op] ?? 1), 0);
}
