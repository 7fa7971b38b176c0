import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { DEFAULT_NODES_PER_CLUSTER, NODES_PER_CLUSTER_QUOTA_CODE } from '../decision/cacheShards';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';

/** The IAM actions ElastiCacheNodeQuota calls (read-only: the nodes-per-cluster quota). */
export const elastiCacheNodeQuotaIam: IamActions = { read: ['servicequotas:GetServiceQuota'], write: [] };

/** The account's node quota for one cluster-mode-enabled replication group, and where it was read. */
export interface NodeQuota {
  readonly value: number;
  /** `service-quotas`, or why the documented default stands in. */
  readonly source: string;
}

/**
 * ElastiCache's "Nodes per cluster (cluster mode enabled)" quota from Service Quotas (GetServiceQuota, the
 * applied value), or the documented default of 90 when it cannot be read (no permission, no endpoint).
 * Read once per function container: quotas change rarely, and an increase only lets more through.
 */
export class ElastiCacheNodeQuota {
  private readonly client: ServiceQuotasClient;
  private known?: NodeQuota;

  constructor(config: AwsConfig, client?: ServiceQuotasClient) {
    // A secondary read: one attempt, then the documented default.
    this.client = client ?? new ServiceQuotasClient({ ...clientOptions(config), maxAttempts: 1 });
  }

  async nodesPerCluster(): Promise<NodeQuota> {
    if (this.known) return this.known;
    try {
      const response = await this.client.send(
        new GetServiceQuotaCommand({ ServiceCode: 'elasticache', QuotaCode: NODES_PER_CLUSTER_QUOTA_CODE }),
      );
      const value = response.Quota?.Value;
      this.known =
        value !== undefined && Number.isFinite(value) && value > 0
          ? { value, source: 'service-quotas' }
          : { value: DEFAULT_NODES_PER_CLUSTER, source: 'documented default (Service Quotas gave no value)' };
    } catch (cause) {
      this.known = {
        value: DEFAULT_NODES_PER_CLUSTER,
        source: `documented default (Service Quotas unreadable: ${cause instanceof Error ? cause.name : String(cause)})`,
      };
    }
    return this.known;
  }
}
