import {
  type AutoScalingClient,
  type AutoScalingGroup,
  DeleteTagsCommand,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { protectedUnitsOf, unitLabelOf } from '../../shared/adapters/AutoScalingCapacity';
import { FAILED_REMOVAL_MEMORY_HOURS, failedRemovalsNow } from '../../shared/decision/cacheShardRemovals';
import { type CacheShardsObservation, cacheShardsModel } from '../../shared/decision/cacheShards';
import {
  DRAINING_TAG,
  inServingState,
  isGoing,
  isManaged,
  type RdsReplicasObservation,
} from '../../shared/decision/rdsReplicas';
import { lookbackSeconds } from '../../shared/decision/ruleReadings';
import { FORECAST_ACTION_PREFIX } from '../../shared/decision/scheduledFloors';
import { type Decision, emptyHistory, type MetricReading } from '../../shared/decision/types';
import { AwsCallError } from '../../shared/errors';
import { SCHEDULE_OWNER_TAG } from '../../shared/policy/fleetSchema';
import type { AsgTarget, CacheShardsTarget, Policy, RdsReplicasTarget } from '../../shared/policy/schema';
import type {
  Ledger,
  MetricQuery,
  MetricsReader,
  ResourceScaler,
  ScheduledActionsPort,
} from '../../shared/ports';

/** One step of a release: what it does, for the operator to read, and the change (absent: a line that reports). */
export interface ReleaseStep {
  readonly target: string;
  readonly description: string;
  readonly apply?: () => Promise<void>;
  /** A step the gates refused: reported, not applied, and the release ends with a failure. */
  readonly refused?: true;
}

/** The AWS sides release works through: the scalers' own adapters, so it acts as they do. */
export interface ReleasePorts {
  readonly autoScaling: AutoScalingClient;
  readonly rds: ResourceScaler<RdsReplicasObservation>;
  readonly cache: ResourceScaler<CacheShardsObservation>;
  readonly metrics: MetricsReader;
  readonly scheduled: ScheduledActionsPort;
  /** The targets' ledger records: a cache's shards AWS kept on a scale-in (absent: the ledger was not found). */
  readonly ledger?: Pick<Ledger, 'read'>;
  readonly clock: { now(): Date };
  /** Waits; tests pass a virtual one. */
  readonly sleep: (ms: number) => Promise<void>;
}

/** The line of a resource release did not find (removed already, another account): the same for every kind. */
export function notFound(kind: string, name: string): string {
  return `${kind} "${name}" not found: nothing to do`;
}

const wrap = (operation: string) => (cause: unknown) => {
  throw new AwsCallError(operation, cause);
};

/**
 * A group back to its minimum: Scalepilot's scheduled MinSize actions on it deleted first (one already run may
 * have raised MinSize: it goes back to the policy's minimum, as predict itself returns it), then desired
 * capacity to the minimum (never below the group's own MinSize, which AWS would refuse).
 */
export async function groupSteps(target: AsgTarget, ports: ReleasePorts): Promise<ReleaseStep[]> {
  const name = target.autoScalingGroupName;
  const group = (
    await ports.autoScaling
      .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))
      .catch(wrap('AutoScaling DescribeAutoScalingGroups'))
  ).AutoScalingGroups?.[0];
  if (!group) return [{ target: target.name, description: notFound('Auto Scaling group', name) }];
  const steps: ReleaseStep[] = [];
  const ours = (await ports.scheduled.scheduledActions(name)).filter((a) =>
    a.name.startsWith(FORECAST_ACTION_PREFIX),
  );
  if (ours.length > 0)
    steps.push({
      target: target.name,
      description: `group ${name}: delete ${ours.length} scheduled MinSize action(s) Scalepilot wrote`,
      apply: () =>
        ports.scheduled.replace(
          name,
          [],
          ours.map((a) => a.name),
        ),
    });
  const tagged = group.Tags?.some((t) => t.Key === SCHEDULE_OWNER_TAG) === true;
  const minSize = tagged ? Math.min(group.MinSize ?? 0, target.capacity.min) : (group.MinSize ?? 0);
  if (tagged) steps.push(...untagSteps(target, ports, group.MinSize ?? 0));
  const desired = group.DesiredCapacity ?? 0;
  const min = Math.max(target.capacity.min, minSize);
  if (desired > min) steps.push(desiredStep(target, ports, desired, min, group));
  else steps.push({ target: target.name, description: `group ${name} at ${desired}, its minimum` });
  return steps;
}

/**
 * A group Scalepilot's scheduled actions have held: MinSize back to the policy's minimum when they raised it,
 * then their owner tag removed.
 */
function untagSteps(target: AsgTarget, ports: ReleasePorts, minSize: number): ReleaseStep[] {
  const name = target.autoScalingGroupName;
  const steps: ReleaseStep[] = [];
  if (minSize > target.capacity.min)
    steps.push({
      target: target.name,
      description: `group ${name}: MinSize ${minSize} → ${target.capacity.min} (raised by Scalepilot's scheduled actions)`,
      apply: async () => {
        await ports.autoScaling
          .send(
            new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: target.capacity.min }),
          )
          .catch(wrap('AutoScaling UpdateAutoScalingGroup'));
      },
    });
  steps.push({
    target: target.name,
    description: `group ${name}: remove the tag ${SCHEDULE_OWNER_TAG}`,
    apply: async () => {
      await ports.autoScaling
        .send(
          new DeleteTagsCommand({
            Tags: [{ ResourceId: name, ResourceType: 'auto-scaling-group', Key: SCHEDULE_OWNER_TAG }],
          }),
        )
        .catch(wrap('AutoScaling DeleteTags'));
    },
  });
  return steps;
}

/** Desired capacity down to the minimum, with no cooldown (the operator asked for it). */
function desiredStep(
  target: AsgTarget,
  ports: ReleasePorts,
  desired: number,
  min: number,
  group: AutoScalingGroup,
): ReleaseStep {
  const name = target.autoScalingGroupName;
  // AWS lowers desired below protected instances but terminates none of them until their protection is
  // lifted ("Use instance scale-in protection"): said, so the operator knows why they still run. Counted in the
  // group's own unit, as `min` is (the scaler's count: weights, vCPU, MiB).
  const kept = protectedUnitsOf(group);
  const unit = unitLabelOf(group.DesiredCapacityType, group.Instances ?? []);
  const note =
    kept > min
      ? `; ${kept}${unit ? ` ${unit}s` : ''} of its instances are protected from scale-in: AWS keeps them running until their protection is lifted`
      : '';
  return {
    target: target.name,
    description: `group ${name}: desired ${desired} → ${min} (SetDesiredCapacity)${note}`,
    apply: async () => {
      await ports.autoScaling
        .send(
          new SetDesiredCapacityCommand({
            AutoScalingGroupName: name,
            DesiredCapacity: min,
            HonorCooldown: false,
          }),
        )
        .catch(wrap('AutoScaling SetDesiredCapacity'));
    },
  };
}

/**
 * RDS replicas above the minimum, newest first, only the ones Scalepilot created for this target: each taken
 * out of reader discovery and tagged draining first (the scaler's own drain), then, `drainSeconds` after the
 * first of them started draining (a re-run waits only what is left), deleted. Hand-made replicas and other
 * targets' stay.
 */
export async function replicaSteps(target: RdsReplicasTarget, ports: ReleasePorts): Promise<ReleaseStep[]> {
  const observation = await ports.rds.observe(target);
  const source = target.sourceDbInstanceIdentifier;
  const live = observation.replicas.filter((r) => !isGoing(r));
  const removable = live
    .filter((r) => isManaged(target, r))
    .sort(
      (a, b) =>
        (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0) ||
        b.id.localeCompare(a.id, 'en', { numeric: true }),
    );
  const going = removable.slice(0, Math.max(0, live.length - target.capacity.min));
  const steps: ReleaseStep[] = live
    .filter((r) => !going.includes(r))
    .map((r) => ({
      target: target.name,
      description: `keep replica ${r.id} of ${source} (${isManaged(target, r) ? 'within the minimum' : r.otherStage !== undefined ? `stage ${r.otherStage}'s` : 'not created by Scalepilot for this target'})`,
    }));
  if (going.length === 0)
    return [...steps, { target: target.name, description: `${source}: no replica above the minimum` }];
  // What reader discovery publishes while and after they go: the replicas that stay (or the source).
  const staying = live
    .filter((r) => !going.includes(r) && inServingState(r) && r.endpoint)
    .map((r) => r.endpoint as string);
  const discovery = target.readerDiscovery
    ? {
        discovery:
          staying.length > 0
            ? staying.sort()
            : observation.source.endpoint
              ? [observation.source.endpoint]
              : [],
      }
    : {};
  return [...steps, ...drainThenDelete(target, ports, observation, live, going, discovery)];
}

/**
 * Each replica going tagged draining (and out of reader discovery), a wait of `drainSeconds` from the first
 * drain (a re-run waits only what is left), then each deleted.
 */
function drainThenDelete(
  target: RdsReplicasTarget,
  ports: ReleasePorts,
  observation: RdsReplicasObservation,
  live: readonly RdsReplicasObservation['replicas'][number][],
  going: readonly RdsReplicasObservation['replicas'][number][],
  discovery: { discovery?: string[] },
): ReleaseStep[] {
  const source = target.sourceDbInstanceIdentifier;
  const started = going.map((r) => Date.parse(r.tags[DRAINING_TAG] ?? '')).filter((t) => Number.isFinite(t));
  const drains = going.map((replica) => ({
    target: target.name,
    description: `drain replica ${replica.id} of ${source}: tag ${DRAINING_TAG}${target.readerDiscovery ? ', out of reader discovery' : ''}`,
    apply: async () => {
      const at = replica.tags[DRAINING_TAG] ?? ports.clock.now().toISOString();
      const drain = { type: 'drain' as const, desired: live.length, replica: replica.id, at, ...discovery };
      await ports.rds.act(target, drain, observation);
    },
  }));
  const wait = {
    target: target.name,
    description: `wait for readers to move off (drainSeconds ${target.drainSeconds} s from the first drain)`,
    apply: async () => {
      const since = started.length > 0 ? Math.min(...started) : ports.clock.now().getTime();
      const left = since + target.drainSeconds * 1000 - ports.clock.now().getTime();
      if (left > 0) await ports.sleep(left);
    },
  };
  const deletes = going.map((replica, i) => ({
    target: target.name,
    description: `delete replica ${replica.id} of ${source} (created by Scalepilot; ${live.length - i} live, minimum ${target.capacity.min})`,
    apply: async () => {
      const del = {
        type: 'delete' as const,
        desired: live.length - i - 1,
        replica: replica.id,
        ...discovery,
      };
      await ports.rds.act(target, del, observation);
    },
  }));
  return [...drains, wait, ...deletes];
}

/**
 * A cache back to its minimum shards through the gates scale-in itself passes (memory headroom for the shards
 * that go, engine CPU, the re-alarm projection, a replica change's cooldown): the shards holding the least
 * memory go, leaving out those the ledger remembers AWS kept on a scale-in (as the scaler does). A refusal is
 * reported with its reason and the cache is left as it is.
 */
export async function cacheSteps(target: CacheShardsTarget, ports: ReleasePorts): Promise<ReleaseStep[]> {
  const observation = await ports.cache.observe(target);
  const id = target.replicationGroupId;
  const shards = observation.shards.length;
  const min = Math.max(1, target.capacity.min);
  if (shards <= min)
    return [{ target: target.name, description: `replication group ${id} at ${shards} shards, its minimum` }];
  const now = ports.clock.now();
  const decision: Decision = {
    target: target.name,
    kind: 'cache-shards',
    current: shards,
    desired: min,
    recommendation: min,
    direction: 'in',
    reason: 'ScaleIn',
    message: `release: ${shards} → ${min} shards`,
    metrics: {},
  };
  const metrics = await readCacheMetrics(target, observation, ports.metrics, now);
  const remembered = await rememberedShards(target, observation, ports.ledger, now);
  const outcome = cacheShardsModel.gate({
    target,
    decision,
    observation,
    history: emptyHistory,
    metrics,
    ...(remembered.failedRemovals ? { failedRemovals: remembered.failedRemovals } : {}),
    now,
  });
  // How the shards' primaries were read (one assumed, a rule held), when not plainly told.
  const said = outcome.note ? `; ${outcome.note.message}` : '';
  if ('skip' in outcome)
    return [
      ...remembered.lines,
      {
        target: target.name,
        description: `replication group ${id}: ${shards} → ${min} shards refused (${outcome.skip}): ${outcome.message}${said}`,
        refused: true,
      },
    ];
  const act = outcome.act;
  if (!act) return [{ target: target.name, description: `replication group ${id}: nothing to do` }];
  return [
    ...remembered.lines,
    {
      target: target.name,
      description: `replication group ${id}: ${shards} → ${min} shards${'message' in outcome ? `, ${outcome.message}` : ''}${said} (ModifyReplicationGroupShardConfiguration)`,
      apply: async () => void (await ports.cache.act(target, act, observation)),
    },
  ];
}

/**
 * The shards the target's ledger record remembers AWS kept when a scale-in asked to remove them (a shard holding
 * an item over 256 MB serialised is not deleted: AWS's online-resharding guide), for the gates to choose around,
 * and a line for each that still counts. A ledger that cannot be read is one line, and release goes on without.
 */
async function rememberedShards(
  target: CacheShardsTarget,
  observation: CacheShardsObservation,
  ledger: ReleasePorts['ledger'],
  now: Date,
): Promise<{ failedRemovals?: Readonly<Record<string, Date>>; lines: ReleaseStep[] }> {
  if (!ledger) return { lines: [] };
  const id = target.replicationGroupId;
  try {
    const { failedRemovals } = await ledger.read(target.name);
    const kept = failedRemovalsNow(failedRemovals, observation, now);
    const lines = [...kept].map(([shard, at]) => ({
      target: target.name,
      description: `keep shard ${shard} of ${id}: AWS kept it when a scale-in asked to remove it (${at.toISOString()}; a key over 256 MB serialised keeps its shard): left out for ${FAILED_REMOVAL_MEMORY_HOURS} h from then`,
    }));
    return { ...(failedRemovals ? { failedRemovals } : {}), lines };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return {
      lines: [
        {
          target: target.name,
          description: `ledger not read (${why}): shards chosen without the ones AWS kept on a scale-in`,
        },
      ],
    };
  }
}

/** The metrics the cache gates read, per node, as the scaler reads them. */
async function readCacheMetrics(
  target: CacheShardsTarget,
  observation: CacheShardsObservation,
  reader: MetricsReader,
  now: Date,
) {
  const queries: MetricQuery[] = [];
  const owner: string[] = [];
  for (const rule of target.rules)
    for (const metric of cacheShardsModel.metricsFor?.(target, rule, observation) ?? []) {
      owner.push(rule.name);
      queries.push({ id: `q${queries.length}`, metric });
    }
  const lookback = Math.max(600, ...target.rules.map((r) => lookbackSeconds(target, r)));
  const read = await reader.recent(queries, now, lookback);
  const metrics: Record<string, MetricReading[][]> = {};
  queries.forEach((q, i) => {
    const rule = owner[i] as string;
    metrics[rule] = [...(metrics[rule] ?? []), [...(read.values.get(q.id) ?? [])]];
  });
  return metrics;
}

/**
 * Every scheduled action Scalepilot wrote that is still in the account: on the policy's groups (their own step
 * deletes them first) and on groups tagged as this stage's, for targets no longer in the policy.
 */
export async function leftoverActionSteps(policy: Policy, ports: ReleasePorts): Promise<ReleaseStep[]> {
  const groups = new Set(policy.targets.flatMap((t) => (t.kind === 'asg' ? [t.autoScalingGroupName] : [])));
  const byGroup = new Map<string, string[]>();
  for (const action of await ports.scheduled.ownedActions(FORECAST_ACTION_PREFIX)) {
    if (groups.has(action.group)) continue;
    byGroup.set(action.group, [...(byGroup.get(action.group) ?? []), action.name]);
  }
  const steps: ReleaseStep[] = [];
  for (const [group, names] of byGroup) {
    const { owner } = await ports.scheduled.group(group);
    if (owner !== 'this')
      steps.push({
        target: '(scheduled actions)',
        description: `group ${group}: ${names.length} Scalepilot action(s) of another stage or untagged: kept`,
      });
    else
      steps.push({
        target: '(scheduled actions)',
        description: `group ${group}: delete ${names.length} scheduled MinSize action(s) of targets no longer in the policy`,
        apply: () => ports.scheduled.replace(group, [], names),
      });
  }
  return steps;
}
