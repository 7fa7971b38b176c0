import type { EmulatorAnswer } from '../../../bin/lib/emulator';
import type { Behaviour, LayerContext } from './layerContext';
import { MINUTE } from './layerContext';
import type { MotoQuery } from './motoQuery';
import {
  type AwsCall,
  answerText,
  editElements,
  escapeXml,
  listParam,
  queryError,
  queryResult,
  removeChild,
  setChild,
  withBody,
  xmlElements,
  xmlText,
} from './protocol';

/** How ElastiCache plays online resharding and replica changes; durations in virtual minutes. */
export interface CacheConfig {
  /** Slot migration time per shard added or removed. */
  readonly minutesPerShard: readonly [number, number];
  /** A replica added to or removed from every shard. */
  readonly replicaMinutes: readonly [number, number];
  /** Chance AWS gives up a reshard and rolls it back. */
  readonly rollback: number;
  /** The account's "Nodes per cluster (cluster mode enabled)" quota: shards × (replicas + 1). */
  readonly nodesPerCluster: number;
  /** ElastiCache's limit of shards per replication group. */
  readonly shardsPerGroup: number;
}

export const defaultCacheConfig: CacheConfig = {
  minutesPerShard: [4, 12],
  replicaMinutes: [5, 15],
  rollback: 0,
  nodesPerCluster: 90,
  shardsPerGroup: 500,
};

const SLOTS = 16384;

interface Shard {
  readonly id: string;
  readonly members: string[];
}

/** One running modification of a group: a reshard or a replica change, Scalepilot's or someone else's. */
interface Operation {
  readonly kind: 'reshard' | 'replicas' | 'node-type';
  readonly origin: 'caller' | 'foreign';
  readonly from: number;
  readonly to: number;
  readonly startedAt: number;
  readonly endsAt: number;
  readonly outcome: 'complete' | 'rollback';
  readonly remove: readonly string[];
  /** Shards of `remove` AWS keeps: each holds an item over 256 MB serialised (largeKeyOn). */
  readonly keep?: readonly string[];
}

interface Group {
  readonly id: string;
  shards: Shard[];
  replicas: number;
  operation?: Operation;
}

interface CacheEvent {
  readonly at: number;
  readonly group: string;
  readonly message: string;
}

/**
 * ElastiCache replication groups (cluster mode enabled) on the virtual clock. moto answers
 * ModifyReplicationGroupShardConfiguration and Increase/DecreaseReplicaCount with HTTP 500 and never shows
 * `modifying`, so the layer runs those operations itself on top of the group moto stores: `modifying` with
 * slot migration progress for minutes, then the new shards (or rolled back, with an event), refused while
 * another modification runs (InvalidReplicationGroupState) or past the node quota; DescribeReplicationGroups
 * shows the layer's shards, DescribeEvents its events.
 */
export class CacheResharding implements Behaviour {
  readonly config: CacheConfig;
  private readonly groups = new Map<string, Group>();
  private readonly events: CacheEvent[] = [];

  constructor(
    private readonly context: LayerContext,
    private readonly moto: MotoQuery,
    config: Partial<CacheConfig> = {},
  ) {
    this.config = { ...defaultCacheConfig, ...config };
  }

  async handle(call: AwsCall, next: () => Promise<EmulatorAnswer>): Promise<EmulatorAnswer> {
    if (call.service !== 'elasticache') return next();
    switch (call.action) {
      case 'DescribeReplicationGroups': {
        const answer = await next();
        return answer.status === 200 ? withBody(answer, this.show(answerText(answer))) : answer;
      }
      case 'ModifyReplicationGroupShardConfiguration':
        return this.reshard(call);
      case 'IncreaseReplicaCount':
      case 'DecreaseReplicaCount':
        return this.changeReplicas(call);
      case 'DescribeEvents':
        return this.describeEvents(call);
      default:
        return next();
    }
  }

  async settle(now: number): Promise<void> {
    for (const group of this.groups.values()) {
      const op = group.operation;
      if (!op || now < op.endsAt) continue;
      group.operation = undefined;
      if (op.outcome === 'rollback') {
        this.event(
          op.endsAt,
          group.id,
          `Failed to complete the ${op.kind === 'reshard' ? 'resharding' : op.kind === 'replicas' ? 'replica change' : 'node type change'} of replication group ${group.id}; the change was rolled back`,
        );
        if (op.kind === 'reshard') this.context.counts.count('cache.reshardRolledBack');
        continue;
      }
      if (op.kind === 'reshard' && op.keep?.length) {
        // AWS's online-resharding guide: a scale-in does not delete such a shard. The event's words are the
        // layer's own (AWS documents the outcome, not its event): the scaler reads the shard count.
        group.shards = group.shards.filter((s) => !op.remove.includes(s.id) || op.keep?.includes(s.id));
        this.context.counts.count('cache.largeKeyKept');
        this.event(
          op.endsAt,
          group.id,
          `Resharding of replication group ${group.id} ended at ${group.shards.length} shards: node group(s) ${op.keep.join(', ')} kept (an item over 256 MB after serialization)`,
        );
        continue;
      }
      if (op.kind === 'reshard') group.shards = resharded(group, op.to, op.remove);
      if (op.kind === 'replicas') group.shards = withReplicas(group, op.to);
      if (op.kind === 'replicas') group.replicas = op.to;
      this.event(
        op.endsAt,
        group.id,
        op.kind === 'reshard'
          ? `Completed resharding of replication group ${group.id} to ${op.to} shards`
          : op.kind === 'replicas'
            ? `Replica count of replication group ${group.id} changed to ${op.to}`
            : `Modification of replication group ${group.id} completed`,
      );
    }
  }

  // ---- what the soak and the tests make happen ----

  /** Someone else reshards the group (the console, another tool). */
  foreignReshard(id: string, to: number, minutes?: number): boolean {
    const group = this.groups.get(id);
    if (!group || group.operation) return false;
    this.start(group, 'reshard', 'foreign', group.shards.length, to, [], minutes);
    this.context.counts.count('foreign.reshard');
    return true;
  }

  /** Someone else changes the group's node type: `modifying` for `minutes`, no change of shards. */
  foreignModification(id: string, minutes: number, outcome: 'complete' | 'rollback' = 'complete'): boolean {
    const group = this.groups.get(id);
    if (!group || group.operation) return false;
    const now = this.context.now();
    group.operation = {
      kind: 'node-type',
      origin: 'foreign',
      from: 0,
      to: 0,
      startedAt: now,
      endsAt: now + minutes * MINUTE,
      outcome,
      remove: [],
    };
    this.event(now, id, `Modifying node type of replication group ${id}`);
    this.context.counts.count('foreign.reshard');
    return true;
  }

  /** The group as the layer shows it, once it has been described. */
  group(id: string): { shards: number; replicas: number; status: string; operation?: Operation } | undefined {
    const group = this.groups.get(id);
    if (!group) return undefined;
    return {
      shards: group.shards.length,
      replicas: group.replicas,
      status: group.operation ? 'modifying' : 'available',
      ...(group.operation ? { operation: group.operation } : {}),
    };
  }

  /** The node ids of a group (what CloudWatch's `CacheClusterId` names), by shard. */
  nodes(id: string): { shard: string; node: string; primary: boolean }[] {
    return (this.groups.get(id)?.shards ?? []).flatMap((s) =>
      s.members.map((node, i) => ({ shard: s.id, node, primary: i === 0 })),
    );
  }

  // ---- the calls ----

  /**
   * The next reshard or replica change call finds someone else's modification started just before it (the
   * race between a scaler's describe and its call): refused, the other change running for `minutes`.
   */
  raceNextReshard(minutes: number): void {
    this.race = minutes;
  }

  private race: number | undefined;

  /** AWS gives up the next reshard a caller starts and rolls it back (counted when it does). */
  rollBackNextReshard(): void {
    this.rollBackNext = true;
  }

  private rollBackNext = false;

  /**
   * A key over 256 MB serialised lives on `shard` of group `id` (until `untilMs` on the virtual clock, when its
   * owner splits or deletes it; for good without): a scale-in that removes it runs, and the shard stays (the
   * limitations of "Online resharding for Valkey or Redis OSS (cluster mode enabled)").
   */
  largeKeyOn(id: string, shard: string, untilMs = Number.POSITIVE_INFINITY): void {
    const keys = this.largeKeys.get(id) ?? new Map<string, number>();
    keys.set(shard, untilMs);
    this.largeKeys.set(id, keys);
  }

  private readonly largeKeys = new Map<string, Map<string, number>>();

  /** The race armed by raceNextReshard, played on the next shard or replica change of a caller. */
  private raced(id: string): void {
    if (this.race === undefined) return;
    this.foreignModification(id, this.race);
    this.race = undefined;
  }

  private async reshard(call: AwsCall): Promise<EmulatorAnswer> {
    const id = call.params.get('ReplicationGroupId') ?? '';
    const group = await this.known(id);
    if (!group) return queryError('ReplicationGroupNotFoundFault', `Replication group ${id} not found.`, 404);
    this.raced(id);
    const to = Number(call.params.get('NodeGroupCount'));
    const remove = listParam(call.params, 'NodeGroupsToRemove');
    const refused = this.refuse(group, to, group.replicas);
    if (refused) return refused;
    if (!Number.isInteger(to) || to < 1 || to === group.shards.length)
      return queryError(
        'InvalidParameterValue',
        `NodeGroupCount ${to} must differ from the current ${group.shards.length}.`,
      );
    if (to < group.shards.length && remove.length !== group.shards.length - to)
      return queryError(
        'InvalidParameterCombination',
        'NodeGroupsToRemove or NodeGroupsToRetain is required when reducing the number of node groups.',
      );
    this.start(group, 'reshard', 'caller', group.shards.length, to, remove);
    return queryResult(
      'ModifyReplicationGroupShardConfiguration',
      this.groupXml(group, await this.describedXml(id)),
    );
  }

  private async changeReplicas(call: AwsCall): Promise<EmulatorAnswer> {
    const id = call.params.get('ReplicationGroupId') ?? '';
    const group = await this.known(id);
    if (!group) return queryError('ReplicationGroupNotFoundFault', `Replication group ${id} not found.`, 404);
    this.raced(id);
    const to = Number(call.params.get('NewReplicaCount'));
    const refused = this.refuse(group, group.shards.length, to);
    if (refused) return refused;
    if (!Number.isInteger(to) || to < 0 || to > 5 || to === group.replicas)
      return queryError(
        'InvalidParameterValue',
        `NewReplicaCount ${to} must be 0-5 and differ from ${group.replicas}.`,
      );
    this.start(group, 'replicas', 'caller', group.replicas, to, []);
    return queryResult(call.action, this.groupXml(group, await this.describedXml(id)));
  }

  /** ElastiCache's refusals: one modification at a time, and the quotas. */
  private refuse(group: Group, shards: number, replicas: number): EmulatorAnswer | undefined {
    if (group.operation) {
      this.context.counts.count('cache.refusedWhileModifying');
      return queryError(
        'InvalidReplicationGroupState',
        `Replication group ${group.id} is not in available state (modifying).`,
      );
    }
    if (shards > this.config.shardsPerGroup)
      return queryError(
        'NodeGroupsPerReplicationGroupQuotaExceeded',
        `The request would exceed the maximum of ${this.config.shardsPerGroup} node groups in a replication group.`,
      );
    if (shards * (replicas + 1) > this.config.nodesPerCluster) {
      this.context.counts.count('cache.nodeQuota');
      return queryError(
        'NodeQuotaForCustomerExceeded',
        `The request would exceed the allowed number of cache nodes: ${shards * (replicas + 1)} nodes, quota ${this.config.nodesPerCluster}.`,
      );
    }
    return undefined;
  }

  private start(
    group: Group,
    kind: 'reshard' | 'replicas',
    origin: 'caller' | 'foreign',
    from: number,
    to: number,
    remove: readonly string[],
    minutes?: number,
  ): void {
    const { counts } = this.context;
    const random = this.context.random.for(`${kind} ${group.id}`);
    const now = this.context.now();
    const range = kind === 'reshard' ? this.config.minutesPerShard : this.config.replicaMinutes;
    const span =
      minutes ??
      random.between(range[0], range[1]) * (kind === 'reshard' ? Math.max(1, Math.abs(to - from)) : 1);
    const rollBack = kind === 'reshard' && origin === 'caller' && this.rollBackNext;
    if (rollBack) this.rollBackNext = false;
    const outcome =
      kind === 'reshard' && (rollBack || random.chance(this.config.rollback)) ? 'rollback' : 'complete';
    group.operation = {
      kind,
      origin,
      from,
      to,
      startedAt: now,
      endsAt: now + span * MINUTE,
      outcome,
      remove,
      keep: remove.filter((shard) => (this.largeKeys.get(group.id)?.get(shard) ?? 0) > now),
    };
    counts.count(kind === 'reshard' ? 'cache.reshardModifying' : 'cache.replicasModifying');
    if (kind === 'reshard') counts.count('cache.slotMigration');
    this.event(
      now,
      group.id,
      kind === 'reshard'
        ? `Resharding replication group ${group.id} from ${from} to ${to} shards`
        : `Changing the replica count of replication group ${group.id} from ${from} to ${to}`,
    );
  }

  /** The group, adopted from moto's description the first time it is met. */
  private async known(id: string): Promise<Group | undefined> {
    const existing = this.groups.get(id);
    if (existing) return existing;
    await this.describedXml(id);
    return this.groups.get(id);
  }

  /** moto's description of the group, read from moto itself. */
  private async describedXml(id: string): Promise<string> {
    const xml = await this.moto('elasticache', {
      Action: 'DescribeReplicationGroups',
      ReplicationGroupId: id,
    });
    if (xml.includes('<ReplicationGroupId>')) this.adopt(xml);
    return xml;
  }

  private adopt(xml: string): void {
    for (const element of xmlElements(xml, 'ReplicationGroup')) {
      const id = xmlText(element.text, 'ReplicationGroupId') ?? '';
      if (this.groups.has(id)) continue;
      const shards = xmlElements(element.text, 'NodeGroup').map((g) => ({
        id: xmlText(g.text, 'NodeGroupId') ?? '',
        members: xmlElements(g.text, 'CacheClusterId').map((m) => m.text.replace(/<\/?CacheClusterId>/g, '')),
      }));
      const replicas = shards.length > 0 ? Math.min(...shards.map((s) => s.members.length - 1)) : 0;
      this.groups.set(id, { id, shards, replicas });
    }
  }

  private show(xml: string): string {
    this.adopt(xml);
    return editElements(xml, 'ReplicationGroup', (element) => {
      const group = this.groups.get(xmlText(element, 'ReplicationGroupId') ?? '');
      return group ? this.groupXml(group, element) : element;
    });
  }

  /** One `<ReplicationGroup>` as ElastiCache would show it now. */
  private groupXml(group: Group, element: string): string {
    const source = xmlElements(element, 'ReplicationGroup')[0]?.text ?? element;
    const op = group.operation;
    const now = this.context.now();
    let out = setChild(source, 'Status', op ? 'modifying' : 'available');
    out = setChild(
      out,
      'MemberClusters',
      group.shards
        .flatMap((s) => s.members)
        .map((m) => `<ClusterId>${m}</ClusterId>`)
        .join(''),
    );
    out = setChild(
      out,
      'NodeGroups',
      group.shards.map((s, i) => shardXml(s, i, group.shards.length)).join(''),
    );
    if (op?.kind === 'reshard') {
      const progress = Math.min(99.9, Math.max(0, (100 * (now - op.startedAt)) / (op.endsAt - op.startedAt)));
      out = setChild(
        out,
        'PendingModifiedValues',
        `<Resharding><SlotMigration><ProgressPercentage>${progress.toFixed(1)}</ProgressPercentage></SlotMigration></Resharding>`,
      );
    } else out = removeChild(out, 'PendingModifiedValues');
    return out;
  }

  private describeEvents(call: AwsCall): EmulatorAnswer {
    const now = this.context.now();
    const source = call.params.get('SourceIdentifier');
    const duration = Number(call.params.get('Duration') ?? 60);
    const start = call.params.get('StartTime')
      ? Date.parse(call.params.get('StartTime') as string)
      : now - duration * MINUTE;
    const inner = this.events
      .filter((e) => e.at <= now && e.at >= start && (!source || e.group === source))
      .map(
        (e) =>
          `<Event><SourceIdentifier>${e.group}</SourceIdentifier><SourceType>replication-group</SourceType><Message>${escapeXml(e.message)}</Message><Date>${new Date(e.at).toISOString()}</Date></Event>`,
      )
      .join('');
    return queryResult('DescribeEvents', `<Events>${inner}</Events>`);
  }

  private event(at: number, group: string, message: string): void {
    this.events.push({ at, group, message });
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function shardXml(shard: Shard, index: number, count: number): string {
  const first = Math.floor((SLOTS * index) / count);
  const last = Math.floor((SLOTS * (index + 1)) / count) - 1;
  const members = shard.members
    .map(
      (m, i) =>
        `<NodeGroupMember><CacheClusterId>${m}</CacheClusterId><CacheNodeId>0001</CacheNodeId><PreferredAvailabilityZone>us-east-1${'abc'[i % 3]}</PreferredAvailabilityZone></NodeGroupMember>`,
    )
    .join('');
  return `<NodeGroup><NodeGroupId>${shard.id}</NodeGroupId><Status>available</Status><Slots>${first}-${last}</Slots><NodeGroupMembers>${members}</NodeGroupMembers></NodeGroup>`;
}

/** The shards after a reshard: the named ones removed (or the highest), new ones numbered after the highest. */
function resharded(group: Group, to: number, remove: readonly string[]): Shard[] {
  let shards = [...group.shards];
  if (to < shards.length) {
    const gone = new Set(remove.length > 0 ? remove : shards.slice(to).map((s) => s.id));
    shards = shards.filter((s) => !gone.has(s.id));
  }
  let highest = Math.max(0, ...group.shards.map((s) => Number(s.id)));
  while (shards.length < to) {
    highest += 1;
    const id = pad(highest, 4);
    shards.push({
      id,
      members: Array.from({ length: group.replicas + 1 }, (_, i) => `${group.id}-${id}-${pad(i + 1, 3)}`),
    });
  }
  return shards;
}

/** Every shard with `replicas` replicas: the highest-numbered nodes go, new ones are numbered after them. */
function withReplicas(group: Group, replicas: number): Shard[] {
  return group.shards.map((s) => {
    const members = s.members.slice(0, replicas + 1);
    let n = Math.max(0, ...s.members.map((m) => Number(m.split('-').pop())));
    while (members.length < replicas + 1) {
      n += 1;
      members.push(`${group.id}-${s.id}-${pad(n, 3)}`);
    }
    return { id: s.id, members };
  });
}
