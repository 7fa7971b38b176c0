import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { lambdaTelemetry } from '../../shared/lambda/lambdaTelemetry';
import { scalerRuntimeFromEnv } from '../../shared/lambda/scalerRuntimeFromEnv';

const { logger, metrics } = lambdaTelemetry('scale-asg');

/** Scales EC2 Auto Scaling groups: invoked by their alarms (directly or through SNS) and every minute. */
export const handler = middy(
  createScalerHandler(
    scalerRuntimeFromEnv({ kind: 'asg', capacity: (aws) => new AutoScalingCapacity(aws), logger, metrics }),
  ),
)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
