import type { EmulatorAnswer } from '../../../bin/lib/emulator';
import type { Behaviour, LayerContext } from './layerContext';
import { type AwsCall, jsonError, jsonResult } from './protocol';

/** ElastiCache's "Nodes per cluster (cluster mode enabled)" quota in Service Quotas. */
export const CACHE_NODES_PER_CLUSTER_QUOTA = 'L-AF354865';

/**
 * Service Quotas' GetServiceQuota for ElastiCache (moto's Service Quotas knows only VPC): the account's
 * node quota per cluster, or the refusal a role without `servicequotas:GetServiceQuota` gets.
 */
export class ServiceQuotas implements Behaviour {
  /** The applied value; `unreadable` answers AccessDeniedException. */
  nodesPerCluster: number | 'unreadable' = 90;

  constructor(private readonly context: LayerContext) {}

  async handle(call: AwsCall, next: () => Promise<EmulatorAnswer>): Promise<EmulatorAnswer> {
    if (call.service !== 'servicequotas' || call.action !== 'GetServiceQuota') return next();
    const { ServiceCode: service, QuotaCode: code } = call.json as {
      ServiceCode?: string;
      QuotaCode?: string;
    };
    if (service !== 'elasticache' || code !== CACHE_NODES_PER_CLUSTER_QUOTA) return next();
    this.context.counts.count('cache.nodeQuota');
    if (this.nodesPerCluster === 'unreadable')
      return jsonError(
        'AccessDeniedException',
        'User is not authorized to perform: servicequotas:GetServiceQuota',
      );
    return jsonResult({
      Quota: {
        ServiceCode: 'elasticache',
        ServiceName: 'Amazon ElastiCache',
        QuotaCode: code,
        QuotaName: 'Nodes per cluster (cluster mode enabled)',
        Value: this.nodesPerCluster,
        Unit: 'None',
        Adjustable: true,
        GlobalQuota: false,
      },
    });
  }
}
