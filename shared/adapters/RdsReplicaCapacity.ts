import {
  AddTagsToResourceCommand,
  CreateDBInstanceReadReplicaCommand,
  type DBCluster,
  DBClusterNotFoundFault,
  type DBInstance,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  InsufficientDBInstanceCapacityFault,
  InvalidDBInstanceStateFault,
  RDSClient,
  RemoveTagsFromResourceCommand,
} from '@aws-sdk/client-rds';
import type { KindAction } from '../decision/kindModel';
import {
  DRAINING_TAG,
  isManaged,
  MANAGED_TAG,
  type Placement,
  type RdsReplicasObservation,
  REQUESTED_TAG,
  type ReplicaAction,
  type ReplicaInstance,
  rdsReplicasModel,
  rdsReplicasRefusals,
  TARGET_TAG,
} from '../decision/rdsReplicas';
import { nameCandidates, replicaId } from '../decision/rdsReplicasNames';
import { rdsPrerequisiteProblems } from '../decision/rdsReplicasPrerequisites';
import type { CapacityState } from '../decision/types';
import {
  AwsCallError,
  awsCallError,
  RequestRefusedError,
  ResourceNotFoundError,
  ScalingError,
} from '../errors';
import type { RdsReplicasTarget, Target } from '../policy/schema';
import type { KindScaler, ObservationDetail, Observed, ResourceScaler } from '../ports';
import type { AwsConfig } from './awsConfig';
import { controlPlaneClientOptions } from './awsConfig';
import type { IamActions } from './iamActions';
import { createAuroraReader } from './RdsAuroraReaders';
import { RdsReaderDiscovery, type ReaderDiscovery } from './RdsReaderDiscovery';
import { RdsScalableTargets } from './RdsScalableTargets';

/** Every placement was refused for want of capacity (or every name taken): nothing was created. */
export class ReplicaPlacementError extends RequestRefusedError {
  constructor(message: string) {
    super('RDS create replica', new Error(message));
  }
}
/** The source instance is an Aurora cluster member, or the cluster is an instance: the policy says otherwise. */
export class SourceTypeMismatchError extends ScalingError {}

/** One create attempt, as logged. */
export interface CreateAttempt {
  readonly target: string;
  readonly replica: string;
  readonly placement: Placement;
  readonly outcome: 'created' | 'adopted' | 'insufficient-capacity' | 'name-taken';
}

export interface RdsReplicaOptions {
  readonly client?: RDSClient;
  readonly discovery?: ReaderDiscovery;
  /** Aurora Auto Scaling's targets on a cluster (Application Auto Scaling). */
  readonly scalableTargets?: RdsScalableTargets;
  /** Each create attempt (fallback placements, taken names), for the function's log. */
  readonly onAttempt?: (attempt: CreateAttempt) => void;
}

const wrap =
  (operation: string) =>
  (cause: unknown): never => {
    throw awsCallError(operation, cause);
  };

/** How far back the source's events are read to tell how long it has been busy. */
const BUSY_EVENT_MINUTES = 24 * 60;

function rdsTarget(target: Target): RdsReplicasTarget {
  if (target.kind !== 'rds-replicas') throw new ScalingError(`target "${target.name}" is not rds-replicas`);
  return target;
}

const tagsOf = (i: { TagList?: { Key?: string; Value?: string }[] }) =>
  Object.fromEntries((i.TagList ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

/** A source's tags as its replicas get them: not Scalepilot's own (they say who manages what), not AWS's. */
const copiedTags = (i: { TagList?: { Key?: string; Value?: string }[] }) =>
  Object.fromEntries(Object.entries(tagsOf(i)).filter(([k]) => !/^(scalepilot|aws):/.test(k)));

function replicaView(i: DBInstance): ReplicaInstance {
  const replication = i.StatusInfos?.find((s) => s.StatusType === 'read replication');
  return {
    id: i.DBInstanceIdentifier ?? '',
    status: i.DBInstanceStatus ?? 'unknown',
    tags: tagsOf(i),
    deletionProtection: i.DeletionProtection === true,
    ...(replication?.Status
      ? {
          replication: {
            status: replication.Status,
            normal: replication.Normal !== false,
            ...(replication.Message ? { message: replication.Message } : {}),
          },
        }
      : {}),
    ...(i.DBInstanceClass ? { instanceClass: i.DBInstanceClass } : {}),
    ...(i.AvailabilityZone ? { availabilityZone: i.AvailabilityZone } : {}),
    ...(i.InstanceCreateTime ? { createdAt: i.InstanceCreateTime } : {}),
    ...(i.Endpoint?.Address ? { endpoint: i.Endpoint.Address } : {}),
    ...(i.DBInstanceArn ? { arn: i.DBInstanceArn } : {}),
  };
}

/** The names of the fields a modification waits to change (PendingModifiedValues). */
const pendingFields = (values: object | undefined) =>
  Object.entries(values ?? {})
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k]) => k);

/** A replica of another Region is listed by its ARN; one of this Region by its identifier. */
const isArn = (id: string) => id.startsWith('arn:');

/** The IAM actions RdsReplicaCapacity calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const rdsReplicaCapacityIam: IamActions = {
  read: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'rds:DescribeEvents'],
  write: [
    'rds:CreateDBInstanceReadReplica',
    'rds:DeleteDBInstance',
    'rds:AddTagsToResource',
    'rds:RemoveTagsFromResource',
  ],
  // A source under a customer managed key: RDS creates the encrypted replica in the caller's name.
  dependent: ['kms:CreateGrant', 'kms:DescribeKey'],
};

/**
 * RDS read replicas as a ResourceScaler (issue 12). `observe` makes at most two describe calls, each
 * filtered by identifier (never a scan of the account): the source instance, then its replicas by id
 * (`db-instance-id` filter over the source's `ReadReplicaDBInstanceIdentifiers` and Scalepilot's own
 * names); for Aurora the cluster (members, writer), then its instances (`db-cluster-id` filter). Tags come
 * from each instance's `TagList`. `act` carries out the one action the gates chose.
 */
export class RdsReplicaCapacity implements ResourceScaler<RdsReplicasObservation> {
  private readonly client: RDSClient;
  private readonly discovery: ReaderDiscovery;
  private readonly scalableTargets: RdsScalableTargets;
  private readonly onAttempt: (attempt: CreateAttempt) => void;

  constructor(config: AwsConfig, options: RdsReplicaOptions = {}) {
    this.client = options.client ?? new RDSClient(controlPlaneClientOptions(config));
    this.discovery = options.discovery ?? RdsReaderDiscovery.forAccount(config);
    this.scalableTargets = options.scalableTargets ?? new RdsScalableTargets(config);
    this.onAttempt = options.onAttempt ?? (() => {});
  }

  async observe(target: Target): Promise<RdsReplicasObservation> {
    const t = rdsTarget(target);
    const observation = t.aurora ? await this.observeCluster(t) : await this.observeInstance(t);
    const discovery = await this.discovery.published(t);
    return discovery === undefined ? observation : { ...observation, discovery };
  }

  private async observeInstance(t: RdsReplicasTarget): Promise<RdsReplicasObservation> {
    const id = t.sourceDbInstanceIdentifier;
    const source = (
      await this.client
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
        .catch((cause: unknown) => {
          if (cause instanceof DBInstanceNotFoundFault)
            throw new ResourceNotFoundError('RDS DB instance', id, { cause });
          throw new AwsCallError('RDS DescribeDBInstances', cause);
        })
    ).DBInstances?.[0];
    const checked = checkedSource(t, source);
    return instanceObservation(
      t,
      checked,
      await this.instancesById(replicaIdsOf(checked)),
      await this.busySince(checked),
    );
  }

  /**
   * Many sources at once (issue 23): every source instance in DescribeDBInstances calls filtered by
   * `db-instance-id`, 100 identifiers a call, then every replica of all of them the same way; each target's
   * observation is cut from those. Aurora clusters are read one by one (`observe`). Reader discovery is
   * read per target that has it.
   */
  async observeMany(
    targets: readonly Target[],
    _detail: ObservationDetail,
  ): Promise<ReadonlyMap<string, Observed<RdsReplicasObservation>>> {
    const observed = new Map<string, Observed<RdsReplicasObservation>>();
    const plain = targets.map(rdsTarget).filter((t) => !t.aurora);
    const sources = new Map(
      (await this.instancesById(plain.map((t) => t.sourceDbInstanceIdentifier))).map((i) => [
        i.DBInstanceIdentifier,
        i,
      ]),
    );
    const checked = new Map<string, DBInstance>();
    for (const t of plain) {
      try {
        checked.set(t.name, checkedSource(t, sources.get(t.sourceDbInstanceIdentifier)));
      } catch (error) {
        observed.set(t.name, { error });
      }
    }
    const replicas = await this.instancesById([...new Set([...checked.values()].flatMap(replicaIdsOf))]);
    const one = async (t: RdsReplicasTarget) => {
      try {
        const source = checked.get(t.name);
        if (!source) return observed.set(t.name, { observation: await this.observe(t) });
        const ids = new Set(replicaIdsOf(source));
        const observation = instanceObservation(
          t,
          source,
          replicas.filter((i) => ids.has(i.DBInstanceIdentifier ?? '')),
          await this.busySince(source),
        );
        const discovery = await this.discovery.published(t);
        observed.set(t.name, {
          observation: discovery === undefined ? observation : { ...observation, discovery },
        });
      } catch (error) {
        observed.set(t.name, { error });
      }
    };
    const rest = targets.map(rdsTarget).filter((t) => !observed.has(t.name));
    for (let i = 0; i < rest.length; i += ONE_BY_ONE_IN_FLIGHT)
      await Promise.all(rest.slice(i, i + ONE_BY_ONE_IN_FLIGHT).map(one));
    return observed;
  }

  /** The named instances (those that exist), 100 identifiers a DescribeDBInstances call, following pages. */
  private async instancesById(ids: readonly string[]): Promise<DBInstance[]> {
    const found: DBInstance[] = [];
    for (let i = 0; i < ids.length; i += IDS_PER_FILTER) {
      let marker: string | undefined;
      do {
        const page = await this.client
          .send(
            new DescribeDBInstancesCommand({
              Filters: [{ Name: 'db-instance-id', Values: ids.slice(i, i + IDS_PER_FILTER) }],
              ...(marker ? { Marker: marker } : {}),
            }),
          )
          .catch(wrap('RDS DescribeDBInstances'));
        found.push(...(page.DBInstances ?? []));
        marker = page.Marker;
      } while (marker);
    }
    return found;
  }

  /** While a source instance is not available, since when (its latest event); undefined when it is. */
  private async busySince(source: DBInstance): Promise<Date | undefined> {
    if ((source.DBInstanceStatus ?? 'unknown') === 'available') return undefined;
    return this.latestEvent('db-instance', source.DBInstanceIdentifier ?? '');
  }

  /**
   * The time of the source's latest event of the last day (RDS DescribeEvents): while it is not
   * available, the best known start of what it is doing (a modification, a maintenance, a backup).
   */
  private async latestEvent(type: 'db-instance' | 'db-cluster', id: string): Promise<Date | undefined> {
    const response = await this.client
      .send(
        new DescribeEventsCommand({ SourceType: type, SourceIdentifier: id, Duration: BUSY_EVENT_MINUTES }),
      )
      .catch(wrap('RDS DescribeEvents'));
    const times = (response.Events ?? []).flatMap((e) => (e.Date ? [e.Date.getTime()] : []));
    return times.length > 0 ? new Date(Math.max(...times)) : undefined;
  }

  private async observeCluster(t: RdsReplicasTarget): Promise<RdsReplicasObservation> {
    const id = t.sourceDbInstanceIdentifier;
    const cluster: DBCluster | undefined = (
      await this.client
        .send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))
        .catch((cause: unknown) => {
          if (cause instanceof DBClusterNotFoundFault)
            throw new ResourceNotFoundError('Aurora DB cluster', id, { cause });
          throw new AwsCallError('RDS DescribeDBClusters', cause);
        })
    ).DBClusters?.[0];
    if (!cluster) throw new ResourceNotFoundError('Aurora DB cluster', id);
    const writer = cluster.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
    const members =
      (
        await this.client
          .send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [id] }] }))
          .catch(wrap('RDS DescribeDBInstances'))
      ).DBInstances ?? [];
    const writerInstance = members.find((m) => m.DBInstanceIdentifier === writer);
    const status = cluster.Status ?? 'unknown';
    const pending = pendingFields(cluster.PendingModifiedValues);
    const [busySince, nativeScaling] = await Promise.all([
      status === 'available' ? Promise.resolve(undefined) : this.latestEvent('db-cluster', id),
      this.scalableTargets.of(id),
    ]);
    return {
      aurora: true,
      ...(nativeScaling.length > 0 ? { nativeScaling } : {}),
      source: {
        id,
        status,
        engine: cluster.Engine ?? '',
        modifying: pending.length > 0,
        ...(pending.length > 0 ? { pendingModifications: pending } : {}),
        ...(busySince ? { busySince } : {}),
        // The writer's class is what a new reader copies: db.serverless is Serverless v2 (ACUs).
        ...(writerInstance?.DBInstanceClass === 'db.serverless' ? { serverlessV2: true } : {}),
        tags: copiedTags(cluster),
        ...(writerInstance?.DBInstanceClass ? { instanceClass: writerInstance.DBInstanceClass } : {}),
        ...(cluster.DBSubnetGroup ? { subnetGroup: cluster.DBSubnetGroup } : {}),
        ...(writerInstance?.DBParameterGroups?.[0]?.DBParameterGroupName
          ? { parameterGroup: writerInstance.DBParameterGroups[0].DBParameterGroupName }
          : {}),
        ...(writerInstance?.AvailabilityZone ? { availabilityZone: writerInstance.AvailabilityZone } : {}),
        ...(cluster.Endpoint ? { endpoint: cluster.Endpoint } : {}),
      },
      ...(writer ? { writer } : {}),
      // The writer is never a reader: never counted, never a candidate for removal.
      replicas: members.filter((m) => m.DBInstanceIdentifier !== writer).map(replicaView),
    };
  }

  async act(
    target: Target,
    kindAction: KindAction,
    observation: RdsReplicasObservation,
  ): Promise<{ readonly note: string } | undefined> {
    const t = rdsTarget(target);
    const action = kindAction as unknown as ReplicaAction;
    let note: string | undefined;
    switch (action.type) {
      case 'create':
      case 'replace':
        note = await this.create(t, action.candidates, action.placements, observation, action.requestedAt);
        break;
      case 'delete':
      case 'deleteFailed':
        await this.delete(t, action.replica, observation);
        break;
      case 'drain':
        await this.tagDraining(t, action.replica, action.at, observation);
        break;
      case 'cancelDrain':
        await this.untagDraining(t, action.replica, observation);
        break;
      case 'syncDiscovery':
        break;
    }
    if (action.type !== 'deleteFailed' && action.discovery) await this.discovery.publish(t, action.discovery);
    return note ? { note } : undefined;
  }

  /**
   * Creates one replica: each name in order (the next only when the name belongs to an instance that is not
   * this target's replica; ours is adopted), each placement in order on InsufficientDBInstanceCapacity.
   * Returns what it had to do besides the first try, for the decision's record.
   */
  private async create(
    t: RdsReplicasTarget,
    candidates: readonly string[],
    placements: readonly Placement[],
    observation: RdsReplicasObservation,
    requestedAt?: string,
  ): Promise<string | undefined> {
    const refused: string[] = [];
    for (const name of candidates) {
      let taken = false;
      for (const placement of placements.length > 0 ? placements : [{}]) {
        const attempt = (outcome: CreateAttempt['outcome']) =>
          this.onAttempt({ target: t.name, replica: name, placement, outcome });
        try {
          await this.sendCreate(t, name, placement, observation, requestedAt);
          attempt('created');
          return refused.length > 0 ? `created ${name} after: ${refused.join('; ')}` : undefined;
        } catch (cause) {
          if (cause instanceof InsufficientDBInstanceCapacityFault) {
            attempt('insufficient-capacity');
            refused.push(
              `${name} as ${placement.instanceClass ?? 'the source class'} in ${placement.availabilityZone ?? 'any AZ'}: ${cause.message}`,
            );
            continue;
          }
          if (cause instanceof DBInstanceAlreadyExistsFault) {
            if (await this.isOurs(t, name)) {
              attempt('adopted');
              return `adopted ${name}, already this target's replica${refused.length > 0 ? ` (after: ${refused.join('; ')})` : ''}`;
            }
            attempt('name-taken');
            refused.push(`${name}: taken by an instance that is not ${t.name}'s replica`);
            taken = true;
            break;
          }
          throw awsCallError(t.aurora ? 'RDS CreateDBInstance' : 'RDS CreateDBInstanceReadReplica', cause);
        }
      }
      if (!taken) break; // every placement of this name was refused for capacity: another name will not help
    }
    throw new ReplicaPlacementError(`${t.name}: no replica created; ${refused.join('; ')}`);
  }

  private async sendCreate(
    t: RdsReplicasTarget,
    name: string,
    placement: Placement,
    observation: RdsReplicasObservation,
    requestedAt?: string,
  ) {
    // The source's tags (cost allocation, ownership), Scalepilot's two, which say whose replica it is, and
    // when it was asked for (a create still coming up past its deadline is then known for one).
    const tags = [
      ...Object.entries(observation.source.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
      { Key: MANAGED_TAG, Value: 'true' },
      { Key: TARGET_TAG, Value: t.name },
      ...(requestedAt ? [{ Key: REQUESTED_TAG, Value: requestedAt }] : []),
    ];
    const where = {
      ...(placement.instanceClass ? { DBInstanceClass: placement.instanceClass } : {}),
      ...(placement.availabilityZone ? { AvailabilityZone: placement.availabilityZone } : {}),
    };
    if (t.aurora) {
      const instanceClass = placement.instanceClass ?? observation.source.instanceClass;
      await createAuroraReader(this.client, {
        id: name,
        cluster: observation.source.id,
        engine: observation.source.engine,
        ...(instanceClass ? { instanceClass } : {}),
        ...(placement.availabilityZone ? { availabilityZone: placement.availabilityZone } : {}),
        ...(observation.source.parameterGroup ? { parameterGroup: observation.source.parameterGroup } : {}),
        tags,
      });
      return;
    }
    // A same-Region replica takes the source's subnet group and parameter group by default (RDS refuses an
    // explicit parameter group for same-Region MySQL replicas), so only class and AZ are named.
    await this.client.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: name,
        SourceDBInstanceIdentifier: observation.source.id,
        ...where,
        Tags: tags,
      }),
    );
  }

  /** An existing instance of that name is adopted only when it is this source's replica with this target's tags. */
  private async isOurs(t: RdsReplicasTarget, name: string): Promise<boolean> {
    const existing = (
      await this.client
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: name }))
        .catch(wrap('RDS DescribeDBInstances'))
    ).DBInstances?.[0];
    if (!existing) return false;
    const ofSource = t.aurora
      ? existing.DBClusterIdentifier === t.sourceDbInstanceIdentifier
      : existing.ReadReplicaSourceDBInstanceIdentifier === t.sourceDbInstanceIdentifier;
    return ofSource && isManaged(t, replicaView(existing));
  }

  /** Refuses anything but this target's managed replica, whatever the action says (the role refuses it too). */
  private owned(t: RdsReplicasTarget, id: string, observation: RdsReplicasObservation): ReplicaInstance {
    const replica = observation.replicas.find((r) => r.id === id);
    if (!replica || !isManaged(t, replica) || id === observation.writer || id === observation.source.id)
      throw new ScalingError(
        `${t.name}: ${id} is not a replica Scalepilot created for this target; not touching it`,
      );
    return replica;
  }

  private async delete(t: RdsReplicasTarget, id: string, observation: RdsReplicasObservation): Promise<void> {
    this.owned(t, id, observation);
    await this.client
      .send(
        // A replica's data is the source's: no final snapshot (Aurora instances take none: the cluster keeps them).
        new DeleteDBInstanceCommand({
          DBInstanceIdentifier: id,
          ...(t.aurora ? {} : { SkipFinalSnapshot: true }),
        }),
      )
      .catch(async (cause: unknown) => {
        // Already gone: the delete has happened.
        if (cause instanceof DBInstanceNotFoundFault) return;
        // Already being deleted is done too; any other state (backing up, modifying, a busy source) is a
        // refusal: nothing was deleted, and the target tries again later.
        if (cause instanceof InvalidDBInstanceStateFault) {
          if ((await this.statusOf(id)) === 'deleting') return;
          throw new RequestRefusedError('RDS DeleteDBInstance', cause);
        }
        throw awsCallError('RDS DeleteDBInstance', cause);
      });
  }

  private async statusOf(id: string): Promise<string | undefined> {
    const response = await this.client
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
      .catch((cause: unknown) => {
        if (cause instanceof DBInstanceNotFoundFault) return undefined;
        throw awsCallError('RDS DescribeDBInstances', cause);
      });
    return response?.DBInstances?.[0]?.DBInstanceStatus;
  }

  private async tagDraining(
    t: RdsReplicasTarget,
    id: string,
    at: string,
    observation: RdsReplicasObservation,
  ) {
    const replica = this.owned(t, id, observation);
    await this.client
      .send(
        new AddTagsToResourceCommand({ ResourceName: replica.arn, Tags: [{ Key: DRAINING_TAG, Value: at }] }),
      )
      .catch(wrap('RDS AddTagsToResource'));
  }

  private async untagDraining(t: RdsReplicasTarget, id: string, observation: RdsReplicasObservation) {
    const replica = this.owned(t, id, observation);
    await this.client
      .send(new RemoveTagsFromResourceCommand({ ResourceName: replica.arn, TagKeys: [DRAINING_TAG] }))
      .catch(wrap('RDS RemoveTagsFromResource'));
  }

  /**
   * What keeps Scalepilot from managing this target (validate --check-account, plan), one sentence each:
   * the source's kind, engine, backups, whether it is itself a replica, the replica limit.
   */
  async prerequisites(target: Target): Promise<string[]> {
    const t = rdsTarget(target);
    const id = t.sourceDbInstanceIdentifier;
    const instance = (
      await this.client
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
        .catch((cause: unknown) => {
          if (cause instanceof DBInstanceNotFoundFault) return undefined;
          throw new AwsCallError('RDS DescribeDBInstances', cause);
        })
    )?.DBInstances?.[0];
    const cluster =
      t.aurora || !instance
        ? (
            await this.client
              .send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))
              .catch((cause: unknown) => {
                if (cause instanceof DBClusterNotFoundFault) return undefined;
                throw new AwsCallError('RDS DescribeDBClusters', cause);
              })
          )?.DBClusters?.[0]
        : undefined;
    const usable = t.aurora ? cluster !== undefined : instance !== undefined && !instance.DBClusterIdentifier;
    const seen = usable ? await this.observe(t) : undefined;
    // Hand-made replicas and replicas in other Regions use up the source's replicas too.
    const others =
      (seen?.replicas ?? []).filter((r) => !isManaged(t, r)).length +
      (seen?.crossRegionReplicas?.length ?? 0);
    const refusals = seen ? rdsReplicasRefusals(t, seen) : [];
    return [
      ...refusals,
      ...rdsPrerequisiteProblems(t, {
        ...(instance
          ? {
              instance: {
                engine: instance.Engine ?? '',
                status: instance.DBInstanceStatus ?? 'unknown',
                backupRetentionDays: instance.BackupRetentionPeriod ?? 0,
                replicas: instance.ReadReplicaDBInstanceIdentifiers?.length ?? 0,
                otherReplicas: others,
                ...(instance.ReadReplicaSourceDBInstanceIdentifier
                  ? { replicaOf: instance.ReadReplicaSourceDBInstanceIdentifier }
                  : {}),
                ...(instance.DBClusterIdentifier ? { clusterId: instance.DBClusterIdentifier } : {}),
              },
            }
          : {}),
        ...(cluster
          ? {
              cluster: {
                engine: cluster.Engine ?? '',
                status: cluster.Status ?? 'unknown',
                readers: seen?.replicas.length ?? 0,
                otherReaders: others,
              },
            }
          : {}),
      }),
    ];
  }

  /** The generic capacity view (for tools and tests that want a number). */
  async describe(target: Target): Promise<CapacityState> {
    return rdsReplicasModel.capacity(target, await this.observe(target), new Date(0));
  }

  /**
   * Creates or deletes managed replicas until `desired` (tools and test set-up; the scaler itself makes one
   * change per evaluation through the gates). Deletes only this target's tagged replicas, newest first.
   */
  async setCapacity(target: Target, desired: number): Promise<void> {
    const t = rdsTarget(target);
    for (let guard = 0; guard < 20; guard += 1) {
      const observation = await this.observe(t);
      const live = observation.replicas.filter((r) => r.status !== 'deleting');
      if (live.length === desired) return;
      if (live.length < desired) {
        const taken = new Set([
          observation.source.id,
          ...observation.replicas.map((r) => r.id),
          ...(observation.otherIds ?? []),
        ]);
        await this.create(t, nameCandidates(observation.source.id, taken), [{}], observation);
        continue;
      }
      const removable = live
        .filter((r) => isManaged(t, r))
        .sort(
          (a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0) || b.id.localeCompare(a.id),
        );
      const [next] = removable;
      if (!next) throw new ScalingError(`${t.name}: only hand-made replicas remain; will not delete them`);
      await this.delete(t, next.id, observation);
    }
  }
}

/** Identifiers in one `db-instance-id` filter of DescribeDBInstances. */
const IDS_PER_FILTER = 100;
/** Targets read one by one (Aurora, reader discovery) at once. */
const ONE_BY_ONE_IN_FLIGHT = 8;

/** The source instance as described, refused when missing or an Aurora cluster member. */
function checkedSource(t: RdsReplicasTarget, source: DBInstance | undefined): DBInstance {
  const id = t.sourceDbInstanceIdentifier;
  if (!source) throw new ResourceNotFoundError('RDS DB instance', id);
  if (source.DBClusterIdentifier)
    throw new SourceTypeMismatchError(
      `${t.name}: ${id} is a member of Aurora cluster ${source.DBClusterIdentifier}; set aurora: true and name the cluster as sourceDbInstanceIdentifier`,
    );
  return source;
}

/** The instances a source's replicas may be: its list, and Scalepilot's own names (a replica just created may not be listed yet). */
function replicaIdsOf(source: DBInstance): string[] {
  const id = source.DBInstanceIdentifier ?? '';
  // A replica in another Region is listed by its ARN: it is that Region's, never read or touched here.
  const listed = (source.ReadReplicaDBInstanceIdentifiers ?? []).filter((r) => !isArn(r));
  return [...new Set([...listed, ...ownNames(id)])];
}

/** A source instance's observation from the source and the instances its replica names found. */
function instanceObservation(
  t: RdsReplicasTarget,
  source: DBInstance,
  instances: readonly DBInstance[],
  busySince: Date | undefined,
): RdsReplicasObservation {
  const id = t.sourceDbInstanceIdentifier;
  const replicas = instances.filter((i) => i.ReadReplicaSourceDBInstanceIdentifier === id);
  const crossRegion = (source.ReadReplicaDBInstanceIdentifiers ?? []).filter(isArn);
  const pending = pendingFields(source.PendingModifiedValues);
  return {
    aurora: false,
    source: {
      id,
      status: source.DBInstanceStatus ?? 'unknown',
      engine: source.Engine ?? '',
      modifying: pending.length > 0,
      ...(pending.length > 0 ? { pendingModifications: pending } : {}),
      ...(busySince ? { busySince } : {}),
      tags: copiedTags(source),
      ...(source.DBInstanceClass ? { instanceClass: source.DBInstanceClass } : {}),
      ...(source.DBSubnetGroup?.DBSubnetGroupName
        ? { subnetGroup: source.DBSubnetGroup.DBSubnetGroupName }
        : {}),
      ...(source.DBParameterGroups?.[0]?.DBParameterGroupName
        ? { parameterGroup: source.DBParameterGroups[0].DBParameterGroupName }
        : {}),
      ...(source.AvailabilityZone ? { availabilityZone: source.AvailabilityZone } : {}),
      ...(source.Endpoint?.Address ? { endpoint: source.Endpoint.Address } : {}),
    },
    replicas: replicas.map(replicaView),
    otherIds: instances
      .filter((i) => i.ReadReplicaSourceDBInstanceIdentifier !== id)
      .map((i) => i.DBInstanceIdentifier ?? ''),
    ...(crossRegion.length > 0 ? { crossRegionReplicas: crossRegion } : {}),
  };
}

/** Scalepilot's own replica names of a source (the first 15: RDS allows no more replicas per source). */
function ownNames(source: string): string[] {
  return Array.from({ length: 15 }, (_, i) => replicaId(source, i + 1));
}

/** The RDS read-replica kind as the use case runs it. */
export function rdsReplicaScaler(
  aws: AwsConfig,
  options: RdsReplicaOptions = {},
): KindScaler<RdsReplicasObservation> {
  return { resource: new RdsReplicaCapacity(aws, options), model: rdsReplicasModel };
}
