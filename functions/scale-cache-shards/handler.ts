import { ElastiCacheShardCapacity } from '../../shared/adapters/ElastiCacheShardCapacity';
import { scalerFunction } from '../../shared/lambda/scalerFunction';

/** Scales ElastiCache shards: invoked by their alarms (directly or through SNS) and every minute. */
export const handler = scalerFunction('cache-shards', (aws) => new ElastiCacheShardCapacity(aws));
