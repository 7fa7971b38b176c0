import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ModifyReplicationGroupShardConfigurationCommand,
  ReplicationGroupNotFoundFault,
} from '@aws-sdk/client-elasticache';
import {
  type DBInstance,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { type AwsConfig, clientOptions } from '../../shared/adapters/awsConfig';
import { AwsCallError } from '../../shared/errors';
import type { AsgTarget, CacheShardsTarget, Policy, RdsReplicasTarget } from '../../shared/policy/schema';

/** The tags Scalepilot puts on what it creates (the RDS replicas); the only things release deletes. */
const MANAGED_TAG = 'scalepilot:managed';
const TARGET_TAG = 'scalepilot:target';

/** One line of the release plan: what Scalepilot created or scaled, and what release would do to it. */
export interface ReleaseStep {
  readonly target: string;
  readonly resource: string;
  /** What is there and what release does, for the operator to read before confirming. */
  readonly description: string;
  /** The change; absent for a line that only reports (at the minimum, kept, not found). */
  readonly apply?: () => Promise<void>;
}

/** The AWS clients release talks to; tests pass their own (aws-sdk-client-mock where moto lacks an API). */
export interface ReleaseClients {
  readonly autoScaling: AutoScalingClient;
  readonly rds: RDSClient;
  readonly elastiCache: ElastiCacheClient;
}

export function releaseClients(aws: AwsConfig): ReleaseClients {
  return {
    autoScaling: new AutoScalingClient(clientOptions(aws)),
    rds: new RDSClient(clientOptions(aws)),
    elastiCache: new ElastiCacheClient(clientOptions(aws)),
  };
}

/**
 * Everything Scalepilot created or scaled, and the way back to each target's minimum before
 * `sls remove`: every group back to its minimum desired capacity, every cache back to its minimum
 * shards, and the RDS replicas above the minimum deleted, newest first, but only replicas Scalepilot
 * created (tagged `scalepilot:managed=true` and `scalepilot:target=<target>`): a hand-made replica or a
 * source instance is never in the plan. Managed replicas whose target is no longer in the policy are
 * listed, not deleted. Reads only; `applyRelease` acts.
 */
export async function planRelease(policy: Policy, clients: ReleaseClients): Promise<ReleaseStep[]> {
  const steps: ReleaseStep[] = [];
  const instances = policy.targets.some((t) => t.kind === 'rds-replicas')
    ? await allDbInstances(clients.rds)
    : [];
  for (const target of policy.targets) {
    if (target.kind === 'asg') steps.push(await asgStep(target, clients.autoScaling));
    else if (target.kind === 'rds-replicas') steps.push(...rdsSteps(target, instances, clients.rds));
    else steps.push(await cacheStep(target, clients.elastiCache));
  }
  const known = new Set(policy.targets.map((t) => t.name));
  for (const instance of instances) {
    const tags = tagsOf(instance);
    const target = tags.get(TARGET_TAG) ?? '';
    if (tags.get(MANAGED_TAG) === 'true' && !known.has(target))
      steps.push({
        target: target || '(none)',
        resource: instance.DBInstanceIdentifier ?? '',
        description: `replica ${instance.DBInstanceIdentifier} was created by Scalepilot for target "${target}", which is not in this policy: kept (delete it by hand, or release with the policy that named it)`,
      });
  }
  return steps;
}

/** Applies every step that changes something; one failure is reported and the rest still run. */
export async function applyRelease(
  steps: readonly ReleaseStep[],
  log: (line: string) => void,
): Promise<{ failed: number }> {
  let failed = 0;
  for (const step of steps) {
    if (!step.apply) continue;
    try {
      await step.apply();
      log(`done: ${step.target}: ${step.description}`);
    } catch (error) {
      failed += 1;
      log(
        `FAILED: ${step.target}: ${step.description}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return { failed };
}

async function asgStep(target: AsgTarget, client: AutoScalingClient): Promise<ReleaseStep> {
  const name = target.autoScalingGroupName;
  const response = await client
    .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))
    .catch((cause: unknown) => {
      throw new AwsCallError('AutoScaling DescribeAutoScalingGroups', cause);
    });
  const group = response.AutoScalingGroups?.[0];
  const base = { target: target.name, resource: name };
  if (!group) return { ...base, description: `group ${name} not found: nothing to do` };
  const desired = group.DesiredCapacity ?? 0;
  // Never below the group's own MinSize, which AWS would refuse.
  const min = Math.max(target.capacity.min, group.MinSize ?? 0);
  if (desired <= min)
    return { ...base, description: `group ${name} at ${desired}, its minimum: nothing to do` };
  return {
    ...base,
    description: `group ${name}: desired ${desired} → ${min} (SetDesiredCapacity)`,
    apply: async () => {
      await client
        .send(
          new SetDesiredCapacityCommand({
            AutoScalingGroupName: name,
            DesiredCapacity: min,
            HonorCooldown: false,
          }),
        )
        .catch((cause: unknown) => {
          throw new AwsCallError('AutoScaling SetDesiredCapacity', cause);
        });
    },
  };
}

function rdsSteps(
  target: RdsReplicasTarget,
  instances: readonly DBInstance[],
  client: RDSClient,
): ReleaseStep[] {
  const source = target.sourceDbInstanceIdentifier;
  const base = { target: target.name, resource: source };
  if (!instances.some((i) => i.DBInstanceIdentifier === source))
    return [{ ...base, description: `source instance ${source} not found: nothing to do` }];
  const replicas = instances.filter(
    (i) => i.ReadReplicaSourceDBInstanceIdentifier === source && i.DBInstanceStatus !== 'deleting',
  );
  const managed = (i: DBInstance) => {
    const tags = tagsOf(i);
    return tags.get(MANAGED_TAG) === 'true' && tags.get(TARGET_TAG) === target.name;
  };
  // Newest first, as the scaler removes them; only Scalepilot's own, and never the source itself.
  const removable = replicas
    .filter((i) => managed(i) && i.DBInstanceIdentifier !== source)
    .sort((a, b) => (b.InstanceCreateTime?.getTime() ?? 0) - (a.InstanceCreateTime?.getTime() ?? 0));
  const excess = Math.max(0, replicas.length - target.capacity.min);
  const toDelete = removable.slice(0, excess);
  const steps: ReleaseStep[] = toDelete.map((replica) => ({
    target: target.name,
    resource: replica.DBInstanceIdentifier ?? '',
    description: `delete replica ${replica.DBInstanceIdentifier} of ${source} (created by Scalepilot; ${replicas.length} replicas, minimum ${target.capacity.min})`,
    apply: async () => {
      await client
        .send(
          new DeleteDBInstanceCommand({
            DBInstanceIdentifier: replica.DBInstanceIdentifier,
            SkipFinalSnapshot: true,
          }),
        )
        .catch((cause: unknown) => {
          throw new AwsCallError('RDS DeleteDBInstance', cause);
        });
    },
  }));
  for (const replica of replicas.filter((r) => !toDelete.includes(r)))
    steps.push({
      target: target.name,
      resource: replica.DBInstanceIdentifier ?? '',
      description: `keep replica ${replica.DBInstanceIdentifier} of ${source} (${managed(replica) ? 'within the minimum' : 'not created by Scalepilot'})`,
    });
  if (replicas.length === 0) steps.push({ ...base, description: `${source} has no replicas: nothing to do` });
  return steps;
}

async function cacheStep(target: CacheShardsTarget, client: ElastiCacheClient): Promise<ReleaseStep> {
  const id = target.replicationGroupId;
  const base = { target: target.name, resource: id };
  const response = await client
    .send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))
    .catch((cause: unknown) => {
      if (cause instanceof ReplicationGroupNotFoundFault) return undefined;
      throw new AwsCallError('ElastiCache DescribeReplicationGroups', cause);
    });
  const group = response?.ReplicationGroups?.[0];
  if (!group) return { ...base, description: `replication group ${id} not found: nothing to do` };
  const shards = group.NodeGroups ?? [];
  const min = Math.max(1, target.capacity.min);
  if (shards.length <= min)
    return {
      ...base,
      description: `replication group ${id} at ${shards.length} shards, its minimum: nothing to do`,
    };
  // The highest-numbered shards go, as when the scaler scales in; their slots move to the rest.
  const remove = shards
    .map((s) => s.NodeGroupId ?? '')
    .sort()
    .slice(min);
  return {
    ...base,
    description: `replication group ${id}: ${shards.length} → ${min} shards, removing ${remove.join(', ')} (ModifyReplicationGroupShardConfiguration)`,
    apply: async () => {
      await client
        .send(
          new ModifyReplicationGroupShardConfigurationCommand({
            ReplicationGroupId: id,
            NodeGroupCount: min,
            ApplyImmediately: true,
            NodeGroupsToRemove: remove,
          }),
        )
        .catch((cause: unknown) => {
          throw new AwsCallError('ElastiCache ModifyReplicationGroupShardConfiguration', cause);
        });
    },
  };
}

async function allDbInstances(client: RDSClient): Promise<DBInstance[]> {
  const all: DBInstance[] = [];
  let marker: string | undefined;
  do {
    const page = await client
      .send(new DescribeDBInstancesCommand({ Marker: marker }))
      .catch((cause: unknown) => {
        throw new AwsCallError('RDS DescribeDBInstances', cause);
      });
    all.push(...(page.DBInstances ?? []));
    marker = page.Marker;
  } while (marker);
  return all;
}

function tagsOf(instance: DBInstance): Map<string, string> {
  return new Map((instance.TagList ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}
