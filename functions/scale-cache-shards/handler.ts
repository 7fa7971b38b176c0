import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { ElastiCacheShardCapacity } from '../../shared/adapters/ElastiCacheShardCapacity';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { lambdaTelemetry } from '../../shared/lambda/lambdaTelemetry';
import { scalerRuntimeFromEnv } from '../../shared/lambda/scalerRuntimeFromEnv';

const { logger, metrics } = lambdaTelemetry('scale-cache-shards');

/** Scales ElastiCache shards: invoked by their alarms (directly or through SNS) and every minute. */
export const handler = middy(
  createScalerHandler(
    scalerRuntimeFromEnv({
      kind: 'cache-shards',
      capacity: (aws) => new ElastiCacheShardCapacity(aws),
      logger,
      metrics,
    }),
  ),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
