import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { clientOptions } from '../../shared/adapters/awsConfig';
import type { LocalAccount } from './localAccount';

/** Which instances are still booting: first seen less than the provisioning delay ago. */
export class BootingInstances {
  private readonly firstSeen = new Map<string, number>();
  private readonly pending = new Set<string>();
  private readonly autoScaling: AutoScalingClient;

  constructor(private readonly local: LocalAccount) {
    this.autoScaling = new AutoScalingClient(clientOptions(local.emulator.aws));
    local.emulator.rewrite('DescribeAutoScalingGroups', (xml) => markPending(xml, this.pending));
  }

  /**
   * After minute m: note new instances; at minute m + 1 the scalers see the group as it served in minute m
   * (as the backtest's policies see serving(m)), so those ordered less than the delay before m are Pending.
   */
  async observe(group: string, m: number, delay: number): Promise<void> {
    const response = await this.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }),
    );
    for (const instance of response.AutoScalingGroups?.[0]?.Instances ?? []) {
      const id = instance.InstanceId ?? '';
      // The group's first instances serve from the start, like every policy's in the backtest.
      if (!this.firstSeen.has(id)) this.firstSeen.set(id, m === 0 ? Number.NEGATIVE_INFINITY : m);
      if (m - (this.firstSeen.get(id) as number) < delay) this.pending.add(id);
      else this.pending.delete(id);
    }
  }

  stop(): void {
    this.local.emulator.rewrite('DescribeAutoScalingGroups', undefined);
  }
}

/** Shows the given instances of a DescribeAutoScalingGroups answer as Pending instead of InService. */
export function markPending(xml: string, ids: ReadonlySet<string>): string {
  if (ids.size === 0) return xml;
  return xml.replace(/<member>((?:(?!<\/?member>)[\s\S])*?)<\/member>/g, (member, inner: string) => {
    const id = /<InstanceId>([^<]+)<\/InstanceId>/.exec(inner)?.[1];
    return id && ids.has(id)
      ? member.replace(
          '<LifecycleState>InService</LifecycleState>',
          '<LifecycleState>Pending</LifecycleState>',
        )
      : member;
  });
}
