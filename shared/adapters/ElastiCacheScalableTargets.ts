import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { AwsCallError } from '../errors';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';

/** The IAM actions ElastiCacheScalableTargets calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const elastiCacheScalableTargetsIam: IamActions = {
  read: ['application-autoscaling:DescribeScalableTargets'],
  write: [],
};

/**
 * Application Auto Scaling's own targets on a replication group (`replication-group/<id>`, dimensions
 * `elasticache:replication-group:NodeGroups` and `…:Replicas`): a group another autoscaler already scales
 * is refused, because two autoscalers would fight. Read-only.
 */
export class ElastiCacheScalableTargets {
  private readonly client: ApplicationAutoScalingClient;

  constructor(config: AwsConfig, client?: ApplicationAutoScalingClient) {
    this.client = client ?? new ApplicationAutoScalingClient(clientOptions(config));
  }

  /** The scalable dimensions registered on the group (empty when none). */
  async of(replicationGroupId: string): Promise<string[]> {
    const response = await this.client
      .send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: 'elasticache',
          ResourceIds: [`replication-group/${replicationGroupId}`],
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('Application Auto Scaling DescribeScalableTargets', cause);
      });
    return (response.ScalableTargets ?? []).map((t) => t.ScalableDimension ?? 'unknown dimension');
  }

  /** The scalable dimensions of many groups: 50 resource ids a DescribeScalableTargets call, following pages. */
  async ofMany(replicationGroupIds: readonly string[]): Promise<Map<string, string[]>> {
    const byGroup = new Map(replicationGroupIds.map((id) => [id, [] as string[]]));
    for (let i = 0; i < replicationGroupIds.length; i += 50) {
      let token: string | undefined;
      do {
        const page = await this.client
          .send(
            new DescribeScalableTargetsCommand({
              ServiceNamespace: 'elasticache',
              ResourceIds: replicationGroupIds.slice(i, i + 50).map((id) => `replication-group/${id}`),
              ...(token ? { NextToken: token } : {}),
            }),
          )
          .catch((cause: unknown) => {
            throw new AwsCallError('Application Auto Scaling DescribeScalableTargets', cause);
          });
        for (const t of page.ScalableTargets ?? [])
          byGroup
            .get((t.ResourceId ?? '').replace(/^replication-group\//, ''))
            ?.push(t.ScalableDimension ?? 'unknown dimension');
        token = page.NextToken;
      } while (token);
    }
    return byGroup;
  }
}
