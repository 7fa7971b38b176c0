import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import type { CapacityState } from '../decision/types';
import { AwsCallError, ResourceNotFoundError, ScalingError } from '../errors';
import type { Target } from '../policy/schema';
import type { CapacityPort } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';

const BLOCKING_PROCESSES = new Set(['Launch', 'Terminate']);
const ACTIVE_REFRESH = new Set(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking']);

/** The IAM actions AutoScalingCapacity calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const autoScalingCapacityIam: IamActions = {
  read: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeInstanceRefreshes'],
  write: ['autoscaling:SetDesiredCapacity'],
};

/**
 * CapacityPort for EC2 Auto Scaling groups: DescribeAutoScalingGroups / SetDesiredCapacity. Capacity is in
 * the group's own unit: instances, or the units of its instance weights or DesiredCapacityType (vcpu,
 * memory-mib), in which the policy's range, steps and caps for the group are then written too.
 */
export class AutoScalingCapacity implements CapacityPort {
  private readonly client: AutoScalingClient;

  constructor(config: AwsConfig, client?: AutoScalingClient) {
    this.client = client ?? new AutoScalingClient(clientOptions(config));
  }

  async describe(target: Target): Promise<CapacityState> {
    const name = groupName(target);
    const response = await this.client
      .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))
      .catch((cause: unknown) => {
        throw new AwsCallError('AutoScaling DescribeAutoScalingGroups', cause);
      });
    const group = response.AutoScalingGroups?.[0];
    if (!group) throw new ResourceNotFoundError('Auto Scaling group', name);
    const refreshes = await this.client
      .send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: name, MaxRecords: 5 }))
      .catch((cause: unknown) => {
        throw new AwsCallError('AutoScaling DescribeInstanceRefreshes', cause);
      });

    const suspended = (group.SuspendedProcesses ?? [])
      .map((p) => p.ProcessName ?? '')
      .filter((p) => BLOCKING_PROCESSES.has(p));
    const refresh = (refreshes.InstanceRefreshes ?? []).find((r) => ACTIVE_REFRESH.has(r.Status ?? ''));
    const busy = group.Status
      ? `group status "${group.Status}"`
      : refresh
        ? `instance refresh ${refresh.InstanceRefreshId} is ${refresh.Status}`
        : suspended.length > 0
          ? `processes suspended: ${suspended.join(', ')}`
          : undefined;
    // Everything is in the group's own unit (DesiredCapacityType: units, vcpu or memory-mib; or the
    // mixed instances policy's weights): DesiredCapacity, MinSize and MaxSize already are, and each
    // instance counts its WeightedCapacity (1 when the group has no weights).
    const current = group.DesiredCapacity ?? 0;
    const inService = (group.Instances ?? [])
      .filter((i) => i.LifecycleState === 'InService')
      .reduce((sum, i) => sum + instanceUnits(i.WeightedCapacity), 0);
    const unitLabel = unitLabelOf(group.DesiredCapacityType, group.Instances ?? []);
    return {
      current,
      ...(unitLabel ? { unitLabel } : {}),
      // AWS may overshoot the desired capacity by less than one instance's weight; serving never exceeds it.
      serving: Math.min(current, inService),
      liveMin: group.MinSize ?? 0,
      liveMax: group.MaxSize ?? 0,
      ...(busy ? { busy } : {}),
    };
  }

  async setCapacity(target: Target, desired: number): Promise<void> {
    await this.client
      .send(
        new SetDesiredCapacityCommand({
          AutoScalingGroupName: groupName(target),
          DesiredCapacity: desired,
          HonorCooldown: false, // Scalepilot keeps its own per-direction cooldowns in the ledger.
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('AutoScaling SetDesiredCapacity', cause);
      });
  }
}

/** The unit's name in messages when it is not an instance: the group's DesiredCapacityType, or weights. */
function unitLabelOf(
  type: string | undefined,
  instances: readonly { WeightedCapacity?: string }[],
): string | undefined {
  if (type === 'vcpu') return 'vCPU';
  if (type === 'memory-mib') return 'MiB';
  if (type === 'units' || instances.some((i) => i.WeightedCapacity !== undefined)) return 'unit';
  return undefined;
}

/** The capacity units one instance counts for: its WeightedCapacity (a string in the API), else 1. */
function instanceUnits(weightedCapacity: string | undefined): number {
  if (weightedCapacity === undefined) return 1;
  const units = Number(weightedCapacity);
  if (!Number.isFinite(units) || units <= 0)
    throw new ScalingError(`instance WeightedCapacity "${weightedCapacity}" is not a positive number`);
  return units;
}

function groupName(target: Target): string {
  if (target.kind !== 'asg') throw new ScalingError(`target "${target.name}" is ${target.kind}, not asg`);
  return target.autoScalingGroupName;
}
