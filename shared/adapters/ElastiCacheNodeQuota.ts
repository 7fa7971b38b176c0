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
 * How long the documented default stands in after a failed read before Service Quotas is asked again: a throttled
 * read must not hold a raised quota at 90 for the container's life (every scale-out past it refused), and a role
 * without the permission costs one call in this time, not one a run.
 */
export const FAILED_QUOTA_READ_KEPT_MS = 15 * 60_000;

/**
 * ElastiCache's "Nodes per cluster (cluster mode enabled)" quota from Service Quotas (GetServiceQuota, the
 * applied value), or the documented default of 90 when it cannot be read (no permission, no endpoint).
 * A value read is kept for the function container's life: quotas change rarely, and an increase only lets more
 * through. A failed read is kept for FAILED_QUOTA_READ_KEPT_MS.
 */
export class ElastiCacheNodeQuota {
  private readonly client: ServiceQuotasClient;
  private known?: NodeQuota;
  /** When the default standing in for a failed read is asked again (undefined: the value read is kept). */
  private retryAt?: number;

  constructor(
    config: AwsConfig,
    client?: ServiceQuotasClient,
    private readonly now: () => number = Date.now,
  ) {
    // A secondary read: one attempt, then the documented default.
    this.client = client ?? new ServiceQuotasClient({ ...clientOptions(config), maxAttempts: 1 });
  }

  async nodesPerCluster(): Promise<NodeQuota> {
    if (this.known && (this.retryAt === undefined || this.now() < this.retryAt)) return this.known;
    this.retryAt = undefined;
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
      this.retryAt = this.now() + FAILED_QUOTA_READ_KEPT_MS;
      this.known = {
        value: DEFAULT_NODES_PER_CLUSTER,
        source: `documented default (Service Quotas unreadable: ${cause instanceof Error ? cause.name : String(cause)})`,
      };
    }
    return this.known;
  }
}
