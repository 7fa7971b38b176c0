import type { EmulatorAnswer } from '../../../bin/lib/emulator';
import type { Behaviour } from './layerContext';
import { type AwsCall, jsonResult } from './protocol';

/**
 * Application Auto Scaling's scalable targets on ElastiCache replication groups: moto has no `elasticache`
 * namespace, so the layer keeps the ones a test registers and answers DescribeScalableTargets for them
 * (none by default). The `rds` namespace (Aurora Auto Scaling) is moto's own.
 */
export class CacheScalableTargets implements Behaviour {
  private readonly targets = new Map<string, string[]>();

  /** Another autoscaler registers the group (`replication-group/<id>`) on a dimension. */
  register(group: string, dimension = 'elasticache:replication-group:NodeGroups'): void {
    this.targets.set(group, [...(this.targets.get(group) ?? []), dimension]);
  }

  async handle(call: AwsCall, next: () => Promise<EmulatorAnswer>): Promise<EmulatorAnswer> {
    if (call.action !== 'DescribeScalableTargets' || call.json.ServiceNamespace !== 'elasticache')
      return next();
    const ids = (call.json.ResourceIds ?? []) as string[];
    const found = ids.flatMap((resource) =>
      (this.targets.get(resource.replace(/^replication-group\//, '')) ?? []).map((dimension) => ({
        ServiceNamespace: 'elasticache',
        ResourceId: resource,
        ScalableDimension: dimension,
        MinCapacity: 1,
        MaxCapacity: 10,
        RoleARN:
          'arn:aws:iam::123456789012:role/aws-service-role/elasticache.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ElastiCacheRG',
        CreationTime: 0,
      })),
    );
    return jsonResult({ ScalableTargets: found });
  }
}
