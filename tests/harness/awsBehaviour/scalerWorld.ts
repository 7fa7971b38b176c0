import { randomUUID } from 'node:crypto';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import type { Emulator } from '../../../bin/lib/emulator';
import { VirtualClock } from '../../../bin/lib/replay';
import { clientOptions, emulatorConfig } from '../../../shared/adapters/awsConfig';
import { capacityPortByKind } from '../../../shared/adapters/capacityPorts';
import { DemoAccount } from '../../../shared/adapters/DemoAccount';
import { PRIMARY_METRIC } from '../../../shared/decision/cacheShardReads';
import type { CacheShardsObservation } from '../../../shared/decision/cacheShards';
import type { RdsReplicasObservation } from '../../../shared/decision/rdsReplicas';
import { createScalerHandler, type ScalerRuntime } from '../../../shared/lambda/createScalerHandler';
import { predictFunction } from '../../../shared/lambda/predictFunction';
import { scalerRuntimeFromEnv } from '../../../shared/lambda/scalerRuntimeFromEnv';
import type { Policy, Rule, Target, TargetKind } from '../../../shared/policy/schema';
import { metricDimensions } from '../../../shared/policy/targetResource';
import type { Evaluation } from '../../../shared/usecases/evaluateTargets';
import { kindScaler } from '../../../shared/usecases/evaluateTargets';
import { capturedLog } from '../fixtures';
import { type AwsBehaviour, type AwsBehaviourOptions, startAwsBehaviour } from './awsBehaviour';
import { MINUTE } from './layerContext';

export const SCOPE = '123456789012#us-east-1';
const TOPIC = 'scalepilot-soak';

/** How a target's source database is made: its engine (MySQL reports ReplicaLag −1 when replication stops). */
export interface SourceSpec {
  readonly engine?: 'mysql' | 'mariadb' | 'postgres' | 'aurora-mysql';
  readonly instanceClass?: string;
}

export interface ScalerWorldOptions {
  readonly policy: Policy;
  readonly seed?: number;
  /** Virtual start (default 2026-03-02T00:00Z, a Monday). */
  readonly start?: Date;
  readonly layer?: Omit<AwsBehaviourOptions, 'clock' | 'seed' | 'emulator'>;
  readonly emulator?: Emulator;
  readonly sources?: Readonly<Record<string, SourceSpec>>;
  /**
   * The max_connections of an instance class, as the database really has it: connections are published as
   * a count, so a rule reading them against another class's limit reads them wrong (default: 100 for all).
   */
  readonly maxConnections?: (instanceClass: string | undefined) => number;
}

/**
 * A run's process of one scaler function: a runtime built as Lambda's cold start builds it, its handler, and
 * its logs. A restart (a crash, a new container) is a new one.
 */
export interface ScalerProcess {
  readonly runtime: ScalerRuntime;
  readonly handler: ReturnType<typeof createScalerHandler>;
  readonly log: ReturnType<typeof capturedLog>;
}

/**
 * The scalers' world on the behaviour layer: the account (ledger, topic, each policy target's resource), the
 * functions' handlers run in-process on the virtual clock with real-shaped events, and each target's load,
 * published to CloudWatch every virtual minute as AWS would publish it (per replica, per cache node).
 */
export class ScalerWorld {
  readonly clock: VirtualClock;
  readonly log = capturedLog();
  /** What each target's load is now, as a share of one unit (1 = one unit's worth of work). */
  readonly demand = new Map<string, number>();
  /** Per rule of a target, when its rules see different loads (memory high, CPU quiet): units' worth of each. */
  readonly ruleDemand = new Map<string, Readonly<Record<string, number>>>();
  readonly evaluations: Evaluation[] = [];
  /** When each evaluation was made (virtual epoch ms), to read a soak's decisions in time. */
  readonly evaluatedAt = new WeakMap<Evaluation, number>();
  private readonly processes = new Map<TargetKind, ScalerProcess>();

  private constructor(
    readonly layer: AwsBehaviour,
    readonly policy: Policy,
    readonly topicArn: string,
    clock: VirtualClock,
    private readonly maxConnections: (instanceClass: string | undefined) => number,
  ) {
    this.clock = clock;
  }

  static async start(options: ScalerWorldOptions): Promise<ScalerWorld> {
    const clock = new VirtualClock((options.start ?? new Date('2026-03-02T00:00:00Z')).getTime());
    const layer = await startAwsBehaviour({
      ...options.layer,
      clock,
      seed: options.seed ?? 21,
      ...(options.emulator ? { emulator: options.emulator } : {}),
    });
    try {
      const account = new DemoAccount(layer.harnessAws);
      await account.createLedgerTable('ledger');
      // The stack creates the stage's kill switch `false`; without it every function holds (PauseUnknown).
      await account.createPauseSwitch('soak');
      const topicArn = await account.createTopic(TOPIC);
      const world = new ScalerWorld(
        layer,
        options.policy,
        topicArn,
        clock,
        options.maxConnections ?? (() => 100),
      );
      for (const target of options.policy.targets)
        await world.createResource(target, options.sources?.[target.name] ?? {});
      return world;
    } catch (error) {
      await layer.stop();
      throw error;
    }
  }

  /** A client of the harness's own, past the layer's faults (set-up and checks). */
  rds(): RDSClient {
    return new RDSClient(clientOptions(this.layer.harnessAws));
  }

  private async createResource(target: Target, source: SourceSpec): Promise<void> {
    const account = new DemoAccount(this.layer.harnessAws);
    if (target.kind === 'asg')
      await account.createAutoScalingGroup(target.autoScalingGroupName, {
        ...target.capacity,
        desired: target.capacity.min,
      });
    if (target.kind === 'cache-shards')
      await account.createReplicationGroup(target.replicationGroupId, target.capacity.min);
    if (target.kind !== 'rds-replicas') return;
    const rds = this.rds();
    const id = target.sourceDbInstanceIdentifier;
    if (target.aurora) {
      // Straight into moto: the cluster and its writer exist before the scenario (no life cycle to play).
      const moto = new RDSClient(clientOptions(emulatorConfig(this.layer.emulator.motoEndpoint)));
      await moto.send(
        new CreateDBClusterCommand({
          DBClusterIdentifier: id,
          Engine: source.engine ?? 'aurora-mysql',
          MasterUsername: 'scalepilot',
          MasterUserPassword: 'soak-password-1',
        }),
      );
      await moto.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: `${id}-writer`,
          DBClusterIdentifier: id,
          Engine: source.engine ?? 'aurora-mysql',
          DBInstanceClass: source.instanceClass ?? 'db.r6g.large',
        }),
      );
      return;
    }
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        DBInstanceClass: source.instanceClass ?? 'db.r6g.large',
        Engine: source.engine ?? 'mysql',
        AllocatedStorage: 20,
        BackupRetentionPeriod: 1,
        MasterUsername: 'scalepilot',
        MasterUserPassword: 'soak-password-1',
      }),
    );
  }

  /**
   * A replica Scalepilot made for a target before the scenario starts (tagged as it tags them), available.
   */
  async existingReplica(
    target: string,
    source: string,
    id: string,
    extra: { deletionProtection?: boolean; instanceClass?: string } = {},
  ): Promise<void> {
    // Straight into moto: the layer meets it as it is, available, on its first describe.
    const moto = new RDSClient(clientOptions(emulatorConfig(this.layer.emulator.motoEndpoint)));
    await moto.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: id,
        SourceDBInstanceIdentifier: source,
        ...(extra.instanceClass ? { DBInstanceClass: extra.instanceClass } : {}),
        ...(extra.deletionProtection ? { DeletionProtection: true } : {}),
        Tags: [
          { Key: 'scalepilot:managed', Value: 'true' },
          { Key: 'scalepilot:target', Value: target },
        ],
      }),
    );
  }

  /** Someone makes a replica of a source by hand (untagged). */
  async manualReplica(source: string, id: string): Promise<void> {
    await this.layer.rds.manualReplica(source, id, async () => {
      // Straight into moto: the layer plays its life cycle from here (no race or refusal of the functions').
      await new RDSClient(clientOptions(emulatorConfig(this.layer.emulator.motoEndpoint))).send(
        new CreateDBInstanceReadReplicaCommand({
          DBInstanceIdentifier: id,
          SourceDBInstanceIdentifier: source,
        }),
      );
    });
  }

  /** The function of a kind, as its current container runs it (a new one after a restart). */
  process(kind: TargetKind): ScalerProcess {
    const existing = this.processes.get(kind);
    if (existing) return existing;
    const log = capturedLog();
    // The run's API budget paces calls on the virtual clock, as the fleet bench does: on the wall clock it
    // made the soak wait for real (a rds-replicas run took about a second of real time for its 12 calls).
    let paced = 0;
    const budgetTime = {
      nowMs: () => this.clock.now().getTime() + paced,
      sleep: async (ms: number) => {
        paced += ms;
      },
    };
    const runtime = scalerRuntimeFromEnv({
      kind,
      capacity: capacityPortByKind[kind],
      logger: log.sink,
      env: {
        LEDGER_TABLE: 'ledger',
        SCALEPILOT_STAGE: 'soak',
        TOPIC_ARN: this.topicArn,
        SCALEPILOT_SCOPE: SCOPE,
      },
      policy: this.policy,
      aws: this.layer.aws,
      clock: this.clock,
      budgetTime,
    });
    const process = { runtime, handler: createScalerHandler(runtime), log };
    this.processes.set(kind, process);
    return process;
  }

  /** Throws the function's container away: the next invocation starts a new one (a cold start). */
  restart(kind: TargetKind): void {
    this.processes.delete(kind);
  }

  /** Replaces a kind's process (a test that cuts its ports to play a crash). */
  useProcess(kind: TargetKind, process: ScalerProcess): void {
    this.processes.set(kind, process);
  }

  /** The one-minute schedule's event, delivered to one function. */
  async schedule(kind: TargetKind): Promise<Evaluation[]> {
    const id = randomUUID();
    const evaluations = await this.process(kind).handler(
      {
        version: '0',
        id,
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        account: '123456789012',
        time: this.clock
          .now()
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
        region: 'us-east-1',
        resources: ['arn:aws:events:us-east-1:123456789012:rule/soak-schedule'],
        detail: {},
      },
      { awsRequestId: id, getRemainingTimeInMillis: () => 60_000 },
    );
    this.evaluations.push(...evaluations);
    for (const e of evaluations) this.evaluatedAt.set(e, this.clock.now().getTime());
    return evaluations;
  }

  /** The hourly predict function. */
  async predict(): Promise<unknown> {
    const handler = predictFunction({
      env: {
        LEDGER_TABLE: 'ledger',
        SCALEPILOT_STAGE: 'soak',
        TOPIC_ARN: this.topicArn,
        SCALEPILOT_SCOPE: SCOPE,
      },
      policy: this.policy,
      aws: this.layer.aws,
      clock: this.clock,
      logger: this.log.sink,
    });
    return handler({}, { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 60_000 } as never);
  }

  /** Moves virtual time on and lets the layer apply what came due. */
  async advance(minutes: number): Promise<void> {
    this.clock.set(this.clock.now().getTime() + minutes * MINUTE);
    await this.layer.settle();
  }

  /**
   * Publishes the last minute of every target's metrics, where AWS publishes them: the target's own
   * dimensions (its alarms) and every metric its kind reads (each replica, each cache node), with each
   * replica's lag as RDS reports it (−1 once replication stopped on MySQL).
   */
  async publish(): Promise<void> {
    const at = new Date(this.clock.now().getTime() - MINUTE);
    const points: {
      metric: { namespace: string; name: string; dimensions: Record<string, string> };
      value: number;
      timestamp: Date;
    }[] = [];
    for (const target of this.policy.targets) {
      const { resource, model } = this.harnessScaler(target.kind);
      const observation = await resource.observe(target);
      const state = model.capacity(target, observation, this.clock.now());
      const units = Math.max(1, state.serving);
      const utilisation = (this.demand.get(target.name) ?? units * 0.5) / units;
      const classOf = new Map<string, string | undefined>(
        target.kind === 'rds-replicas'
          ? [
              ...(observation as RdsReplicasObservation).replicas.map(
                (r) => [r.id, r.instanceClass] as const,
              ),
              [
                (observation as RdsReplicasObservation).source.id,
                (observation as RdsReplicasObservation).source.instanceClass,
              ] as const,
            ]
          : [],
      );
      for (const rule of target.rules) {
        const own = this.ruleDemand.get(target.name)?.[rule.name];
        const value = ruleValue(rule, own === undefined ? utilisation : own / units);
        const targetLevel = { ...rule.metric, dimensions: metricDimensions(target, rule.metric.dimensions) };
        const perUnit = model.metricsFor ? model.metricsFor(target, rule, observation) : [];
        for (const metric of [targetLevel, ...perUnit]) {
          const lag = /ReplicaLag$/.test(metric.name);
          const replica = metric.dimensions.DBInstanceIdentifier ?? '';
          points.push({
            metric,
            value: lag
              ? this.layer.rds.replicaLag(replica) * (metric.name === 'AuroraReplicaLag' ? 1000 : 1)
              : metric.name === PRIMARY_METRIC
                ? // A cache node's IsMaster: the world never fails a shard over, its first member stays primary.
                  Number(firstMembers(observation).has(metric.dimensions.CacheClusterId ?? ''))
                : metric.percentOf !== undefined
                  ? // A count (connections): what that instance's share means on its own class.
                    (value *
                      (metric.name === 'DatabaseConnections' && classOf.has(replica)
                        ? this.maxConnections(classOf.get(replica))
                        : metric.percentOf)) /
                    100
                  : value,
            timestamp: at,
          });
        }
      }
    }
    await new DemoAccount(this.layer.harnessAws).putMetrics(dedupe(points));
  }

  private readonly harnessScalers = new Map<TargetKind, ReturnType<typeof kindScaler>>();

  /** A kind's adapter on the harness's own credentials (what the world reads to publish its metrics). */
  private harnessScaler(kind: TargetKind): ReturnType<typeof kindScaler> {
    const known = this.harnessScalers.get(kind);
    if (known) return known;
    const scaler = kindScaler(capacityPortByKind[kind](this.layer.harnessAws));
    this.harnessScalers.set(kind, scaler);
    return scaler;
  }

  async stop(): Promise<void> {
    await this.layer.stop();
  }
}

/** Each cache shard's first member (nothing for another kind's observation). */
function firstMembers(observation: unknown): Set<string> {
  const shards = (observation as Partial<CacheShardsObservation>).shards ?? [];
  return new Set(shards.flatMap((s) => (s.nodes[0] ? [s.nodes[0].id] : [])));
}

/** A rule's value at a utilisation (1 = every serving unit fully busy): percent, capped at 100. */
function ruleValue(rule: Rule, utilisation: number): number {
  const percent = Math.min(100, Math.max(0, 100 * utilisation));
  return rule.type === 'step' ? percent : (percent / 100) * rule.target * 1.5;
}

function dedupe<
  T extends { metric: { name: string; namespace: string; dimensions: Record<string, string> } },
>(points: T[]): T[] {
  const seen = new Map<string, T>();
  for (const p of points)
    seen.set(JSON.stringify([p.metric.namespace, p.metric.name, p.metric.dimensions]), p);
  return [...seen.values()];
}
