import {
  type Activity,
  AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribePoliciesCommand,
  DescribeScalingActivitiesCommand,
  type InstanceRefresh,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { scalingPolicyGate } from '../decision/scalingPolicyGate';
import type { CapacityState, HeldLaunch } from '../decision/types';
import { AwsCallError, awsCallError, ResourceNotFoundError, ScalingError } from '../errors';
import { GROUP_STAGE_TAG } from '../policy/fleetSchema';
import type { Target } from '../policy/schema';
import type { CapacityPort, KnownScalingPolicies, ObservationDetail, Observed } from '../ports';
import { type AwsConfig, controlPlaneClientOptions } from './awsConfig';
import { heldLaunchesOf } from './heldLaunchesOf';
import type { IamActions } from './iamActions';
import { type OwnScalingPolicy, scalingPoliciesByGroup } from './scalingPoliciesByGroup';

const BLOCKING_PROCESSES = new Set(['Launch', 'Terminate']);
const ACTIVE_REFRESH = new Set(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking']);
/**
 * Instances that do not count toward the desired capacity AWS is filling: those on their way out, and those
 * in standby (AWS launches a replacement for an instance put on standby without lowering desired).
 */
const NOT_PLACED = /^(Terminat|Detach|EnteringStandby$|Standby$)/;
/** Recent scaling activities read for a group short of its desired capacity (newest first). */
const ACTIVITIES_READ = 10;
/**
 * Those read for a group with instances in Pending:Wait: a page of AWS's most (100), so that each held launch is
 * among them (a hook holds one 2 h at most; a busy group's other activities come between).
 */
const HELD_ACTIVITIES_READ = 100;
/** How much of AWS's status message a decision quotes. */
const STATUS_MESSAGE_CHARS = 300;
/** DescribeAutoScalingGroups takes at most 100 names (and returns at most 100 groups a page). */
const NAMES_PER_CALL = 100;
/** DescribePolicies returns at most 100 policies a page. */
const POLICIES_PER_PAGE = 100;
/** DescribePolicies takes at most 50 policy names or ARNs (`PolicyNames`, AWS API reference). */
const POLICY_ARNS_PER_CALL = 50;
/** DescribeInstanceRefreshes calls in flight at once (one per group about to act). */
const REFRESH_READS_IN_FLIGHT = 8;

/** The IAM actions AutoScalingCapacity calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const autoScalingCapacityIam: IamActions = {
  read: [
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:DescribeInstanceRefreshes',
    'autoscaling:DescribeScalingActivities',
    'autoscaling:DescribePolicies',
  ],
  write: ['autoscaling:SetDesiredCapacity'],
};

/**
 * CapacityPort for EC2 Auto Scaling groups: DescribeAutoScalingGroups / SetDesiredCapacity. Capacity is in
 * the group's own unit: instances, or the units of its instance weights or DesiredCapacityType (vcpu,
 * memory-mib), in which the policy's range, steps and caps for the group are then written too. Many groups
 * are described 100 names a call; their instance refreshes are read only for a group about to act (and the
 * account's scaling policies then, once for all of them), the policies that refused a group last time on
 * each first look (by ARN, 50 a call), and their scaling activities only for a group holding fewer instances
 * than it asked for (a launch failing) or holding some in a launch lifecycle hook (since when).
 */
export class AutoScalingCapacity implements CapacityPort {
  private readonly client: AutoScalingClient;

  constructor(config: AwsConfig, client?: AutoScalingClient) {
    this.client = client ?? new AutoScalingClient(controlPlaneClientOptions(config));
  }

  async describe(target: Target): Promise<CapacityState> {
    const name = groupName(target);
    const group = (await this.groups([name])).get(name);
    if (!group) throw new ResourceNotFoundError('Auto Scaling group', name);
    const state = stateOf(group, await this.refreshes(name), await this.activitiesOf(group));
    return withPolicies(state, (await this.scalingPolicies({ AutoScalingGroupName: name })).get(name) ?? []);
  }

  /**
   * Many groups, 100 names a DescribeAutoScalingGroups call; for `'to-act'` each group's instance refreshes
   * too (one call per group: the API takes one name) and their scaling policies (one account-wide listing for
   * them all); for a first look, the policies `refusedBy` names, asked for by ARN. A group that does not exist
   * is its target's ResourceNotFoundError; a call that fails is the error of each target it described (a policy
   * read that fails: of every group it was for).
   */
  async describeMany(
    targets: readonly Target[],
    detail: ObservationDetail,
    refusedBy?: KnownScalingPolicies,
  ): Promise<ReadonlyMap<string, Observed<CapacityState>>> {
    const groups = await this.groupsOrErrors([...new Set(targets.map(groupName))]);
    const observed = new Map<string, Observed<CapacityState>>();
    const found: { target: Target; group: AutoScalingGroup }[] = [];
    for (const target of targets) {
      const group = groups.get(groupName(target));
      if (group && !('error' in group)) found.push({ target, group });
      else observed.set(target.name, { error: group?.error });
    }
    const policiesFor = detail === 'to-act' ? found : found.filter((f) => refusedBy?.has(f.target.name));
    let policies: ReadonlyMap<string, OwnScalingPolicy[]> | undefined;
    if (policiesFor.length > 0)
      try {
        policies =
          detail === 'to-act'
            ? await this.scalingPolicies({})
            : await this.policiesByArn(policiesFor.flatMap((f) => refusedBy?.get(f.target.name) ?? []));
      } catch (error) {
        for (const { target } of policiesFor) observed.set(target.name, { error });
      }
    for (let i = 0; i < found.length; i += REFRESH_READS_IN_FLIGHT)
      await Promise.all(
        found.slice(i, i + REFRESH_READS_IN_FLIGHT).map(async ({ target, group }) => {
          if (observed.has(target.name)) return; // its policies could not be read
          try {
            const refreshes = detail === 'to-act' ? await this.refreshes(groupName(target)) : undefined;
            const state = stateOf(group, refreshes, await this.activitiesOf(group));
            observed.set(target.name, {
              observation: withPolicies(state, policies?.get(groupName(target)) ?? []),
            });
          } catch (error) {
            observed.set(target.name, { error });
          }
        }),
      );
    return observed;
  }

  /** Each named group, or why it could not be read (its call failed, or it does not exist): 100 names a call. */
  private async groupsOrErrors(
    names: readonly string[],
  ): Promise<Map<string, AutoScalingGroup | { error: unknown }>> {
    const groups = new Map<string, AutoScalingGroup | { error: unknown }>();
    for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
      const chunk = names.slice(i, i + NAMES_PER_CALL);
      try {
        const found = await this.groups(chunk);
        for (const name of chunk)
          groups.set(
            name,
            found.get(name) ?? { error: new ResourceNotFoundError('Auto Scaling group', name) },
          );
      } catch (error) {
        for (const name of chunk) groups.set(name, { error });
      }
    }
    return groups;
  }

  /** The named groups (at most 100), following pages. */
  private async groups(names: readonly string[]): Promise<Map<string, AutoScalingGroup>> {
    const found = new Map<string, AutoScalingGroup>();
    let token: string | undefined;
    do {
      const response = await this.client
        .send(
          new DescribeAutoScalingGroupsCommand({
            AutoScalingGroupNames: [...names],
            MaxRecords: NAMES_PER_CALL,
            ...(token ? { NextToken: token } : {}),
          }),
        )
        .catch((cause: unknown) => {
          throw new AwsCallError('AutoScaling DescribeAutoScalingGroups', cause);
        });
      for (const group of response.AutoScalingGroups ?? [])
        if (group.AutoScalingGroupName) found.set(group.AutoScalingGroupName, group);
      token = response.NextToken;
    } while (token);
    return found;
  }

  /**
   * The capacity-changing scaling policies of one group (`AutoScalingGroupName`), of every group of the
   * account and region (nothing given: one listing for all the groups about to act, whatever their number), or
   * of those named (`PolicyNames`), by group. Follows pages.
   */
  private async scalingPolicies(filter: {
    AutoScalingGroupName?: string;
    PolicyNames?: string[];
  }): Promise<Map<string, OwnScalingPolicy[]>> {
    const byGroup = new Map<string, OwnScalingPolicy[]>();
    let token: string | undefined;
    do {
      const response = await this.client
        .send(
          new DescribePoliciesCommand({
            ...filter,
            MaxRecords: POLICIES_PER_PAGE,
            ...(token ? { NextToken: token } : {}),
          }),
        )
        .catch((cause: unknown) => {
          throw new AwsCallError('AutoScaling DescribePolicies', cause);
        });
      scalingPoliciesByGroup(response.ScalingPolicies ?? [], byGroup);
      token = response.NextToken;
    } while (token);
    return byGroup;
  }

  /**
   * Those of the policies `arns` that still change capacity, by group: 50 a call, whichever groups they are
   * on. DescribePolicies takes a policy's ARN where it takes its name (the ResourceName type, as DeletePolicy
   * and ExecutePolicy do) and ignores one it does not know: a policy deleted is simply absent.
   */
  private async policiesByArn(arns: readonly string[]): Promise<Map<string, OwnScalingPolicy[]>> {
    const asked = [...new Set(arns)];
    const byGroup = new Map<string, OwnScalingPolicy[]>();
    for (let i = 0; i < asked.length; i += POLICY_ARNS_PER_CALL) {
      const chunk = asked.slice(i, i + POLICY_ARNS_PER_CALL);
      for (const [group, policies] of await this.scalingPolicies({ PolicyNames: chunk })) {
        const still = policies.filter((p) => p.arn !== undefined && chunk.includes(p.arn));
        if (still.length > 0) byGroup.set(group, [...(byGroup.get(group) ?? []), ...still]);
      }
    }
    return byGroup;
  }

  private async refreshes(name: string): Promise<InstanceRefresh[]> {
    const response = await this.client
      .send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: name, MaxRecords: 5 }))
      .catch((cause: unknown) => {
        throw new AwsCallError('AutoScaling DescribeInstanceRefreshes', cause);
      });
    return response.InstanceRefreshes ?? [];
  }

  /**
   * What the group's recent scaling activities tell, read in one call (the newest page) only for a group that needs
   * them: one holding fewer instances than its desired capacity (is its latest launch failing?) or holding some in
   * Pending:Wait (since when?). Nearly every group, nearly every minute, holds all it asked for past their hooks and
   * costs no call. A read that fails (throttled past its retries) tells nothing and fails nothing: it only tells,
   * it never holds an action; the held instances then carry why they have no launch time.
   */
  private async activitiesOf(group: AutoScalingGroup): Promise<GroupActivities> {
    const placed = unitsOf(group, (state) => !NOT_PLACED.test(state));
    const missing = (group.DesiredCapacity ?? 0) - placed;
    const held = heldInHook(group);
    if ((missing <= 0 && held.length === 0) || !group.AutoScalingGroupName) return {};
    const read: Activity[] | AwsCallError = await this.client
      .send(
        new DescribeScalingActivitiesCommand({
          AutoScalingGroupName: group.AutoScalingGroupName,
          MaxRecords: held.length > 0 ? HELD_ACTIVITIES_READ : ACTIVITIES_READ,
        }),
      )
      .then(
        (response) => response.Activities ?? [],
        (cause: unknown) => new AwsCallError('AutoScaling DescribeScalingActivities', cause),
      );
    const launchesFailing =
      missing > 0 && !(read instanceof Error) ? launchFailure(missing, read) : undefined;
    return {
      ...(launchesFailing ? { launchesFailing } : {}),
      ...(held.length > 0 ? { inLaunchHook: heldLaunchesOf(held, read) } : {}),
    };
  }

  /**
   * What keeps Scalepilot from managing this group (validate --check-account, plan), one sentence each: the
   * group does not exist, or its own scaling policies change its capacity (the gate's refusal, told before a
   * deploy rather than at the group's first scale-out).
   */
  async prerequisites(target: Target): Promise<string[]> {
    const name = groupName(target);
    if (!(await this.groups([name])).has(name)) return [`Auto Scaling group "${name}" does not exist`];
    const policies = (await this.scalingPolicies({ AutoScalingGroupName: name })).get(name) ?? [];
    const refusal = scalingPolicyGate(name, { scalingPolicies: policies.map((p) => p.label) });
    return refusal && 'skip' in refusal ? [refusal.message] : [];
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
        // A refusal (ValidationError, ScalingActivityInProgress) changed nothing: its intent goes at once, as
        // a refused replica create's or reshard's does; any other failure leaves it for the next describe.
        throw awsCallError('AutoScaling SetDesiredCapacity', cause);
      });
  }
}

type LaunchFailure = NonNullable<CapacityState['launchesFailing']>;

/** What a group's scaling activities told (activitiesOf), when they were read. */
interface GroupActivities {
  readonly launchesFailing?: LaunchFailure;
  readonly inLaunchHook?: CapacityState['inLaunchHook'];
}

/** The group's failure to place `missing` units, when its latest launch among `activities` failed. */
function launchFailure(missing: number, activities: readonly Activity[]): LaunchFailure | undefined {
  const launch = latestLaunch(activities);
  if (launch?.StatusCode !== 'Failed') return undefined;
  const statusMessage = (launch.StatusMessage ?? launch.Description ?? 'no status message').trim();
  return {
    missing,
    statusMessage: statusMessage.slice(0, STATUS_MESSAGE_CHARS),
    startedAt: launch.StartTime ?? new Date(0),
  };
}

/** The state with the group's capacity-changing scaling policies, when it has any (the gates refuse it). */
function withPolicies(state: CapacityState, policies: readonly OwnScalingPolicy[]): CapacityState {
  if (policies.length === 0) return state;
  const arns = policies.flatMap((p) => (p.arn ? [p.arn] : []));
  return {
    ...state,
    scalingPolicies: policies.map((p) => p.label),
    ...(arns.length > 0 ? { scalingPolicyArns: arns } : {}),
  };
}

/**
 * The units of the group's instances whose lifecycle state `counts`: those in service (serving), or all but
 * those leaving or in standby (placed toward the desired capacity, booting ones too).
 */
function unitsOf(group: AutoScalingGroup, counts: (lifecycleState: string) => boolean): number {
  return (group.Instances ?? [])
    .filter((i) => counts(i.LifecycleState ?? ''))
    .reduce((sum, i) => sum + instanceUnits(i.WeightedCapacity, group.DesiredCapacityType), 0);
}

/** The newest launch among a group's activities (AWS lists them newest first; sorted here all the same). */
function latestLaunch(activities: readonly Activity[]): Activity | undefined {
  return activities
    .filter((a) => /^Launching/.test(a.Description ?? ''))
    .sort((a, b) => (b.StartTime?.getTime() ?? 0) - (a.StartTime?.getTime() ?? 0))[0];
}

/**
 * A group's capacity view. `refreshes` absent (a first look): an instance refresh in progress is not known
 * yet; the read made under the lease before any action has them.
 */
function stateOf(
  group: AutoScalingGroup,
  refreshes: readonly InstanceRefresh[] | undefined,
  { launchesFailing, inLaunchHook }: GroupActivities,
): CapacityState {
  const suspended = (group.SuspendedProcesses ?? [])
    .map((p) => p.ProcessName ?? '')
    .filter((p) => BLOCKING_PROCESSES.has(p));
  const refresh = (refreshes ?? []).find((r) => ACTIVE_REFRESH.has(r.Status ?? ''));
  // Launch or Terminate alone holds the direction it stops (suspendedProcessGate); both, the group.
  const busy = group.Status
    ? `group status "${group.Status}"`
    : suspended.length === BLOCKING_PROCESSES.size
      ? `processes suspended: ${suspended.join(', ')}`
      : undefined;
  // Everything is in the group's own unit (DesiredCapacityType: units, vcpu or memory-mib; or the
  // mixed instances policy's weights): DesiredCapacity, MinSize and MaxSize already are, and each
  // instance counts its WeightedCapacity (1 when the group has no weights).
  const current = group.DesiredCapacity ?? 0;
  // An instance AWS marked Unhealthy serves no load, though still InService: AWS replaces it (a terminate and a
  // launch), so it counts as booting until its replacement is in service, not as serving.
  const healthy = (group.Instances ?? []).filter((i) => i.HealthStatus !== 'Unhealthy');
  const inService = unitsOf({ ...group, Instances: healthy }, (state) => state === 'InService');
  const scaleInProtected = protectedUnitsOf(group);
  const unitLabel = unitLabelOf(group.DesiredCapacityType, group.Instances ?? []);
  const stageTag = group.Tags?.find((t) => t.Key === GROUP_STAGE_TAG)?.Value;
  return {
    current,
    ...(unitLabel ? { unitLabel } : {}),
    // AWS may overshoot the desired capacity by less than one instance's weight; serving never exceeds it.
    serving: Math.min(current, inService),
    liveMin: group.MinSize ?? 0,
    liveMax: group.MaxSize ?? 0,
    ...(busy ? { busy } : {}),
    ...(!busy && suspended.length > 0 ? { suspendedProcesses: suspended } : {}),
    ...(refresh ? { instanceRefresh: `${refresh.InstanceRefreshId} is ${refresh.Status}` } : {}),
    ...(launchesFailing ? { launchesFailing } : {}),
    ...(scaleInProtected > 0 ? { scaleInProtected } : {}),
    ...(inLaunchHook ? { inLaunchHook } : {}),
    ...(stageTag !== undefined ? { stageTag } : {}),
  };
}

/**
 * The units of the group's instances protected from scale-in that count toward its desired capacity (not
 * leaving, not in standby). AWS lowers desired below them on a scale-in but terminates none of them until their
 * protection is lifted ("Use instance scale-in protection", EC2 Auto Scaling user guide). Pending ones count
 * too: their protection starts when they reach InService, within minutes of a desired set below them.
 */
export function protectedUnitsOf(group: AutoScalingGroup): number {
  const kept = (group.Instances ?? []).filter((i) => i.ProtectedFromScaleIn === true);
  return unitsOf({ ...group, Instances: kept }, (state) => !NOT_PLACED.test(state));
}

/**
 * The group's instances held by a launch lifecycle hook (`Pending:Wait`, until the hook is completed or times out),
 * read from the instances DescribeAutoScalingGroups lists anyway, with their units. `Pending:Proceed` is past its
 * hooks; a warm pool's `Warmed:Pending:Wait` is no launch into the group (DescribeWarmPool lists the pool).
 */
function heldInHook(group: AutoScalingGroup): Omit<HeldLaunch, 'launchedAt'>[] {
  return (group.Instances ?? []).flatMap((i) =>
    i.LifecycleState === 'Pending:Wait' && i.InstanceId
      ? [{ instanceId: i.InstanceId, units: instanceUnits(i.WeightedCapacity, group.DesiredCapacityType) }]
      : [],
  );
}

/** The unit's name in messages when it is not an instance: the group's DesiredCapacityType, or weights. */
export function unitLabelOf(
  type: string | undefined,
  instances: readonly { WeightedCapacity?: string }[],
): string | undefined {
  if (type === 'vcpu') return 'vCPU';
  if (type === 'memory-mib') return 'MiB';
  if (type === 'units' || instances.some((i) => i.WeightedCapacity !== undefined)) return 'unit';
  return undefined;
}

/**
 * The capacity units one instance counts for: its WeightedCapacity (a string in the API), else 1. A group counted
 * in vCPUs or MiB has no such default: AWS weighs each instance by its type's vCPUs or memory, and an instance
 * read without its weight counted 1 vCPU where it had 8 (a vCPU group at 64 read as serving 8 scaled in to 7).
 */
function instanceUnits(weightedCapacity: string | undefined, capacityType: string | undefined): number {
  if (weightedCapacity === undefined && (capacityType === 'vcpu' || capacityType === 'memory-mib'))
    throw new ScalingError(
      `an instance of a group counted in ${capacityType === 'vcpu' ? 'vCPUs' : 'MiB'} has no WeightedCapacity: its units cannot be told`,
    );
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
