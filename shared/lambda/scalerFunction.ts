import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { AwsConfig } from '../adapters/awsConfig';
import type { TargetKind } from '../policy/schema';
import { serviceByKind } from '../policy/targetResource';
import type { CapacityPort, KindScaler } from '../ports';
import { createScalerHandler } from './createScalerHandler';
import { lambdaTelemetry } from './lambdaTelemetry';
import { type RuntimeOptions, scalerRuntimeFromEnv } from './scalerRuntimeFromEnv';

/**
 * One scaler Lambda: its runtime from the function's environment, Powertools logging and EMF metrics,
 * behind middy. The deployed handlers use it as is; the local account passes the deployed function's
 * environment, the emulator and its virtual clock through `overrides` (and no EMF), and so runs the same
 * code.
 */
export function scalerFunction(
  kind: TargetKind,
  capacity: (aws: AwsConfig, stage: string) => CapacityPort | KindScaler<unknown>,
  overrides: Pick<RuntimeOptions, 'env' | 'policy' | 'aws' | 'clock'> = {},
  { emf = true }: { emf?: boolean } = {},
) {
  const { logger, metrics } = lambdaTelemetry(serviceByKind[kind]);
  const runtime = scalerRuntimeFromEnv({
    kind,
    capacity,
    logger,
    ...(emf ? { metrics } : {}),
    ...overrides,
  });
  const handler = middy(createScalerHandler(runtime)).use(injectLambdaContext(logger));
  // EMF only reaches CloudWatch from Lambda's log stream; off the platform there is no one to read it.
  return emf ? handler.use(logMetrics(metrics)) : handler;
}
