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

/** How RDS plays its instances' life cycles; every duration in virtual minutes, `[min, max]`. */
export interface RdsConfig {
  /** `creating` then `backing-up` then `available` (RDS snapshots the source, then restores the replica). */
  readonly createMinutes: readonly [number, number];
  /** Aurora readers join the cluster volume: no backup phase. */
  readonly auroraCreateMinutes: readonly [number, number];
  readonly deleteMinutes: readonly [number, number];
  /** Chance a new replica ends in a failed state instead of `available`, and which states. */
  readonly createFailure: number;
  readonly failureStates: readonly ('failed' | 'storage-full' | 'incompatible-parameters')[];
  /** Chance a new replica stays `creating` for `stuckMinutes` before it fails. */
  readonly stuckCreating: number;
  readonly stuckMinutes: readonly [number, number];
  /** Chance a create is refused with InsufficientDBInstanceCapacity, and classes that always are. */
  readonly insufficientCapacity: number;
  readonly noCapacityClasses: readonly string[];
}

export const defaultRdsConfig: RdsConfig = {
  createMinutes: [10, 20],
  auroraCreateMinutes: [5, 10],
  deleteMinutes: [3, 8],
  createFailure: 0,
  failureStates: ['storage-full', 'incompatible-parameters', 'failed'],
  stuckCreating: 0,
  stuckMinutes: [120, 240],
  insufficientCapacity: 0,
  noCapacityClasses: [],
};

/** Statuses from which RDS deletes an instance; any other is InvalidDBInstanceState. */
const DELETABLE = new Set([
  'available',
  'creating',
  'failed',
  'storage-full',
  'incompatible-parameters',
  'incompatible-network',
  'inaccessible-encryption-credentials',
  'stopped',
]);

type Replication = {
  status: 'replicating' | 'stopped' | 'error' | 'terminated';
  message: string;
  /** Whether RDS's status check shows it in StatusInfos yet (ReplicaLag reports −1 at once). */
  shown: boolean;
};

/** One DB instance as the layer plays it (instances the layer never saw are moto's as they are). */
interface Life {
  readonly id: string;
  readonly engine: string;
  /** Replica of this source instance, or reader of this Aurora cluster. */
  readonly source?: string;
  readonly cluster?: string;
  readonly createdAt: number;
  /** `creating` until this instant, then `backing-up` until `readyAt`. */
  creatingUntil: number;
  readyAt: number;
  /** What it becomes at `readyAt`: `available`, or a failed state. */
  endState: string;
  deletingUntil?: number;
  deleted?: boolean;
  /** A change being applied (`modifying`), and what it sets when it ends. */
  modifying?: { from: number; until: number; instanceClass?: string; what: string };
  /** A change waiting for the maintenance window. */
  pending?: { instanceClass?: string; action: string; applyAt: number; minutes: number };
  replication: Replication;
  storageFull?: boolean;
}

/** An RDS event (DescribeEvents), on the virtual clock. */
interface RdsEvent {
  readonly at: number;
  readonly source: string;
  readonly type: 'db-instance' | 'db-cluster';
  readonly message: string;
  readonly categories: readonly string[];
}

/**
 * RDS DB instances on the virtual clock: read replicas and Aurora readers go `creating` → `backing-up` →
 * `available` (or a failed state) over minutes, `deleting` for minutes, sources are `modifying` while a
 * console change or maintenance applies; replication stops (StatusInfos, ReplicaLag −1 on MySQL/MariaDB);
 * creates and deletes are refused as RDS refuses them (DBInstanceAlreadyExists, InvalidDBInstanceState,
 * InsufficientDBInstanceCapacity). moto creates and deletes at once: the layer shows the states in between
 * and deletes in moto when `deleting` ends.
 */
export class RdsInstances implements Behaviour {
  readonly config: RdsConfig;
  private readonly lives = new Map<string, Life>();
  private readonly events: RdsEvent[] = [];
  /** Cross-Region replicas of a source (ARNs RDS lists in ReadReplicaDBInstanceIdentifiers). */
  private readonly crossRegion = new Map<string, string[]>();
  private readonly lagEpisodes = new Map<string, { seconds: number; until: number }>();

  constructor(
    private readonly context: LayerContext,
    private readonly moto: MotoQuery,
    config: Partial<RdsConfig> = {},
  ) {
    this.config = { ...defaultRdsConfig, ...config };
  }

  async handle(call: AwsCall, next: () => Promise<EmulatorAnswer>): Promise<EmulatorAnswer> {
    if (call.service !== 'rds') return next();
    switch (call.action) {
      case 'CreateDBInstanceReadReplica':
        return this.createReplica(call, next);
      case 'CreateDBInstance':
        return call.params.get('DBClusterIdentifier') ? this.createReader(call, next) : next();
      case 'DeleteDBInstance':
        return this.delete(call);
      case 'DescribeDBInstances': {
        const answer = await next();
        return answer.status === 200 ? withBody(answer, this.showInstances(answerText(answer))) : answer;
      }
      case 'DescribeDBClusters': {
        const answer = await next();
        this.watchReaderEndpoints(answerText(answer));
        return answer;
      }
      case 'DescribeEvents':
        return this.describeEvents(call);
      case 'DescribePendingMaintenanceActions':
        return this.pendingMaintenanceActions(call);
      default:
        return next();
    }
  }

  async settle(now: number): Promise<void> {
    for (const life of this.lives.values()) {
      if (life.deletingUntil !== undefined && !life.deleted && now >= life.deletingUntil) {
        life.deleted = true;
        await this.moto('rds', {
          Action: 'DeleteDBInstance',
          DBInstanceIdentifier: life.id,
          SkipFinalSnapshot: 'true',
        });
        this.event(life.deletingUntil, life.id, 'DB instance deleted', ['deletion']);
      }
      if (life.pending && now >= life.pending.applyAt && !life.modifying) {
        const { pending } = life;
        life.pending = undefined;
        life.modifying = {
          from: pending.applyAt,
          until: pending.applyAt + pending.minutes * MINUTE,
          what: pending.action,
          ...(pending.instanceClass ? { instanceClass: pending.instanceClass } : {}),
        };
        this.event(pending.applyAt, life.id, `Applying ${pending.action} in the maintenance window`, [
          'maintenance',
        ]);
        // Counted when the window comes and the source turns `modifying`, not when it was scheduled.
        this.context.counts.count('rds.pendingMaintenance');
        this.context.counts.count('rds.sourceModifying');
      }
      if (life.modifying && now >= life.modifying.until) {
        const done = life.modifying;
        life.modifying = undefined;
        if (done.instanceClass)
          await this.moto('rds', {
            Action: 'ModifyDBInstance',
            DBInstanceIdentifier: life.id,
            DBInstanceClass: done.instanceClass,
            ApplyImmediately: 'true',
          });
        this.event(done.until, life.id, `Finished applying ${done.what}`, ['configuration change']);
      }
    }
  }

  // ---- what the soak and the tests make happen ----

  /** Someone changes the instance's class in the console, applied now: `modifying` for `minutes`. */
  consoleResize(id: string, instanceClass: string, minutes: number): void {
    const life = this.life(id);
    const now = this.context.now();
    life.modifying = {
      from: now,
      until: now + minutes * MINUTE,
      instanceClass,
      what: `modification to DB instance class ${instanceClass}`,
    };
    this.event(now, id, `Applying modification to DB instance class ${instanceClass}`, [
      'configuration change',
    ]);
    this.context.counts.count('foreign.consoleResize');
    this.context.counts.count('rds.sourceModifying');
  }

  /**
   * A change waiting for the maintenance window (a pending class change or a system update), applied
   * `inMinutes` from now, then `modifying` for `minutes`.
   */
  pendingMaintenance(
    id: string,
    change: { instanceClass?: string; action?: string },
    inMinutes: number,
    minutes: number,
  ): void {
    const life = this.life(id);
    life.pending = {
      action:
        change.action ??
        (change.instanceClass
          ? `modification to DB instance class ${change.instanceClass}`
          : 'system-update'),
      applyAt: this.context.now() + inMinutes * MINUTE,
      minutes,
      ...(change.instanceClass ? { instanceClass: change.instanceClass } : {}),
    };
  }

  /**
   * Replication on a replica stops or fails: MySQL/MariaDB report ReplicaLag −1 from then on, and StatusInfos
   * shows it once RDS's status check has noticed (`shown: false`: not yet).
   */
  stopReplication(
    id: string,
    status: 'stopped' | 'error' | 'terminated',
    message: string,
    { shown = true }: { shown?: boolean } = {},
  ): void {
    this.life(id).replication = { status, message, shown };
    this.event(
      this.context.now(),
      id,
      `Replication for the read replica ${status === 'stopped' ? 'has stopped' : 'failed'}: ${message}`,
      ['read replica'],
    );
    this.context.counts.count('rds.replicationStopped');
  }

  resumeReplication(id: string): void {
    this.life(id).replication = { status: 'replicating', message: '', shown: true };
  }

  /** The instance runs out of storage: `storage-full` until someone adds storage. */
  fillStorage(id: string): void {
    this.life(id).storageFull = true;
    this.event(this.context.now(), id, 'The DB instance has reached its storage limit', ['low storage']);
    this.context.counts.count('rds.storageFull');
  }

  /** A replica lags by `seconds` for `minutes`. */
  lagEpisode(id: string, seconds: number, minutes: number): void {
    this.lagEpisodes.set(id, { seconds, until: this.context.now() + minutes * MINUTE });
  }

  /** A replica of `source` in another Region: RDS lists its ARN among the source's replicas. */
  addCrossRegionReplica(source: string, arn: string): void {
    this.crossRegion.set(source, [...(this.crossRegion.get(source) ?? []), arn]);
  }

  /** Someone creates a replica by hand (straight into moto): it goes through the same life cycle. */
  async manualReplica(source: string, id: string, create: () => Promise<void>): Promise<void> {
    await create();
    this.born(id, this.engineOf(source), { source }, { settled: false });
    this.context.counts.count('foreign.manualReplica');
  }

  /** The status the layer shows for an instance now (undefined: not one the layer plays). */
  status(id: string, now = this.context.now()): string | undefined {
    const life = this.lives.get(id);
    return life && !life.deleted ? statusAt(life, now) : undefined;
  }

  /** The instances the layer plays, with their status now. */
  instances(
    now = this.context.now(),
  ): { id: string; status: string; source?: string; cluster?: string; replication: string }[] {
    return [...this.lives.values()]
      .filter((l) => !l.deleted)
      .map((l) => ({
        id: l.id,
        status: statusAt(l, now),
        replication: l.replication.status,
        ...(l.source ? { source: l.source } : {}),
        ...(l.cluster ? { cluster: l.cluster } : {}),
      }));
  }

  /** When an instance's current operation ends (create or delete), if it is running one. */
  operationEnds(id: string, now = this.context.now()): number | undefined {
    const life = this.lives.get(id);
    if (!life || life.deleted) return undefined;
    if (life.deletingUntil !== undefined) return life.deletingUntil;
    return now < life.readyAt ? life.readyAt : undefined;
  }

  /**
   * The replica lag CloudWatch would publish now, in seconds: −1 once replication stopped on MySQL or
   * MariaDB (RDS reports Seconds_Behind_Master NULL as −1), else the lag of a running episode, else 0.
   */
  replicaLag(id: string, now = this.context.now()): number {
    const life = this.lives.get(id);
    if (life && life.replication.status !== 'replicating' && /^(mysql|mariadb)/.test(life.engine)) return -1;
    const episode = this.lagEpisodes.get(id);
    return episode && now < episode.until ? episode.seconds : 0;
  }

  /**
   * The next create finds the world changed since the caller's describe: the source just became busy
   * (`source-busy`: InvalidDBInstanceState) or someone just took the name (`name-taken`: an instance of that
   * name made by hand, DBInstanceAlreadyExists).
   */
  raceNextCreate(race: 'source-busy' | 'name-taken'): void {
    this.races.push(race);
  }

  /** Races waiting for a create, one a create (in order). */
  private readonly races: ('source-busy' | 'name-taken')[] = [];

  /** The next replica or reader a caller creates ends in `state` instead of `available` (counted when shown). */
  failNextCreate(state: 'failed' | 'storage-full' | 'incompatible-parameters'): void {
    this.failures.push(state);
  }

  private readonly failures: ('failed' | 'storage-full' | 'incompatible-parameters')[] = [];

  /** The next create is refused with InsufficientDBInstanceCapacity, whatever its class (then as configured). */
  noCapacityForNextCreate(): void {
    this.noCapacityNext = true;
  }

  private noCapacityNext = false;

  /** The next delete finds its replica's source just turned busy (a console change): InvalidDBInstanceState. */
  raceNextDelete(): void {
    this.deleteRace = true;
  }

  private deleteRace = false;

  /** The readers behind an Aurora cluster's reader endpoint now: its available readers, draining or not. */
  readerEndpointMembers(cluster: string, now = this.context.now()): string[] {
    return [...this.lives.values()]
      .filter(
        (l) =>
          l.cluster === cluster && !this.writers.has(l.id) && !l.deleted && statusAt(l, now) === 'available',
      )
      .map((l) => l.id)
      .sort();
  }

  private readonly readerEndpoints = new Map<string, string>();
  /** Each cluster's writer (DBClusterMembers IsClusterWriter): never behind the reader endpoint. */
  private readonly writers = new Set<string>();

  // ---- the calls ----

  /** Counts each change of the readers behind a cluster's reader endpoint, as DescribeDBClusters meets it. */
  private watchReaderEndpoints(xml: string): void {
    for (const member of xmlElements(xml, 'DBClusterMember'))
      if (xmlText(member.text, 'IsClusterWriter') === 'true')
        this.writers.add(xmlText(member.text, 'DBInstanceIdentifier') ?? '');
    for (const id of xmlElements(xml, 'DBClusterIdentifier').map((e) =>
      e.text.replace(/<\/?DBClusterIdentifier>/g, ''),
    )) {
      const members = this.readerEndpointMembers(id).join(',');
      if (this.readerEndpoints.has(id) && this.readerEndpoints.get(id) !== members)
        this.context.counts.count('aurora.readerEndpoint');
      this.readerEndpoints.set(id, members);
    }
  }

  private async createReplica(call: AwsCall, next: () => Promise<EmulatorAnswer>): Promise<EmulatorAnswer> {
    const id = call.params.get('DBInstanceIdentifier') ?? '';
    const source = call.params.get('SourceDBInstanceIdentifier') ?? '';
    const refused = await this.refuseCreate(
      id,
      { kind: 'source', id: source },
      call.params.get('DBInstanceClass') ?? undefined,
    );
    if (refused) return refused;
    const answer = await next();
    if (answer.status !== 200) return answer;
    const life = this.born(id, this.engineOf(source), { source }, { settled: false });
    return withBody(answer, this.showInstance(answerText(answer), life));
  }

  private async createReader(call: AwsCall, next: () => Promise<EmulatorAnswer>): Promise<EmulatorAnswer> {
    const id = call.params.get('DBInstanceIdentifier') ?? '';
    const cluster = call.params.get('DBClusterIdentifier') ?? '';
    const refused = await this.refuseCreate(
      id,
      { kind: 'cluster', id: cluster },
      call.params.get('DBInstanceClass') ?? undefined,
    );
    if (refused) return refused;
    const answer = await next();
    if (answer.status !== 200) return answer;
    const life = this.born(id, call.params.get('Engine') ?? 'aurora-mysql', { cluster }, { settled: false });
    return withBody(answer, this.showInstance(answerText(answer), life));
  }

  /** RDS's refusals of a create, in the order it checks: the name, the source's state, capacity. */
  private async refuseCreate(
    id: string,
    from: { kind: 'source' | 'cluster'; id: string },
    instanceClass: string | undefined,
  ): Promise<EmulatorAnswer | undefined> {
    const { counts, random } = this.context;
    const race = this.races.shift();
    if (race === 'name-taken') {
      await this.moto('rds', {
        Action: 'CreateDBInstance',
        DBInstanceIdentifier: id,
        DBInstanceClass: 'db.t4g.micro',
        Engine: 'postgres',
        AllocatedStorage: '20',
        MasterUsername: 'someone',
        MasterUserPassword: 'someone-else-1',
      });
      this.born(id, 'postgres', {}, { settled: true });
    }
    if (race === 'source-busy' && from.kind === 'source') this.consoleResize(from.id, 'db.r6g.xlarge', 15);
    const existing = this.lives.get(id);
    if ((existing && !existing.deleted) || (await this.existsInMoto(id))) {
      counts.count('rds.alreadyExists');
      return queryError('DBInstanceAlreadyExists', `DB instance already exists: ${id}`);
    }
    const sourceStatus = from.kind === 'source' ? this.status(from.id) : undefined;
    if (sourceStatus !== undefined && sourceStatus !== 'available') {
      counts.count('rds.invalidStateOnCreate');
      return queryError(
        'InvalidDBInstanceState',
        `DB instance ${from.id} is not in available state (${sourceStatus}).`,
      );
    }
    const noCapacity = this.noCapacityNext;
    this.noCapacityNext = false;
    if (
      noCapacity ||
      (instanceClass && this.config.noCapacityClasses.includes(instanceClass)) ||
      random.chance(this.config.insufficientCapacity)
    ) {
      counts.count('rds.insufficientCapacity');
      return queryError(
        'InsufficientDBInstanceCapacity',
        `Cannot create a database instance because there is no availability of the requested instance class ${instanceClass ?? ''} in the requested Availability Zone.`,
      );
    }
    return undefined;
  }

  private async delete(call: AwsCall): Promise<EmulatorAnswer> {
    const id = call.params.get('DBInstanceIdentifier') ?? '';
    const now = this.context.now();
    const xml = await this.describeInMoto(id);
    const life = this.lives.get(id);
    if (!xml || life?.deleted) return queryError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);
    const tracked =
      life ??
      this.born(
        id,
        xmlText(xml, 'Engine') ?? 'postgres',
        { source: xmlText(xml, 'ReadReplicaSourceDBInstanceIdentifier') ?? undefined },
        { settled: true },
      );
    if (xmlText(xml, 'DeletionProtection') === 'true')
      return queryError(
        'InvalidParameterCombination',
        'Cannot delete protected DB Instance, please disable deletion protection and try again.',
      );
    if (this.deleteRace && tracked.source) {
      this.deleteRace = false;
      this.consoleResize(tracked.source, 'db.r6g.xlarge', 10);
    }
    const status = statusAt(tracked, now);
    const sourceStatus = tracked.source ? this.status(tracked.source, now) : undefined;
    const busySource = sourceStatus !== undefined && sourceStatus !== 'available';
    if (!DELETABLE.has(status) || busySource) {
      this.context.counts.count('rds.invalidStateOnDelete');
      return queryError(
        'InvalidDBInstanceState',
        busySource
          ? `Cannot delete ${id} while its source ${tracked.source} is ${sourceStatus}.`
          : `Instance ${id} is currently ${status}; it cannot be deleted now.`,
      );
    }
    const { deleteMinutes } = this.config;
    tracked.deletingUntil = now + this.context.random.between(deleteMinutes[0], deleteMinutes[1]) * MINUTE;
    this.context.counts.count(tracked.cluster ? 'aurora.readerDeleting' : 'rds.replicaDeleting');
    this.event(now, id, 'DB instance is being deleted', ['deletion']);
    const shown = this.showInstance(xml, tracked);
    return queryResult('DeleteDBInstance', xmlElements(shown, 'DBInstance')[0]?.text ?? '');
  }

  /** Starts playing an instance: `created` now by the caller (a create just accepted) or found as it is. */
  private born(
    id: string,
    engine: string,
    of: { source?: string | undefined; cluster?: string },
    { settled }: { settled: boolean },
  ): Life {
    const now = this.context.now();
    const { random, counts } = this.context;
    const aurora = of.cluster !== undefined;
    let creatingUntil = now;
    let readyAt = now;
    let endState = 'available';
    if (!settled) {
      const [min, max] = aurora ? this.config.auroraCreateMinutes : this.config.createMinutes;
      const minutes = random.between(min, max);
      // RDS snapshots the source (creating), then restores and starts replicating (backing-up).
      creatingUntil = now + (aurora ? minutes : minutes * 0.7) * MINUTE;
      readyAt = now + minutes * MINUTE;
      if (random.chance(this.config.stuckCreating)) {
        const [a, b] = this.config.stuckMinutes;
        creatingUntil = now + random.between(a, b) * MINUTE;
        readyAt = creatingUntil;
        endState = 'failed';
        counts.count('rds.stuckCreating');
      } else if (this.failures.length > 0) endState = this.failures.shift() as string;
      else if (random.chance(this.config.createFailure)) endState = random.pick(this.config.failureStates);
      counts.count(aurora ? 'aurora.readerCreating' : 'rds.replicaCreating');
      if (!aurora && readyAt > creatingUntil) counts.count('rds.replicaBackingUp');
      this.event(now, id, 'DB instance is being created', ['creation']);
      if (readyAt > creatingUntil) this.event(creatingUntil, id, 'Backing up DB instance', ['backup']);
      this.event(
        readyAt,
        id,
        endState === 'available' ? 'DB instance created' : `DB instance failed: ${endState}`,
        ['creation'],
      );
    }
    const life: Life = {
      id,
      engine,
      ...(of.source ? { source: of.source } : {}),
      ...(of.cluster ? { cluster: of.cluster } : {}),
      createdAt: now,
      creatingUntil,
      readyAt,
      endState,
      replication: { status: 'replicating', message: '', shown: true },
    };
    this.lives.set(id, life);
    return life;
  }

  /** The instance's life, playing it from now on as it is when the layer had not seen it yet. */
  private life(id: string): Life {
    return this.lives.get(id) ?? this.born(id, 'mysql', {}, { settled: true });
  }

  private engineOf(source: string): string {
    return this.lives.get(source)?.engine ?? 'mysql';
  }

  private async existsInMoto(id: string): Promise<boolean> {
    return (await this.describeInMoto(id)) !== undefined;
  }

  /** moto's `<DBInstance>` of that id, or undefined when moto has none. */
  private async describeInMoto(id: string): Promise<string | undefined> {
    const xml = await this.moto('rds', { Action: 'DescribeDBInstances', DBInstanceIdentifier: id });
    return xmlElements(xml, 'DBInstance')[0]?.text;
  }

  private showInstances(xml: string): string {
    return editElements(xml, 'DBInstance', (element) => {
      const id = xmlText(element, 'DBInstanceIdentifier') ?? '';
      const life = this.lives.get(id) ?? this.adopt(element);
      return this.edited(element, life);
    });
  }

  private showInstance(xml: string, life: Life): string {
    return editElements(xml, 'DBInstance', (element) => this.edited(element, life));
  }

  /** An instance the layer meets for the first time (a source, something made before it started). */
  private adopt(element: string): Life {
    const id = xmlText(element, 'DBInstanceIdentifier') ?? '';
    return this.born(
      id,
      xmlText(element, 'Engine') ?? 'mysql',
      {
        source: xmlText(element, 'ReadReplicaSourceDBInstanceIdentifier'),
        ...(xmlText(element, 'DBClusterIdentifier')
          ? { cluster: xmlText(element, 'DBClusterIdentifier') as string }
          : {}),
      },
      { settled: true },
    );
  }

  private readonly counted = new Set<string>();

  /** True the first time `what` is met: an episode is counted once, where a describe first shows it. */
  private once(what: string): boolean {
    if (this.counted.has(what)) return false;
    this.counted.add(what);
    return true;
  }

  /** Counts a replica's failed end state the first time a describe shows it. */
  private shown(life: Life, status: string): void {
    if (
      status === life.endState &&
      status === 'incompatible-parameters' &&
      this.once(`${life.id} ${life.createdAt}`)
    )
      this.context.counts.count('rds.incompatibleParameters');
    if (status === life.endState && status === 'storage-full' && this.once(`${life.id} ${life.createdAt}`))
      this.context.counts.count('rds.storageFull');
  }

  /** One `<DBInstance>` as RDS would show it now. */
  private edited(element: string, life: Life): string {
    const { counts } = this.context;
    const now = this.context.now();
    const status = statusAt(life, now);
    this.shown(life, status);
    let out = setChild(element, 'DBInstanceStatus', status);
    // RDS gives an endpoint once the instance is reachable, and its creation time once it exists.
    if (status === 'creating') out = removeChild(out, 'Endpoint');
    out = setChild(out, 'InstanceCreateTime', new Date(life.createdAt).toISOString());
    if (life.source) {
      const shown = life.replication.shown ? life.replication : { status: 'replicating', message: '' };
      const normal = shown.status === 'replicating';
      out = setChild(
        out,
        'StatusInfos',
        `<DBInstanceStatusInfo><StatusType>read replication</StatusType><Normal>${normal}</Normal><Status>${shown.status}</Status>${shown.message ? `<Message>${escapeXml(shown.message)}</Message>` : ''}</DBInstanceStatusInfo>`,
      );
    }
    const pendingClass = life.pending?.instanceClass;
    if (pendingClass)
      out = setChild(out, 'PendingModifiedValues', `<DBInstanceClass>${pendingClass}</DBInstanceClass>`);
    const arns = this.crossRegion.get(life.id);
    for (const arn of arns ?? [])
      if (this.once(`cross-Region ${arn}`)) counts.count('rds.crossRegionReplica');
    if (arns)
      out = setChild(
        out,
        'ReadReplicaDBInstanceIdentifiers',
        [
          ...xmlElements(out, 'ReadReplicaDBInstanceIdentifier').map((e) => e.text),
          ...arns.map((a) => `<ReadReplicaDBInstanceIdentifier>${a}</ReadReplicaDBInstanceIdentifier>`),
        ].join(''),
      );
    return out;
  }

  private describeEvents(call: AwsCall): EmulatorAnswer {
    const now = this.context.now();
    const source = call.params.get('SourceIdentifier');
    const duration = Number(call.params.get('Duration') ?? 60);
    const start = call.params.get('StartTime')
      ? Date.parse(call.params.get('StartTime') as string)
      : now - duration * MINUTE;
    const events = this.events.filter(
      (e) => e.at <= now && e.at >= start && (!source || e.source === source),
    );
    const inner = events
      .map(
        (e) =>
          `<Event><SourceIdentifier>${e.source}</SourceIdentifier><SourceType>${e.type}</SourceType><Message>${escapeXml(e.message)}</Message><EventCategories>${e.categories.map((c) => `<EventCategory>${c}</EventCategory>`).join('')}</EventCategories><Date>${new Date(e.at).toISOString()}</Date></Event>`,
      )
      .join('');
    return queryResult('DescribeEvents', `<Events>${inner}</Events>`);
  }

  private pendingMaintenanceActions(call: AwsCall): EmulatorAnswer {
    const arn = call.params.get('ResourceIdentifier');
    const filtered = listParam(call.params, 'Filters.Filter.1.Values');
    const wanted = (id: string) =>
      (!arn && filtered.length === 0) || arn?.endsWith(`:db:${id}`) || filtered.includes(id);
    const inner = [...this.lives.values()]
      .filter((l) => l.pending && wanted(l.id))
      .map((l) => {
        const p = l.pending as NonNullable<Life['pending']>;
        return `<ResourcePendingMaintenanceActions><ResourceIdentifier>arn:aws:rds:us-east-1:123456789012:db:${l.id}</ResourceIdentifier><PendingMaintenanceActionDetails><PendingMaintenanceAction><Action>${escapeXml(p.action)}</Action><CurrentApplyDate>${new Date(p.applyAt).toISOString()}</CurrentApplyDate><Description>${escapeXml(p.action)}</Description></PendingMaintenanceAction></PendingMaintenanceActionDetails></ResourcePendingMaintenanceActions>`;
      })
      .join('');
    return queryResult(
      'DescribePendingMaintenanceActions',
      `<PendingMaintenanceActions>${inner}</PendingMaintenanceActions>`,
    );
  }

  private event(at: number, source: string, message: string, categories: readonly string[]): void {
    this.events.push({ at, source, type: 'db-instance', message, categories });
  }
}

/** An instance's status at `now`. */
function statusAt(life: Life, now: number): string {
  if (life.deletingUntil !== undefined) return 'deleting';
  if (now < life.creatingUntil) return 'creating';
  if (now < life.readyAt) return 'backing-up';
  if (life.endState !== 'available') return life.endState;
  if (life.storageFull) return 'storage-full';
  if (life.modifying && now >= life.modifying.from && now < life.modifying.until) return 'modifying';
  return 'available';
}
