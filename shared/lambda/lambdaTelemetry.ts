import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** Powertools logger and EMF metrics for one function, all under the `Scalepilot` namespace. */
export function lambdaTelemetry(serviceName: string) {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: 'Scalepilot', serviceName }),
  };
}
