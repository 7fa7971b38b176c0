import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { AwsCallError } from '../errors';
import type { ForecastDatum, ForecastMetricsPort } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';

/**
 * The forecast's own namespace, the only one the predict role may put data in (infra/predictPermissions.ts). Not
 * the functions' operational namespace `Scalepilot`, whose counts the stack's failure and deferral alarms watch:
 * a writer in that one could raise or drown them. A `/` below the product's name, as AWS's own `AWS/EC2`.
 */
export const FORECAST_NAMESPACE = 'Scalepilot/Forecast';
/** PutMetricData takes at most 1,000 datapoints a call. */
const PER_CALL = 1000;

/** The IAM actions CloudWatchForecastMetrics calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const cloudWatchForecastMetricsIam: IamActions = {
  read: [],
  write: ['cloudwatch:PutMetricData'],
};

/**
 * ForecastMetricsPort over CloudWatch PutMetricData, dimensions `service=predict`, `target` (and `rule` for the
 * load), as the dashboard's ForecastCapacity widget reads them. Future steps are fine: CloudWatch takes
 * datapoints up to two hours ahead.
 */
export class CloudWatchForecastMetrics implements ForecastMetricsPort {
  private readonly client: CloudWatchClient;

  constructor(config: AwsConfig, client?: CloudWatchClient) {
    this.client = client ?? new CloudWatchClient(clientOptions(config));
  }

  async publish(data: readonly ForecastDatum[]): Promise<void> {
    for (let i = 0; i < data.length; i += PER_CALL) {
      const batch = data.slice(i, i + PER_CALL);
      await this.client
        .send(
          new PutMetricDataCommand({
            Namespace: FORECAST_NAMESPACE,
            MetricData: batch.map((d) => ({
              MetricName: d.name,
              Dimensions: [
                { Name: 'service', Value: 'predict' },
                { Name: 'target', Value: d.target },
                ...(d.rule ? [{ Name: 'rule', Value: d.rule }] : []),
              ],
              Timestamp: d.time,
              Value: d.value,
              Unit: 'None',
            })),
          }),
        )
        .catch((cause: unknown) => {
          throw new AwsCallError('CloudWatch PutMetricData (forecast)', cause);
        });
    }
  }
}
