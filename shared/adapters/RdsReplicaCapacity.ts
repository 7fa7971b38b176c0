import {
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import type { KindAction } from '../decision/kindModel';
import {
  isGoing,
  isManaged,
  mayRemove,
  type RdsReplicasObservation,
  rdsReplicasModel,
  rdsReplicasRefusals,
} from '../decision/rdsReplicas';
import { nameCandidates } from '../decision/rdsReplicasNames';
import { rdsPrerequisiteProblems } from '../decision/rdsReplicasPrerequisites';
import type { CapacityState } from '../decision/types';
import { AwsCallError, ScalingError } from '../errors';
import type { Target } from '../policy/schema';
import type { KindScaler, ObservationDetail, Observed, ResourceScaler } from '../ports';
import type { AwsConfig } from './awsConfig';
import { controlPlaneClientOptions } from './awsConfig';
import type { IamActions } from './iamActions';
import { RdsReaderDiscovery, type ReaderDiscovery } from './RdsReaderDiscovery';
import { type CreateAttempt, RdsReplicaActions } from './RdsReplicaActions';
import { RdsReplicaObserver } from './RdsReplicaObserver';
import { RdsScalableTargets } from './RdsScalableTargets';
import { rdsTarget } from './rdsReplicaView';

export { type CreateAttempt, ReplicaPlacementError } from './RdsReplicaActions';
export { SourceTypeMismatchError } from './RdsReplicaObserver';

export interface RdsReplicaOptions {
  readonly client?: RDSClient;
  readonly discovery?: ReaderDiscovery;
  /** Aurora Auto Scaling's targets on a cluster (Application Auto Scaling). */
  readonly scalableTargets?: RdsScalableTargets;
  /** Each create attempt (fallback placements, taken names), for the function's log. */
  readonly onAttempt?: (attempt: CreateAttempt) => void;
  /**
   * The deployed stage: tagged on each replica created, and replicas tagged with another stage's name are never
   * this one's. Unset (a tool without `--stage`): no tag is set, and every stage's replicas read as its own.
   */
  readonly stage?: string;
}

/**
 * The IAM actions RdsReplicaCapacity calls itself (the account checks); its reads and changes declare theirs
 * beside them (RdsReplicaObserver, RdsReplicaActions). infra/functionAdapters.ts builds the roles from them.
 */
export const rdsReplicaCapacityIam: IamActions = {
  read: ['rds:DescribeDBClusters', 'rds:DescribeDBInstances'],
  write: [],
};

/**
 * RDS read replicas as a ResourceScaler (issue 12): its reads (RdsReplicaObserver: at most two filtered
 * describes a source, never a scan of the account) and its changes (RdsReplicaActions: the one action the
 * gates chose, on Scalepilot's own replicas only), the account checks, and a capacity view for tools.
 */
export class RdsReplicaCapacity implements ResourceScaler<RdsReplicasObservation> {
  private readonly client: RDSClient;
  private readonly observer: RdsReplicaObserver;
  private readonly actions: RdsReplicaActions;

  constructor(config: AwsConfig, options: RdsReplicaOptions = {}) {
    this.client = options.client ?? new RDSClient(controlPlaneClientOptions(config));
    const discovery = options.discovery ?? RdsReaderDiscovery.forAccount(config);
    this.observer = new RdsReplicaObserver(
      this.client,
      discovery,
      options.scalableTargets ?? new RdsScalableTargets(config),
      options.stage,
    );
    this.actions = new RdsReplicaActions(
      this.client,
      discovery,
      options.onAttempt ?? (() => {}),
      options.stage,
    );
  }

  observe(target: Target): Promise<RdsReplicasObservation> {
    return this.observer.observe(target);
  }

  /** Many sources at once (issue 23): see RdsReplicaObserver.observeMany. */
  observeMany(
    targets: readonly Target[],
    detail: ObservationDetail,
  ): Promise<ReadonlyMap<string, Observed<RdsReplicasObservation>>> {
    return this.observer.observeMany(targets, detail);
  }

  act(
    target: Target,
    kindAction: KindAction,
    observation: RdsReplicasObservation,
  ): Promise<{ readonly note: string } | undefined> {
    return this.actions.act(rdsTarget(target), kindAction, observation);
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
   * change per evaluation through the gates). Deletes only this target's tagged replicas that no one
   * replicates from, newest first.
   */
  async setCapacity(target: Target, desired: number): Promise<void> {
    const t = rdsTarget(target);
    for (let guard = 0; guard < 20; guard += 1) {
      const observation = await this.observe(t);
      const live = observation.replicas.filter((r) => !isGoing(r));
      if (live.length === desired) return;
      if (live.length < desired) {
        const taken = new Set([
          observation.source.id,
          ...observation.replicas.map((r) => r.id),
          ...(observation.otherIds ?? []),
        ]);
        await this.actions.create(t, nameCandidates(observation.source.id, taken), [{}], observation);
        continue;
      }
      const removable = live
        .filter((r) => mayRemove(t, r))
        .sort(
          (a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0) || b.id.localeCompare(a.id),
        );
      const [next] = removable;
      if (!next)
        throw new ScalingError(
          `${t.name}: only hand-made replicas (or another stage's, or ones with read replicas of their own) remain; will not delete them`,
        );
      await this.actions.delete(t, next.id, observation);
    }
  }
}

/** The RDS read-replica kind as the use case runs it. */
export function rdsReplicaScaler(
  aws: AwsConfig,
  options: RdsReplicaOptions = {},
): KindScaler<RdsReplicasObservation> {
  return { resource: new RdsReplicaCapacity(aws, options), model: rdsReplicasModel };
}
