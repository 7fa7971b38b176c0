import { randomUUID } from 'node:crypto';
import type { EmulatorAnswer } from '../../../bin/lib/emulator';
import { LaunchHooks } from './launchHooks';
import type { Behaviour, LayerContext } from './layerContext';
import { MINUTE } from './layerContext';
import type { MotoQuery } from './motoQuery';
import { type AwsCall, answerText, editList, escapeXml, queryResult, withBody, xmlText } from './protocol';

/** How EC2 Auto Scaling plays its instances; durations in virtual minutes. */
export interface AsgConfig {
  /** From launch to InService (boot, health checks, lifecycle hooks). */
  readonly bootMinutes: readonly [number, number];
}

export const defaultAsgConfig: AsgConfig = { bootMinutes: [2, 5] };

/** Instances someone protected from scale-in (SetInstanceProtection), until the layer lifts it. */
interface Protection {
  readonly ids: readonly string[];
  readonly until: number;
}

/** A scaling policy someone attached to a group (PutScalingPolicy), until the layer deletes it. */
export interface ForeignScalingPolicy {
  readonly group: string;
  readonly name: string;
  readonly from: number;
  readonly until: number;
  /** The layer's notices from this index on were published while it was attached (to `noticesTo`). */
  readonly noticesFrom: number;
  noticesTo?: number;
}

/** A SetDesiredCapacity that reached a group while some of its instances were protected from scale-in. */
export interface SetOnProtected {
  readonly at: number;
  readonly group: string;
  /** The group's desired capacity just before the call, and what it asked for. */
  readonly from: number;
  readonly to: number;
  /** The group's instances protected from scale-in then (not leaving, not in standby), as moto holds them. */
  readonly protectedInstances: number;
}

export interface SetDuringRefresh {
  readonly at: number;
  readonly group: string;
  /** The group's desired capacity just before the call, and what it asked for. */
  readonly from: number;
  readonly to: number;
  /** The instance refresh running on the group then. */
  readonly refresh: string;
}

/** Lifecycle states of instances that do not count toward desired capacity (leaving, or in standby). */
const NOT_COUNTED = /^(Terminat|Detach|EnteringStandby$|Standby$)/;

interface Shortfall {
  /** At most this many instances launch while it lasts. */
  readonly instances: number;
  readonly until: number;
  readonly instanceType: string;
  counted?: boolean;
}

/**
 * EC2 Auto Scaling groups on the virtual clock. moto launches instances InService at once and has no
 * instance refreshes; the layer shows each new instance `Pending` until it has booted, instance refreshes in
 * progress (DescribeInstanceRefreshes), capacity shortfalls (instances past what EC2 could place never
 * appear, and DescribeScalingActivities shows the failed launches with InsufficientInstanceCapacity), launch
 * lifecycle hooks holding new instances in Pending:Wait (launchHooks.ts), and suspends processes in moto itself
 * (SuspendProcesses, which moto keeps).
 */
export class AutoScalingLifecycle implements Behaviour {
  readonly config: AsgConfig;
  private readonly ready = new Map<string, number>();
  private readonly refreshes = new Map<string, { id: string; startedAt: number; endsAt: number }>();
  private readonly shortfalls = new Map<string, Shortfall>();
  private readonly failedLaunches = new Map<string, { at: number; message: string }[]>();
  /** Per group, the shortfall describes have shown: since when, and when last (the soak's invariant reads it). */
  private readonly shownShort = new Map<string, { since: number; last: number }>();
  private readonly protections = new Map<string, Protection>();
  /** Every scaling policy someone attached, in order (the soak's invariant reads them). */
  readonly foreignPolicies: ForeignScalingPolicy[] = [];
  /** Every SetDesiredCapacity on a group with instances protected from scale-in (the soak's invariant reads them). */
  readonly setsOnProtected: SetOnProtected[] = [];
  /** Every SetDesiredCapacity on a group while an instance refresh runs on it (the soak's invariant reads them). */
  readonly setsDuringRefresh: SetDuringRefresh[] = [];
  /** Launch lifecycle hooks: `hooks.add(group, …)`, `hooks.breakConsumer(group, minutes)`. */
  readonly hooks: LaunchHooks;

  constructor(
    private readonly context: LayerContext,
    private readonly moto: MotoQuery,
    config: Partial<AsgConfig> = {},
  ) {
    this.config = { ...defaultAsgConfig, ...config };
    this.hooks = new LaunchHooks(context, moto);
  }

  async handle(call: AwsCall, next: () => Promise<EmulatorAnswer>): Promise<EmulatorAnswer> {
    if (call.service !== 'autoscaling') return next();
    if (call.action === 'DescribeAutoScalingGroups') {
      const answer = await next();
      return answer.status === 200 ? withBody(answer, this.show(answerText(answer))) : answer;
    }
    if (call.action === 'DescribeInstanceRefreshes') return this.describeRefreshes(call);
    if (call.action === 'DescribeScalingActivities') return this.describeActivities(call);
    if (call.action === 'SetDesiredCapacity') return this.setDesiredCapacity(call, next);
    if (call.action === 'CompleteLifecycleAction') return this.hooks.complete(call);
    return next();
  }

  /** Lifts the protections, deletes the scaling policies and terminates the abandoned launches whose time has come. */
  async settle(now: number): Promise<void> {
    await this.hooks.settle(now);
    for (const [group, protection] of this.protections)
      if (now >= protection.until) {
        this.protections.delete(group);
        await this.protect(group, protection.ids, false);
      }
    for (const policy of this.foreignPolicies)
      if (policy.noticesTo === undefined && now >= policy.until) {
        policy.noticesTo = this.context.notices.length;
        await this.moto('autoscaling', {
          Action: 'DeletePolicy',
          AutoScalingGroupName: policy.group,
          PolicyName: policy.name,
        });
      }
  }

  // ---- what the soak and the tests make happen ----

  /** An instance refresh (someone rolling a new launch template) runs for `minutes`. */
  instanceRefresh(group: string, minutes: number): void {
    const now = this.context.now();
    this.refreshes.set(group, { id: randomUUID(), startedAt: now, endsAt: now + minutes * MINUTE });
    this.context.counts.count('asg.instanceRefresh');
  }

  /** Someone suspends processes of the group (moto keeps them), for `minutes` of virtual time at most. */
  async suspend(group: string, processes: readonly string[]): Promise<void> {
    await this.moto('autoscaling', {
      Action: 'SuspendProcesses',
      AutoScalingGroupName: group,
      ...Object.fromEntries(processes.map((p, i) => [`ScalingProcesses.member.${i + 1}`, p])),
    });
  }

  /** Groups whose suspended processes a describe has shown (counted once a suspension, when first shown). */
  private readonly suspended = new Set<string>();

  private suspension(group: string, shown: boolean): void {
    if (shown && !this.suspended.has(group)) this.context.counts.count('asg.suspendedProcesses');
    if (shown) this.suspended.add(group);
    else this.suspended.delete(group);
  }

  async resume(group: string): Promise<void> {
    await this.moto('autoscaling', { Action: 'ResumeProcesses', AutoScalingGroupName: group });
  }

  /** EC2 can place at most `instances` instances of the group for `minutes`: desired is not reached. */
  shortfall(group: string, instances: number, minutes: number, instanceType = 't3.medium'): void {
    this.shortfalls.set(group, { instances, until: this.context.now() + minutes * MINUTE, instanceType });
  }

  /** Someone sets the group's desired capacity in the console (straight into moto). */
  async setDesired(group: string, desired: number): Promise<void> {
    await this.moto('autoscaling', {
      Action: 'SetDesiredCapacity',
      AutoScalingGroupName: group,
      DesiredCapacity: String(desired),
    });
    this.context.counts.count('foreign.desiredCapacity');
  }

  /**
   * Someone protects up to `count` of the group's instances in service from scale-in for `minutes` (a job runner
   * holding long jobs), then lifts it. None while an earlier protection of the group lasts. Returns how many.
   */
  async protectFromScaleIn(group: string, count: number, minutes: number): Promise<number> {
    if (this.protections.has(group)) return 0;
    const instances = instancesIn(await this.describeGroup(group)).filter(
      (m) => xmlText(m, 'LifecycleState') === 'InService' && xmlText(m, 'InstanceId'),
    );
    const ids = instances.slice(0, count).map((m) => xmlText(m, 'InstanceId') ?? '');
    if (ids.length === 0) return 0;
    await this.protect(group, ids, true);
    this.protections.set(group, { ids, until: this.context.now() + minutes * MINUTE });
    this.context.counts.count('asg.scaleInProtected');
    return ids.length;
  }

  /**
   * AWS replaces an instance its health checks found unhealthy: it terminates one in service and launches a
   * replacement, desired unchanged (moto's TerminateInstanceInAutoScalingGroup without decrementing it), and the
   * replacement goes through the group's launch hooks as any launch does. Returns the instance replaced, if any.
   */
  async replaceUnhealthy(group: string): Promise<string | undefined> {
    const now = this.context.now();
    const id = instancesIn(await this.describeGroup(group))
      .map((m) => xmlText(m, 'InstanceId') ?? '')
      .find((i) => i !== '' && this.ready.has(i) && this.stateOf(i, now) === 'InService');
    if (!id) return undefined;
    await this.moto('autoscaling', {
      Action: 'TerminateInstanceInAutoScalingGroup',
      InstanceId: id,
      ShouldDecrementDesiredCapacity: 'false',
    });
    this.context.counts.count('asg.unhealthyReplaced');
    return id;
  }

  /** Whether instances of the group are protected from scale-in by `protectFromScaleIn` now. */
  protecting(group: string): boolean {
    return this.protections.has(group);
  }

  /**
   * Someone attaches a target-tracking scaling policy to the group for `minutes`, then deletes it. moto keeps
   * the policy and never runs it (AWS would change desired capacity to hold 50% CPU). None while an earlier
   * one is attached.
   */
  async attachScalingPolicy(group: string, name: string, minutes: number): Promise<boolean> {
    if (this.scalingPolicyOn(group)) return false;
    await this.moto('autoscaling', {
      Action: 'PutScalingPolicy',
      AutoScalingGroupName: group,
      PolicyName: name,
      PolicyType: 'TargetTrackingScaling',
      'TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType':
        'ASGAverageCPUUtilization',
      'TargetTrackingConfiguration.TargetValue': '50',
    });
    const now = this.context.now();
    this.foreignPolicies.push({
      group,
      name,
      from: now,
      until: now + minutes * MINUTE,
      noticesFrom: this.context.notices.length,
    });
    this.context.counts.count('foreign.scalingPolicy');
    return true;
  }

  /** The scaling policy someone attached to the group that is still attached, if any. */
  scalingPolicyOn(group: string): ForeignScalingPolicy | undefined {
    return this.foreignPolicies.find((p) => p.group === group && p.noticesTo === undefined);
  }

  /**
   * Since when describes have shown the group short of instances EC2 could not place, without a gap of more than
   * 5 minutes up to `now`; undefined when they do not show it now.
   */
  shortSince(group: string, now = this.context.now()): number | undefined {
    return this.shortfallShown(group, now)?.since;
  }

  /** The group's shortfall as describes have shown it, if the last of them was at most 5 minutes before `now`. */
  private shortfallShown(group: string, now: number): { since: number; last: number } | undefined {
    const shown = this.shownShort.get(group);
    return shown && now - shown.last <= 5 * MINUTE ? shown : undefined;
  }

  /**
   * Whether the group is busy as the scaler reads it (`AsgBusy` both ways): processes suspended, as the last
   * describe showed them. An instance refresh is not: AWS scales a group through it, and so does the scaler
   * (scale-out only; its scale-in waits for the refresh).
   */
  busy(group: string): boolean {
    return this.suspended.has(group);
  }

  /** Whether an instance refresh runs on the group now. */
  refreshing(group: string, now = this.context.now()): boolean {
    const refresh = this.refreshes.get(group);
    return refresh !== undefined && now < refresh.endsAt;
  }

  // ---- the calls ----

  private describeGroup(group: string): Promise<string> {
    return this.moto('autoscaling', {
      Action: 'DescribeAutoScalingGroups',
      'AutoScalingGroupNames.member.1': group,
    });
  }

  private async protect(group: string, ids: readonly string[], on: boolean): Promise<void> {
    await this.moto('autoscaling', {
      Action: 'SetInstanceProtection',
      AutoScalingGroupName: group,
      ProtectedFromScaleIn: String(on),
      ...Object.fromEntries(ids.map((id, i) => [`InstanceIds.member.${i + 1}`, id])),
    });
  }

  /** A SetDesiredCapacity on a group with protected instances, recorded with the group as it was just before. */
  private async setDesiredCapacity(
    call: AwsCall,
    next: () => Promise<EmulatorAnswer>,
  ): Promise<EmulatorAnswer> {
    const group = call.params.get('AutoScalingGroupName') ?? '';
    const refresh = this.refreshing(group) ? this.refreshes.get(group) : undefined;
    if (!this.protections.has(group) && !refresh) return next();
    const xml = await this.describeGroup(group);
    const change = {
      at: this.context.now(),
      group,
      from: Number(xmlText(xml, 'DesiredCapacity')),
      to: Number(call.params.get('DesiredCapacity')),
    };
    if (refresh) this.setsDuringRefresh.push({ ...change, refresh: refresh.id });
    if (!this.protections.has(group)) return next();
    const protectedInstances = instancesIn(xml).filter(
      (m) =>
        xmlText(m, 'ProtectedFromScaleIn') === 'true' &&
        !NOT_COUNTED.test(xmlText(m, 'LifecycleState') ?? ''),
    ).length;
    this.setsOnProtected.push({ ...change, protectedInstances });
    return next();
  }

  /**
   * Each group's instances as EC2 Auto Scaling shows them: booting ones Pending (or in their launch hook's states),
   * unplaced ones absent.
   */
  private show(xml: string): string {
    const now = this.context.now();
    return editList(xml, 'AutoScalingGroups', (groups) =>
      groups.map((group) => {
        const name = xmlText(group, 'AutoScalingGroupName') ?? '';
        this.suspension(name, /<SuspendedProcesses>\s*<member>/.test(group));
        return editList(group, 'Instances', (instances) =>
          this.placed(name, instances, now).map((instance) => this.booting(name, instance, now)),
        );
      }),
    );
  }

  /** An instance Pending until it has booted, or in its launch hook's states (first seen: launched). */
  private booting(group: string, instance: string, now: number): string {
    const id = xmlText(instance, 'InstanceId');
    if (!id) return instance;
    if (!this.ready.has(id)) {
      const [min, max] = this.config.bootMinutes;
      // Keyed on the order instances are first seen, not on the id: moto draws its instance ids at random.
      const draw = this.context.random.for(`boot #${this.ready.size}`);
      this.ready.set(id, now + draw.between(min, max) * MINUTE);
      this.hooks.launched(group, id, now, this.ready.get(id) ?? now);
      this.context.counts.count('asg.pendingWarmup');
    }
    return instance.replace(
      '<LifecycleState>InService</LifecycleState>',
      `<LifecycleState>${this.stateOf(id, now)}</LifecycleState>`,
    );
  }

  /** The lifecycle state the layer shows for an instance it has seen launched. */
  private stateOf(id: string, now: number): string {
    return this.hooks.stateOf(id, now) ?? (now < (this.ready.get(id) ?? 0) ? 'Pending' : 'InService');
  }

  /** The instances EC2 could place during a shortfall: the first ones; the launches of the rest failed. */
  private placed(group: string, instances: string[], now: number): string[] {
    const shortfall = this.shortfalls.get(group);
    if (!shortfall || now >= shortfall.until || instances.length <= shortfall.instances) return instances;
    // Instances protected from scale-in were placed before the shortfall and keep running: they stay. With as
    // many of them as the group holds, no launch is waiting, so none fails (seed 31415: every instance protected,
    // and the layer showed the group short, owed a notice, with all its instances in service).
    const kept = instances.filter((i) => xmlText(i, 'ProtectedFromScaleIn') === 'true');
    const others = instances.filter((i) => !kept.includes(i));
    const shown = [...kept, ...others.slice(0, Math.max(0, shortfall.instances - kept.length))];
    if (shown.length === instances.length) return instances;
    // Counted when a launch first fails for want of capacity (the group asked for more than EC2 could place).
    if (!shortfall.counted) this.context.counts.count('asg.insufficientCapacity');
    shortfall.counted = true;
    const failures = this.failedLaunches.get(group) ?? [];
    failures.push({
      at: now,
      message: `We currently do not have sufficient ${shortfall.instanceType} capacity in the Availability Zone you requested. Our system will be working on provisioning additional capacity. Launching EC2 instance failed. (InsufficientInstanceCapacity)`,
    });
    this.failedLaunches.set(group, failures.slice(-20));
    this.shownShort.set(group, { since: this.shortfallShown(group, now)?.since ?? now, last: now });
    return shown;
  }

  private describeRefreshes(call: AwsCall): EmulatorAnswer {
    const group = call.params.get('AutoScalingGroupName') ?? '';
    const refresh = this.refreshes.get(group);
    const now = this.context.now();
    const inner = refresh
      ? `<member><InstanceRefreshId>${refresh.id}</InstanceRefreshId><AutoScalingGroupName>${escapeXml(group)}</AutoScalingGroupName><Status>${now < refresh.endsAt ? 'InProgress' : 'Successful'}</Status><StartTime>${new Date(refresh.startedAt).toISOString()}</StartTime><PercentageComplete>${Math.min(100, Math.round((100 * (now - refresh.startedAt)) / (refresh.endsAt - refresh.startedAt)))}</PercentageComplete></member>`
      : '';
    return queryResult('DescribeInstanceRefreshes', `<InstanceRefreshes>${inner}</InstanceRefreshes>`);
  }

  /**
   * The group's scaling activities the layer plays (failed launches during a shortfall, launches through a hook),
   * newest first and at most MaxRecords (100 by default and at most), as AWS lists them.
   */
  private describeActivities(call: AwsCall): EmulatorAnswer {
    const group = call.params.get('AutoScalingGroupName') ?? '';
    const max = Math.min(ACTIVITIES_PAGE, Number(call.params.get('MaxRecords') ?? ACTIVITIES_PAGE));
    const failed = (this.failedLaunches.get(group) ?? []).map(
      (f): Activity => ({
        description: `Launching a new EC2 instance.  Status Reason: ${f.message}`,
        startedAt: f.at,
        endedAt: f.at,
        status: 'Failed',
        statusMessage: f.message,
      }),
    );
    const hooked = this.hooks.activities(group, this.context.now()).map(
      (a): Activity => ({
        description: `Launching a new EC2 instance: ${a.instanceId}${a.statusMessage ? `.  Status Reason: ${a.statusMessage}` : ''}`,
        startedAt: a.startedAt,
        ...(a.endedAt !== undefined ? { endedAt: a.endedAt } : {}),
        status: a.status,
        ...(a.statusMessage ? { statusMessage: a.statusMessage } : {}),
      }),
    );
    // Newest first, as AWS lists them (a stable sort keeps the failures' own order, newest first, among equals).
    const inner = [...failed.reverse(), ...hooked]
      .sort((a, b) => b.startedAt - a.startedAt)
      .slice(0, max)
      .map((a) => activityXml(group, a))
      .join('');
    return queryResult('DescribeScalingActivities', `<Activities>${inner}</Activities>`);
  }
}

/** DescribeScalingActivities' MaxRecords: 100 by default and at most (API reference). */
const ACTIVITIES_PAGE = 100;

/** One scaling activity the layer shows, in virtual ms. */
interface Activity {
  readonly description: string;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly status: string;
  readonly statusMessage?: string;
}

function activityXml(group: string, a: Activity): string {
  const end = a.endedAt !== undefined ? `<EndTime>${new Date(a.endedAt).toISOString()}</EndTime>` : '';
  const message = a.statusMessage ? `<StatusMessage>${escapeXml(a.statusMessage)}</StatusMessage>` : '';
  const progress = a.endedAt !== undefined ? 100 : 30;
  return `<member><ActivityId>${randomUUID()}</ActivityId><AutoScalingGroupName>${escapeXml(group)}</AutoScalingGroupName><Description>${escapeXml(a.description)}</Description><Cause>An instance was started in response to a difference between desired and actual capacity.</Cause><StartTime>${new Date(a.startedAt).toISOString()}</StartTime>${end}<StatusCode>${a.status}</StatusCode>${message}<Progress>${progress}</Progress></member>`;
}

/** The instances of the first group of a DescribeAutoScalingGroups answer, each its `<member>` element. */
function instancesIn(xml: string): string[] {
  let instances: string[] = [];
  editList(xml, 'Instances', (members) => {
    instances = members;
    return members;
  });
  return instances;
}
