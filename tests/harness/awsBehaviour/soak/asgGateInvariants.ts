import type { Policy } from '../../../../shared/policy/schema';
import type { ForeignScalingPolicy } from '../autoScalingLifecycle';
import type { MutationRecord } from '../layerContext';
import type { ScalerWorld } from '../scalerWorld';

/**
 * The soak's invariants on an Auto Scaling group's own gates, checked after every step. While some of its
 * instances are protected from scale-in, no SetDesiredCapacity lowers its desired capacity below them
 * (`ScaleInProtected`: AWS would lower it and terminate none of them). While an instance refresh runs, no
 * SetDesiredCapacity lowers its desired capacity (the refresh's healthy percentages are reckoned against it;
 * a scale-out may go ahead, as AWS's own scaling does). While someone's scaling policy is
 * attached, Scalepilot sets no desired capacity on the group, and tells the operators at most once an attachment
 * (`ScalingPolicyConflict`). Someone's changes are made between steps (a step's episodes before its functions
 * run, the layer's undoing of them as the clock moves), so what is attached after a step was attached during it.
 */
export class AsgGateInvariants {
  private setsSeen = 0;
  private refreshSetsSeen = 0;
  private readonly toldTwice = new Set<ForeignScalingPolicy>();

  constructor(
    private readonly policy: Policy,
    private readonly fail: (message: string) => void,
  ) {}

  afterStep(world: ScalerWorld, fresh: readonly MutationRecord[]): void {
    this.scaleInProtected(world);
    this.noScaleInDuringRefresh(world);
    this.scalingPolicy(world, fresh);
  }

  /** No scale-in while an instance refresh runs on the group. */
  private noScaleInDuringRefresh(world: ScalerWorld): void {
    const sets = world.layer.asg.setsDuringRefresh;
    for (const set of sets.slice(this.refreshSetsSeen))
      if (set.to < set.from)
        this.fail(
          `SetDesiredCapacity ${set.from} → ${set.to} on ${set.group} at ${new Date(set.at).toISOString()}, during instance refresh ${set.refresh}`,
        );
    this.refreshSetsSeen = sets.length;
  }

  /** A scale-in (below the desired capacity just before it) never goes below the instances protected from it. */
  private scaleInProtected(world: ScalerWorld): void {
    const sets = world.layer.asg.setsOnProtected;
    for (const set of sets.slice(this.setsSeen))
      if (set.to < set.from && set.to < set.protectedInstances)
        this.fail(
          `SetDesiredCapacity ${set.from} → ${set.to} on ${set.group} at ${new Date(set.at).toISOString()}, below its ${set.protectedInstances} instances protected from scale-in`,
        );
    this.setsSeen = sets.length;
  }

  /** No SetDesiredCapacity on a group while someone's scaling policy is attached; one notice an attachment. */
  private scalingPolicy(world: ScalerWorld, fresh: readonly MutationRecord[]): void {
    const { asg, notices } = world.layer;
    for (const m of fresh) {
      const attached = m.action === 'SetDesiredCapacity' ? asg.scalingPolicyOn(m.resource) : undefined;
      if (attached)
        this.fail(
          `SetDesiredCapacity ${m.detail.DesiredCapacity} on ${m.resource} (${m.outcome}) while its scaling policy ${attached.name} is attached (since ${new Date(attached.from).toISOString()})`,
        );
    }
    for (const attached of asg.foreignPolicies) {
      if (this.toldTwice.has(attached)) continue;
      const target = this.policy.targets.find(
        (t) => t.kind === 'asg' && t.autoScalingGroupName === attached.group,
      )?.name;
      const told = notices
        .slice(attached.noticesFrom, attached.noticesTo ?? notices.length)
        .filter((n) => n.target === target && n.reason === 'ScalingPolicyConflict');
      if (told.length > 1) {
        this.toldTwice.add(attached);
        this.fail(
          `${target}: told ScalingPolicyConflict ${told.length} times while scaling policy ${attached.name} was attached (at ${told.map((n) => new Date(n.at).toISOString()).join(', ')})`,
        );
      }
    }
  }
}
