import { elastiCacheShardScaler } from '../../shared/adapters/ElastiCacheShardCapacity';
import { scalerFunction } from '../../shared/lambda/scalerFunction';
import type { KindScaler } from '../../shared/ports';

/** Reshards ElastiCache replication groups: invoked by their alarms (directly or through SNS) and every minute. */
export const handler = scalerFunction(
  'cache-shards',
  (aws) => elastiCacheShardScaler(aws) as KindScaler<unknown>,
);
