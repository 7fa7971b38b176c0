import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { RdsReplicaCapacity } from '../../shared/adapters/RdsReplicaCapacity';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { lambdaTelemetry } from '../../shared/lambda/lambdaTelemetry';
import { scalerRuntimeFromEnv } from '../../shared/lambda/scalerRuntimeFromEnv';

const { logger, metrics } = lambdaTelemetry('scale-rds-replicas');

/** Adds and removes RDS read replicas: invoked by their alarms (directly or through SNS) and every minute. */
export const handler = middy(
  createScalerHandler(
    scalerRuntimeFromEnv({
      kind: 'rds-replicas',
      capacity: (aws) => new RdsReplicaCapacity(aws),
      logger,
      metrics,
    }),
  ),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
