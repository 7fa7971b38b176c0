import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { awsCallError } from '../errors';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';

/** The IAM actions RdsScalableTargets calls (read-only: Aurora Auto Scaling's targets on a cluster). */
export const rdsScalableTargetsIam: IamActions = {
  read: ['application-autoscaling:DescribeScalableTargets'],
  write: [],
};

/**
 * Aurora Auto Scaling on a cluster: Application Auto Scaling's scalable targets in the `rds` namespace
 * (`cluster:<id>`, dimension `rds:cluster:ReadReplicaCount`). A cluster another autoscaler already scales is
 * refused: two autoscalers would fight over its readers. Read-only.
 */
export class RdsScalableTargets {
  private readonly client: ApplicationAutoScalingClient;

  constructor(config: AwsConfig, client?: ApplicationAutoScalingClient) {
    this.client = client ?? new ApplicationAutoScalingClient(clientOptions(config));
  }

  /** The scalable dimensions registered on the cluster (empty when none). */
  async of(clusterId: string): Promise<string[]> {
    const response = await this.client
      .send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: 'rds',
          ResourceIds: [`cluster:${clusterId}`],
        }),
      )
      .catch((cause: unknown) => {
        throw awsCallError('Application Auto Scaling DescribeScalableTargets', cause);
      });
    return (response.ScalableTargets ?? []).map((t) => t.ScalableDimension ?? 'unknown dimension');
  }
}
