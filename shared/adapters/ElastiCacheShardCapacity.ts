import {
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  ElastiCacheClient,
  type Event as ElastiCacheEvent,
  ModifyReplicationGroupShardConfigurationCommand,
  type ReplicationGroup,
  ReplicationGroupNotFoundFault,
} from '@aws-sdk/client-elasticache';
import {
  type CacheEvent,
  type CacheNode,
  type CacheShardsObservation,
  cacheShardsModel,
  cacheShardsRefusals,
  type ReplicasAction,
  type ReshardAction,
} from '../decision/cacheShards';
import type { KindAction } from '../decision/kindModel';
import type { EngineSeen } from '../decision/types';
import { AwsCallError, awsCallError, ResourceNotFoundError, ScalingError } from '../errors';
import type { CacheShardsTarget, Target } from '../policy/schema';
import type { KindScaler, ObservationDetail, Observed, ResourceScaler } from '../ports';
import { type AwsConfig, clientOptions, controlPlaneClientOptions } from './awsConfig';
import { ElastiCacheNodeQuota } from './ElastiCacheNodeQuota';
import { ElastiCacheReplicaCount } from './ElastiCacheReplicaCount';
import { ElastiCacheScalableTargets } from './ElastiCacheScalableTargets';
import type { IamActions } from './iamActions';

/** The target names a serverless cache: it scales itself, and has no shards to change. */
export class ServerlessCacheError extends ScalingError {
  constructor(
    readonly cacheName: string,
    options?: ErrorOptions,
  ) {
    super(
      `"${cacheName}" is an ElastiCache serverless cache: it scales itself; Scalepilot reshards cluster-mode-enabled replication groups only`,
      options,
    );
  }
}

/** How far back the group's events are read to judge a reshard in flight (read every minute while it runs). */
const EVENT_MINUTES = 60;

export interface ElastiCacheShardOptions {
  readonly client?: ElastiCacheClient;
  /** For DescribeEvents (default: a client of its own, without retries). */
  readonly eventsClient?: ElastiCacheClient;
  readonly scalableTargets?: ElastiCacheScalableTargets;
  readonly replicas?: ElastiCacheReplicaCount;
  readonly nodeQuota?: ElastiCacheNodeQuota;
}

/** The IAM actions ElastiCacheShardCapacity calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const elastiCacheShardCapacityIam: IamActions = {
  read: [
    'elasticache:DescribeReplicationGroups',
    'elasticache:DescribeCacheClusters',
    'elasticache:DescribeServerlessCaches',
    'elasticache:DescribeEvents',
  ],
  write: ['elasticache:ModifyReplicationGroupShardConfiguration'],
};

/**
 * ElastiCache shards (Valkey, Redis OSS cluster mode enabled) as a ResourceScaler. Per evaluation:
 * DescribeReplicationGroups, DescribeCacheClusters for a Redis OSS group's engine version, Application Auto
 * Scaling's DescribeScalableTargets, DescribeEvents (the last hour: a reshard AWS rolled back), and the
 * group's tags when the target scales replicas (ElastiCacheReplicaCount). Acts with
 * ModifyReplicationGroupShardConfiguration (NodeGroupsToRemove on scale-in), ApplyImmediately, or through
 * ElastiCacheReplicaCount. The operation then runs for minutes: its intent
 * stays in the ledger until the model settles it.
 */
export class ElastiCacheShardCapacity implements ResourceScaler<CacheShardsObservation> {
  private readonly client: ElastiCacheClient;
  private readonly eventsClient: ElastiCacheClient;
  private readonly scalableTargets: ElastiCacheScalableTargets;
  private readonly replicas: ElastiCacheReplicaCount;
  private readonly nodeQuota: ElastiCacheNodeQuota;

  constructor(config: AwsConfig, options: ElastiCacheShardOptions = {}) {
    this.client = options.client ?? new ElastiCacheClient(controlPlaneClientOptions(config));
    // Events are a secondary signal read every minute: a failed read is no events this minute, not retried.
    this.eventsClient =
      options.eventsClient ??
      options.client ??
      new ElastiCacheClient({ ...clientOptions(config), maxAttempts: 1 });
    this.scalableTargets = options.scalableTargets ?? new ElastiCacheScalableTargets(config);
    this.replicas = options.replicas ?? new ElastiCacheReplicaCount(this.client);
    this.nodeQuota = options.nodeQuota ?? new ElastiCacheNodeQuota(config);
  }

  async observe(target: Target): Promise<CacheShardsObservation> {
    const t = cacheTarget(target);
    const group = await this.group(t.replicationGroupId);
    const [scalableTargets, events, replicasChangedAt, engineVersion, nodeQuota] = await Promise.all([
      this.scalableTargets.of(t.replicationGroupId),
      this.events(t.replicationGroupId),
      t.replicaScaling && group.ARN ? this.replicas.changedAt(group.ARN) : Promise.resolve(undefined),
      this.engineVersion(group),
      this.nodeQuota.nodesPerCluster(),
    ]);
    return { ...observation(group, engineVersion, scalableTargets, events, replicasChangedAt), nodeQuota };
  }

  /**
   * Many groups at once (issue 23): with `GROUPS_TO_PAGE` targets or more, every replication group of the
   * account in DescribeReplicationGroups pages of 100 (no identifier) and the last hour's events of every
   * replication group in DescribeEvents pages, instead of one of each per target; the rest (scalable
   * targets, a Redis OSS group's engine version, replica tags) per target, a few at a time.
   */
  async observeMany(
    targets: readonly Target[],
    _detail: ObservationDetail,
  ): Promise<ReadonlyMap<string, Observed<CacheShardsObservation>>> {
    const observed = new Map<string, Observed<CacheShardsObservation>>();
    const all = targets.map(cacheTarget);
    const paged = all.length >= GROUPS_TO_PAGE;
    const groups = paged ? await this.allGroups() : undefined;
    const events = paged ? await this.allEvents() : undefined;
    const scalable = paged
      ? await this.scalableTargets.ofMany(all.map((t) => t.replicationGroupId))
      : undefined;
    // One quota for the account (read once per container), checked before any reshard (issue 21).
    const nodeQuota = await this.nodeQuota.nodesPerCluster();
    const one = async (t: CacheShardsTarget) => {
      try {
        const group = groups?.get(t.replicationGroupId) ?? (await this.group(t.replicationGroupId));
        const [scalableTargets, replicasChangedAt, engineVersion] = await Promise.all([
          scalable?.get(t.replicationGroupId) ?? this.scalableTargets.of(t.replicationGroupId),
          t.replicaScaling && group.ARN ? this.replicas.changedAt(group.ARN) : Promise.resolve(undefined),
          this.engineVersion(group),
        ]);
        const read = events ? ofGroup(events, t.replicationGroupId) : await this.events(t.replicationGroupId);
        observed.set(t.name, {
          observation: {
            ...observation(group, engineVersion, scalableTargets, read, replicasChangedAt),
            nodeQuota,
          },
        });
      } catch (error) {
        observed.set(t.name, { error });
      }
    };
    for (let i = 0; i < all.length; i += ONE_BY_ONE_IN_FLIGHT)
      await Promise.all(all.slice(i, i + ONE_BY_ONE_IN_FLIGHT).map(one));
    return observed;
  }

  /** Every replication group of the account, by id (pages of 100). */
  private async allGroups(): Promise<Map<string, ReplicationGroup>> {
    const groups = new Map<string, ReplicationGroup>();
    let marker: string | undefined;
    do {
      const page = await this.client
        .send(
          new DescribeReplicationGroupsCommand({ MaxRecords: 100, ...(marker ? { Marker: marker } : {}) }),
        )
        .catch((cause: unknown) => {
          throw new AwsCallError('ElastiCache DescribeReplicationGroups', cause);
        });
      for (const g of page.ReplicationGroups ?? [])
        if (g.ReplicationGroupId) groups.set(g.ReplicationGroupId, g);
      marker = page.Marker;
    } while (marker);
    return groups;
  }

  /** The last hour's events of every replication group (pages of 100); a failed read is every group's error. */
  private async allEvents(): Promise<{ byGroup?: Map<string, CacheEvent[]>; error?: string }> {
    try {
      const byGroup = new Map<string, CacheEvent[]>();
      for (const e of await this.groupEvents())
        if (e.SourceIdentifier && e.Date && e.Message)
          byGroup.set(e.SourceIdentifier, [
            ...(byGroup.get(e.SourceIdentifier) ?? []),
            { at: e.Date, message: e.Message },
          ]);
      return { byGroup };
    } catch (cause) {
      return { error: cause instanceof Error ? cause.message : String(cause) };
    }
  }

  /**
   * The replication groups' events of the last hour (of group `id` alone when given), every page: DescribeEvents
   * returns at most 100 a page (the ElastiCache API reference).
   */
  private async groupEvents(id?: string): Promise<ElastiCacheEvent[]> {
    const events: ElastiCacheEvent[] = [];
    let marker: string | undefined;
    do {
      const page = await this.eventsClient.send(
        new DescribeEventsCommand({
          SourceType: 'replication-group',
          // The account's in pages of 100 (the most a page holds); one group's are rarely more than one page.
          ...(id ? { SourceIdentifier: id } : { MaxRecords: 100 }),
          Duration: EVENT_MINUTES,
          ...(marker ? { Marker: marker } : {}),
        }),
      );
      events.push(...(page.Events ?? []));
      marker = page.Marker;
    } while (marker);
    return events;
  }

  async act(target: Target, action: KindAction): Promise<void> {
    const id = cacheTarget(target).replicationGroupId;
    if (action.type === 'reshard') {
      const reshard = action as ReshardAction;
      const remove = reshard.nodeGroupsToRemove ?? [];
      await this.client
        .send(
          new ModifyReplicationGroupShardConfigurationCommand({
            ReplicationGroupId: id,
            NodeGroupCount: reshard.desired,
            ApplyImmediately: true,
            ...(remove.length > 0 ? { NodeGroupsToRemove: [...remove] } : {}),
          }),
        )
        .catch((cause: unknown) => {
          throw awsCallError('ElastiCache ModifyReplicationGroupShardConfiguration', cause);
        });
      return;
    }
    if (action.type === 'replicas') return this.replicas.change(id, action as ReplicasAction);
    throw new ScalingError(`cache-shards cannot carry out a "${action.type}" action`);
  }

  /**
   * What validate and plan refuse for this target, read from the account: a missing group, a serverless
   * cache, and every refusal of the model (cluster mode, Global Datastore, engine version, scalable target).
   */
  async prerequisites(target: Target): Promise<string[]> {
    const t = cacheTarget(target);
    try {
      const group = await this.group(t.replicationGroupId);
      const [scalableTargets, engineVersion] = await Promise.all([
        this.scalableTargets.of(t.replicationGroupId),
        this.engineVersion(group),
      ]);
      return cacheShardsRefusals(observation(group, engineVersion, scalableTargets, [], undefined));
    } catch (error) {
      if (error instanceof ResourceNotFoundError || error instanceof ServerlessCacheError)
        return [error.message];
      throw error;
    }
  }

  /** What one shard is, for cost reports: the group's node type, replicas per shard and engine (as it names it). */
  async liveUnit(
    target: Target,
  ): Promise<{ type?: string; replicasPerShard: number; engines?: readonly EngineSeen[] }> {
    const group = await this.group(cacheTarget(target).replicationGroupId);
    const o = observation(group, undefined, [], [], undefined);
    return {
      ...(o.nodeType ? { type: o.nodeType } : {}),
      replicasPerShard: o.replicasPerShard,
      ...(group.Engine ? { engines: [{ name: o.engine }] } : {}),
    };
  }

  private async group(id: string): Promise<ReplicationGroup> {
    try {
      const response = await this.client.send(
        new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
      );
      const group = response.ReplicationGroups?.[0];
      if (!group) throw new ResourceNotFoundError('ElastiCache replication group', id);
      return group;
    } catch (cause) {
      if (cause instanceof ReplicationGroupNotFoundFault) {
        if (await this.isServerless(id)) throw new ServerlessCacheError(id, { cause });
        throw new ResourceNotFoundError('ElastiCache replication group', id, { cause });
      }
      if (cause instanceof ResourceNotFoundError) throw cause;
      throw new AwsCallError('ElastiCache DescribeReplicationGroups', cause);
    }
  }

  /**
   * The engine version, which the group does not report: its first member cluster's. Only Redis OSS needs
   * it (online resharding from 3.2.10); every Valkey version reshards online.
   */
  private async engineVersion(group: ReplicationGroup): Promise<string | undefined> {
    const member = group.MemberClusters?.[0];
    if ((group.Engine ?? 'redis').toLowerCase() !== 'redis' || !member) return undefined;
    const response = await this.client
      .send(new DescribeCacheClustersCommand({ CacheClusterId: member }))
      .catch((cause: unknown) => {
        throw new AwsCallError('ElastiCache DescribeCacheClusters', cause);
      });
    return response.CacheClusters?.[0]?.EngineVersion;
  }

  /** Only asked when no replication group has the name, to say why clearly. */
  private async isServerless(id: string): Promise<boolean> {
    try {
      const response = await this.client.send(
        new DescribeServerlessCachesCommand({ ServerlessCacheName: id }),
      );
      return (response.ServerlessCaches ?? []).length > 0;
    } catch {
      // ServerlessCacheNotFoundFault, or any failure: the not-found answer stands; this only refines it.
      return false;
    }
  }

  /**
   * The group's events of the last hour, every page (a reshard of many shards logs an event per node, so the
   * failure that settles it may be on a later page). A secondary signal (the status and shard count already show
   * a rollback), so a failed read leaves `events` undefined with the error, rather than failing the evaluation.
   */
  private async events(id: string): Promise<{ events?: CacheEvent[]; error?: string }> {
    try {
      const events = (await this.groupEvents(id)).flatMap((e) =>
        e.Date && e.Message ? [{ at: e.Date, message: e.Message }] : [],
      );
      return { events: events.sort((a, b) => a.at.getTime() - b.at.getTime()) };
    } catch (cause) {
      return { error: cause instanceof Error ? cause.message : String(cause) };
    }
  }
}

/** From this many targets on, groups and events are read for the whole account, in pages. */
const GROUPS_TO_PAGE = 10;
/** Targets read one by one at once. */
const ONE_BY_ONE_IN_FLIGHT = 8;

/** One group's events from the account's, oldest first. */
function ofGroup(
  read: { byGroup?: Map<string, CacheEvent[]>; error?: string },
  id: string,
): { events?: CacheEvent[]; error?: string } {
  if (read.error !== undefined) return { error: read.error };
  return { events: [...(read.byGroup?.get(id) ?? [])].sort((a, b) => a.at.getTime() - b.at.getTime()) };
}

function cacheTarget(target: Target): CacheShardsTarget {
  if (target.kind !== 'cache-shards') throw new ScalingError(`target "${target.name}" is not cache-shards`);
  return target;
}

/** The model's view of a described group. */
function observation(
  group: ReplicationGroup,
  engineVersion: string | undefined,
  scalableTargets: readonly string[],
  read: { events?: CacheEvent[]; error?: string } | CacheEvent[],
  replicasChangedAt: Date | undefined,
): CacheShardsObservation {
  const shards = (group.NodeGroups ?? []).map((g) => ({
    id: g.NodeGroupId ?? '',
    status: g.Status ?? 'unknown',
    // CurrentRole is reported only with cluster mode disabled, and the member order says nothing after a
    // failover: without it, the model tells the primary by each node's IsMaster metric (cacheShardReads.ts).
    nodes: (g.NodeGroupMembers ?? []).map((m): CacheNode => {
      const role = m.CurrentRole;
      return { id: m.CacheClusterId ?? '', ...(role === 'primary' || role === 'replica' ? { role } : {}) };
    }),
  }));
  const events = Array.isArray(read) ? { events: read } : read;
  const engine = (group.Engine ?? 'redis').toLowerCase();
  return {
    groupId: group.ReplicationGroupId ?? '',
    status: group.Status ?? 'unknown',
    // ClusterMode ('enabled' | 'disabled' | 'compatible'), when reported, decides: compatible mode (halfway
    // from disabled to enabled) already has cluster-enabled on, yet ElastiCache allows no scaling in it.
    clusterEnabled: group.ClusterMode ? group.ClusterMode === 'enabled' : group.ClusterEnabled === true,
    ...(group.ClusterMode ? { clusterMode: group.ClusterMode } : {}),
    engine,
    ...(engineVersion ? { engineVersion } : {}),
    ...(group.CacheNodeType ? { nodeType: group.CacheNodeType } : {}),
    ...(group.GlobalReplicationGroupInfo?.GlobalReplicationGroupId
      ? { globalDatastore: group.GlobalReplicationGroupInfo.GlobalReplicationGroupId }
      : {}),
    ...(group.DataTiering === 'enabled' ? { dataTiering: true } : {}),
    scalableTargets,
    shards,
    replicasPerShard: shards.length > 0 ? Math.max(0, Math.min(...shards.map((s) => s.nodes.length - 1))) : 0,
    // While modifying: whether it is a reshard (slot migration) or another party's change.
    ...(group.Status === 'modifying'
      ? { resharding: group.PendingModifiedValues?.Resharding !== undefined }
      : {}),
    ...(replicasChangedAt ? { replicasChangedAt } : {}),
    ...(events.events ? { events: events.events } : {}),
    ...(events.error ? { eventsError: events.error } : {}),
  };
}

/** The cache-shards kind as the use case runs it: this adapter and the pure model. */
export function elastiCacheShardScaler(
  aws: AwsConfig,
  options: ElastiCacheShardOptions = {},
): KindScaler<CacheShardsObservation> {
  return { resource: new ElastiCacheShardCapacity(aws, options), model: cacheShardsModel };
}
