import type { EmulatorAnswer } from '../../../bin/lib/emulator';
import { replicaLimit } from '../../../shared/decision/rdsReplicasView';
import { AuroraReaderEndpoints } from './auroraReaderEndpoints';
import type { Behaviour, LayerContext } from './layerContext';
import { MINUTE } from './layerContext';
import type { MotoQuery } from './motoQuery';
import {
  type AwsCall,
  answerText,
  queryError,
  queryResult,
  withBody,
  xmlElements,
  xmlText,
} from './protocol';
import { RdsArmedFaults } from './rdsArmedFaults';
import { type CreateRefusalWorld, rdsCreateRefusal } from './rdsCreateRefusal';
import { RdsEvents } from './rdsEvents';
import { RdsInstanceView } from './rdsInstanceView';
import { DELETABLE, defaultRdsConfig, type RdsConfig, type RdsLife, statusAt } from './rdsLife';

export { defaultRdsConfig, type RdsConfig } from './rdsLife';

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
  private readonly lives = new Map<string, RdsLife>();
  private readonly events: RdsEvents;
  private readonly view: RdsInstanceView;
  private readonly readerEndpoints: AuroraReaderEndpoints;
  private readonly lagEpisodes = new Map<string, { seconds: number; until: number }>();
  private readonly createWorld: CreateRefusalWorld;

  constructor(
    private readonly context: LayerContext,
    private readonly moto: MotoQuery,
    config: Partial<RdsConfig> = {},
  ) {
    this.config = { ...defaultRdsConfig, ...config };
    this.events = new RdsEvents(() => context.now());
    this.view = new RdsInstanceView(context, this.lives, (element) => this.adopt(element));
    this.readerEndpoints = new AuroraReaderEndpoints(context, this.lives);
    this.createWorld = {
      context,
      config: this.config,
      armed: this.armed,
      takeName: async (id) => {
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
      },
      busySource: (id) => this.consoleResize(id, 'db.r6g.xlarge', 15),
      exists: async (id) => {
        const existing = this.lives.get(id);
        return (existing !== undefined && !existing.deleted) || this.existsInMoto(id);
      },
      status: (id) => this.status(id),
    };
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
        return answer.status === 200 ? withBody(answer, this.view.showInstances(answerText(answer))) : answer;
      }
      case 'DescribeDBClusters': {
        const answer = await next();
        this.readerEndpoints.watch(answerText(answer));
        return answer;
      }
      case 'DescribeEvents':
        return this.events.describeEvents(call);
      case 'DescribePendingMaintenanceActions':
        return this.events.pendingMaintenanceActions(call, this.lives.values());
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
        this.events.add(life.deletingUntil, life.id, 'DB instance deleted', ['deletion']);
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
        this.events.add(pending.applyAt, life.id, `Applying ${pending.action} in the maintenance window`, [
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
        this.events.add(done.until, life.id, `Finished applying ${done.what}`, ['configuration change']);
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
    this.events.add(now, id, `Applying modification to DB instance class ${instanceClass}`, [
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
    this.events.add(
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
    this.events.add(this.context.now(), id, 'The DB instance has reached its storage limit', ['low storage']);
    this.context.counts.count('rds.storageFull');
  }

  /** A replica lags by `seconds` for `minutes`. */
  lagEpisode(id: string, seconds: number, minutes: number): void {
    this.lagEpisodes.set(id, { seconds, until: this.context.now() + minutes * MINUTE });
  }

  /**
   * A replica of `source` in another Region: RDS lists its ARN among the source's replicas. False when RDS
   * refuses it: the source has all the replicas it may have.
   */
  addCrossRegionReplica(source: string, arn: string): boolean {
    // RDS refuses a replica past the source's limit (15; 5 for Oracle and SQL Server), whatever its Region.
    const inRegion = [...this.lives.values()].filter((l) => l.source === source && !l.deleted).length;
    const limit = replicaLimit(this.engineOf(source), false);
    if (inRegion + this.view.crossRegionReplicas(source).length >= limit) return false;
    this.view.addCrossRegionReplica(source, arn);
    return true;
  }

  /** Someone deletes (or promotes) a replica in another Region: the source no longer lists it. */
  removeCrossRegionReplica(source: string, arn: string): void {
    this.view.removeCrossRegionReplica(source, arn);
  }

  /** The ARNs of the source's replicas in other Regions, oldest first. */
  crossRegionReplicas(source: string): readonly string[] {
    return this.view.crossRegionReplicas(source);
  }

  /** Someone creates a replica by hand (straight into moto): it goes through the same life cycle. */
  async manualReplica(source: string, id: string, create: () => Promise<void>): Promise<void> {
    await create();
    this.born(id, this.engineOf(source), { source }, { settled: false });
    this.context.counts.count('foreign.manualReplica');
  }

  /** Someone deletes a replica of theirs in the console: `deleting` for minutes, then gone (no race, no refusal). */
  foreignDelete(id: string): void {
    const life = this.lives.get(id);
    if (!life || life.deleted || life.deletingUntil !== undefined) return;
    const now = this.context.now();
    const [fastest, slowest] = this.config.deleteMinutes;
    life.deletingUntil = now + this.context.random.for(`delete ${id}`).between(fastest, slowest) * MINUTE;
    this.context.counts.count(life.cluster ? 'aurora.readerDeleting' : 'rds.replicaDeleting');
    this.events.add(now, id, 'DB instance is being deleted', ['deletion']);
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

  /** What the soak and the tests arm for the next create or delete. */
  readonly armed = new RdsArmedFaults();

  /** The readers behind an Aurora cluster's reader endpoint now: its available readers, draining or not. */
  readerEndpointMembers(cluster: string, now = this.context.now()): string[] {
    return this.readerEndpoints.members(cluster, now);
  }

  // ---- the calls ----

  private async createReplica(call: AwsCall, next: () => Promise<EmulatorAnswer>): Promise<EmulatorAnswer> {
    const id = call.params.get('DBInstanceIdentifier') ?? '';
    const source = call.params.get('SourceDBInstanceIdentifier') ?? '';
    const refused = await rdsCreateRefusal(
      this.createWorld,
      id,
      { kind: 'source', id: source },
      call.params.get('DBInstanceClass') ?? undefined,
    );
    if (refused) return refused;
    const answer = await next();
    if (answer.status !== 200) return answer;
    const life = this.born(id, this.engineOf(source), { source }, { settled: false });
    return withBody(answer, this.view.showInstance(answerText(answer), life));
  }

  private async createReader(call: AwsCall, next: () => Promise<EmulatorAnswer>): Promise<EmulatorAnswer> {
    const id = call.params.get('DBInstanceIdentifier') ?? '';
    const cluster = call.params.get('DBClusterIdentifier') ?? '';
    const refused = await rdsCreateRefusal(
      this.createWorld,
      id,
      { kind: 'cluster', id: cluster },
      call.params.get('DBInstanceClass') ?? undefined,
    );
    if (refused) return refused;
    const answer = await next();
    if (answer.status !== 200) return answer;
    const life = this.born(id, call.params.get('Engine') ?? 'aurora-mysql', { cluster }, { settled: false });
    return withBody(answer, this.view.showInstance(answerText(answer), life));
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
    if (tracked.source && this.armed.takeDeleteRace())
      this.consoleResize(tracked.source, 'db.r6g.xlarge', 10);
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
    tracked.deletingUntil =
      now + this.context.random.for(`delete ${id}`).between(deleteMinutes[0], deleteMinutes[1]) * MINUTE;
    this.context.counts.count(tracked.cluster ? 'aurora.readerDeleting' : 'rds.replicaDeleting');
    this.events.add(now, id, 'DB instance is being deleted', ['deletion']);
    const shown = this.view.showInstance(xml, tracked);
    return queryResult('DeleteDBInstance', xmlElements(shown, 'DBInstance')[0]?.text ?? '');
  }

  /** Starts playing an instance: `created` now by the caller (a create just accepted) or found as it is. */
  private born(
    id: string,
    engine: string,
    of: { source?: string | undefined; cluster?: string },
    { settled }: { settled: boolean },
  ): RdsLife {
    const now = this.context.now();
    const { counts } = this.context;
    const random = this.context.random.for(`create ${id}`);
    const aurora = of.cluster !== undefined;
    let creatingUntil = now;
    let readyAt = now;
    let endState = 'available';
    let stuck = false;
    let initializingUntil: number | undefined;
    if (!settled) {
      const [min, max] = aurora ? this.config.auroraCreateMinutes : this.config.createMinutes;
      const minutes = random.between(min, max);
      // RDS snapshots the source (creating), then restores and starts replicating (backing-up).
      creatingUntil = now + (aurora ? minutes : minutes * 0.7) * MINUTE;
      readyAt = now + minutes * MINUTE;
      stuck = (!aurora && this.armed.takeStick()) || random.chance(this.config.stuckCreating);
      if (stuck) {
        // Counted when a describe shows it still `creating` past any normal create (rdsInstanceView).
        const [a, b] = this.config.stuckMinutes;
        creatingUntil = now + random.between(a, b) * MINUTE;
        readyAt = creatingUntil;
        endState = 'failed';
      } else {
        const armed = aurora ? undefined : this.armed.takeFailure();
        if (armed) endState = armed;
        else if (random.chance(this.config.createFailure)) endState = random.pick(this.config.failureStates);
      }
      // Drawn last, so the draws before it are as they were.
      if (!aurora && endState === 'available' && random.chance(this.config.storageInitialization)) {
        const [a, b] = this.config.storageInitializationMinutes;
        initializingUntil = readyAt + random.between(a, b) * MINUTE;
      }
      counts.count(aurora ? 'aurora.readerCreating' : 'rds.replicaCreating');
      if (!aurora && readyAt > creatingUntil) counts.count('rds.replicaBackingUp');
      this.events.add(now, id, 'DB instance is being created', ['creation']);
      if (readyAt > creatingUntil) this.events.add(creatingUntil, id, 'Backing up DB instance', ['backup']);
      this.events.add(
        readyAt,
        id,
        endState === 'available' ? 'DB instance created' : `DB instance failed: ${endState}`,
        ['creation'],
      );
    }
    const life: RdsLife = {
      id,
      engine,
      ...(of.source ? { source: of.source } : {}),
      ...(of.cluster ? { cluster: of.cluster } : {}),
      createdAt: now,
      creatingUntil,
      readyAt,
      endState,
      ...(stuck ? { stuck } : {}),
      ...(initializingUntil !== undefined ? { initializingUntil } : {}),
      replication: { status: 'replicating', message: '', shown: true },
    };
    this.lives.set(id, life);
    return life;
  }

  /** The instance's life, playing it from now on as it is when the layer had not seen it yet. */
  private life(id: string): RdsLife {
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

  /** An instance the layer meets for the first time (a source, something made before it started). */
  private adopt(element: string): RdsLife {
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
}
