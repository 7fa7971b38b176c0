import {
  type DBCluster,
  DBClusterNotFoundFault,
  type DBInstance,
  DBInstanceNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RdsReplicasObservation } from '../decision/rdsReplicas';
import { replicaId } from '../decision/rdsReplicasNames';
import { AwsCallError, awsCallError, ResourceNotFoundError, ScalingError } from '../errors';
import type { RdsReplicasTarget, Target } from '../policy/schema';
import type { ObservationDetail, Observed } from '../ports';
import type { IamActions } from './iamActions';
import type { ReaderDiscovery } from './RdsReaderDiscovery';
import type { RdsScalableTargets } from './RdsScalableTargets';
import { copiedTags, isArn, pendingFields, rdsTarget, replicaView } from './rdsReplicaView';

/** The IAM actions RdsReplicaObserver calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const rdsReplicaObserverIam: IamActions = {
  read: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'rds:DescribeEvents'],
  write: [],
};

/** The source instance is an Aurora cluster member, or the cluster is an instance: the policy says otherwise. */
export class SourceTypeMismatchError extends ScalingError {}

const wrap =
  (operation: string) =>
  (cause: unknown): never => {
    throw awsCallError(operation, cause);
  };

/** How far back the source's events are read to tell how long it has been busy. */
const BUSY_EVENT_MINUTES = 24 * 60;

/**
 * The reads of the RDS read-replica kind. `observe` makes at most two describe calls, each filtered by
 * identifier (never a scan of the account): the source instance, then its replicas by id (`db-instance-id`
 * filter over the source's `ReadReplicaDBInstanceIdentifiers` and Scalepilot's own names); for Aurora the
 * cluster (members, writer), then its instances (`db-cluster-id` filter) and any instance holding one of
 * Scalepilot's reader names outside it (`db-instance-id` filter: names someone took are never tried). Tags come from each instance's
 * `TagList`; a replica tagged with another stage's name is marked so (ReplicaInstance.otherStage).
 */
export class RdsReplicaObserver {
  constructor(
    private readonly client: RDSClient,
    private readonly discovery: ReaderDiscovery,
    private readonly scalableTargets: RdsScalableTargets,
    /** The stage reading (its replicas are told from other stages' by their tag); undefined: unknown. */
    private readonly stage: string | undefined,
  ) {}

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
      this.stage,
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
          this.stage,
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
   * available, the best known start of what it is doing (a modification, a maintenance, a backup). Every
   * page: RDS returns at most 100 events a page, and the latest may be on the last one (a stale time would
   * tell the operator the source has been busy for hours).
   */
  private async latestEvent(type: 'db-instance' | 'db-cluster', id: string): Promise<Date | undefined> {
    let latest: number | undefined;
    let marker: string | undefined;
    do {
      const page = await this.client
        .send(
          new DescribeEventsCommand({
            SourceType: type,
            SourceIdentifier: id,
            Duration: BUSY_EVENT_MINUTES,
            ...(marker ? { Marker: marker } : {}),
          }),
        )
        .catch(wrap('RDS DescribeEvents'));
      for (const e of page.Events ?? [])
        if (e.Date && (latest === undefined || e.Date.getTime() > latest)) latest = e.Date.getTime();
      marker = page.Marker;
    } while (marker);
    return latest === undefined ? undefined : new Date(latest);
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
    // Scalepilot's reader names held by an instance outside the cluster (someone took one): never tried.
    const inCluster = new Set(members.map((m) => m.DBInstanceIdentifier));
    const otherIds = (await this.instancesById(ownNames(id)))
      .map((i) => i.DBInstanceIdentifier ?? '')
      .filter((other) => !inCluster.has(other));
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
        ...(cluster.StorageType ? { storageType: cluster.StorageType } : {}),
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
        ...(writerInstance?.PubliclyAccessible !== undefined
          ? { publiclyAccessible: writerInstance.PubliclyAccessible }
          : {}),
        ...(cluster.Endpoint ? { endpoint: cluster.Endpoint } : {}),
      },
      ...(writer ? { writer } : {}),
      // The writer is never a reader: never counted, never a candidate for removal.
      replicas: members
        .filter((m) => m.DBInstanceIdentifier !== writer)
        .map((m) => replicaView(m, this.stage)),
      ...(otherIds.length > 0 ? { otherIds } : {}),
    };
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
  stage: string | undefined,
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
      ...(source.LicenseModel ? { licenseModel: source.LicenseModel } : {}),
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
      ...(source.PubliclyAccessible !== undefined ? { publiclyAccessible: source.PubliclyAccessible } : {}),
      ...vpcSecurityGroups(source),
    },
    replicas: replicas.map((i) => replicaView(i, stage)),
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

/** The source's VPC security groups that are in use (`active`, or being added), as a new replica names them. */
function vpcSecurityGroups(source: DBInstance): { vpcSecurityGroupIds?: string[] } {
  const ids = (source.VpcSecurityGroups ?? [])
    .filter((g) => g.VpcSecurityGroupId && g.Status !== 'removing' && g.Status !== 'inactive')
    .map((g) => g.VpcSecurityGroupId as string);
  return ids.length > 0 ? { vpcSecurityGroupIds: ids } : {};
}
