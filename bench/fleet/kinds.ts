import type { Emulator } from '../../bin/lib/emulator';
import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import type { AwsConfig } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { elastiCacheShardScaler } from '../../shared/adapters/ElastiCacheShardCapacity';
import { rdsReplicaScaler } from '../../shared/adapters/RdsReplicaCapacity';
import type { PolicyInput, TargetKind } from '../../shared/policy/schema';
import type { CapacityPort, KindScaler } from '../../shared/ports';

/** A metric datapoint to publish. */
export interface Point {
  readonly metric: { namespace: string; name: string; dimensions: Record<string, string> };
  readonly value: number;
}

/** One kind's fleet on the emulator: its resources, targets, what its metrics read, and its scaler. */
export interface FleetKind {
  create(account: DemoAccount, i: number): Promise<void>;
  target(i: number): PolicyInput['targets'][number];
  points(i: number, hot: boolean): Point[];
  capacity(aws: AwsConfig): CapacityPort | KindScaler<unknown>;
}

export const name = (i: number) => `t-${String(i).padStart(4, '0')}`;
const resource = (i: number) => `fleet-${String(i).padStart(4, '0')}`;

/** Groups of 2 (1..10): CPU 95 when hot (add 1), 50 otherwise. */
const asg: FleetKind = {
  create: (account, i) => account.createAutoScalingGroup(resource(i), { min: 1, max: 10, desired: 2 }),
  target: (i) => ({
    name: name(i),
    kind: 'asg',
    autoScalingGroupName: resource(i),
    capacity: { min: 1, max: 10 },
    rules: [
      {
        name: 'cpu',
        type: 'step',
        metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
        scaleOut: [{ above: 70, add: 1 }],
        scaleIn: [{ below: 30, remove: 1 }],
      },
    ],
  }),
  points: (i, hot) => [
    {
      metric: {
        namespace: 'AWS/EC2',
        name: 'CPUUtilization',
        dimensions: { AutoScalingGroupName: resource(i) },
      },
      value: hot ? 95 : 50,
    },
  ],
  capacity: (aws) => new AutoScalingCapacity(aws),
};

/** Source instances without replicas (0..3): the source's CPU 95 when hot (a replica), 50 otherwise. */
const rds: FleetKind = {
  create: (account, i) => account.createDbInstance(resource(i)),
  target: (i) => ({
    name: name(i),
    kind: 'rds-replicas',
    sourceDbInstanceIdentifier: resource(i),
    capacity: { min: 0, max: 3 },
    rules: [
      {
        name: 'cpu',
        type: 'step',
        metric: { namespace: 'AWS/RDS', name: 'CPUUtilization' },
        scaleOut: [{ above: 70, add: 1 }],
        scaleIn: [{ below: 30, remove: 1 }],
      },
    ],
  }),
  points: (i, hot) => [
    {
      metric: {
        namespace: 'AWS/RDS',
        name: 'CPUUtilization',
        dimensions: { DBInstanceIdentifier: resource(i) },
      },
      value: hot ? 95 : 50,
    },
  ],
  capacity: (aws) => rdsReplicaScaler(aws) as KindScaler<unknown>,
};

/** A cluster-mode group's node ids as moto names them: `<group>-<shard 0001…>-<node 001…>`. */
const nodes = (i: number) =>
  ['0001', '0002'].flatMap((shard) => ['001', '002'].map((node) => `${resource(i)}-${shard}-${node}`));

/**
 * Cluster-mode groups of 2 shards of 2 nodes (2..4 shards): each primary's memory at 90% when hot (a shard),
 * 50% otherwise; every node's engine and host CPU at 40%; IsMaster 1 on each shard's first member, as ElastiCache
 * publishes it (IsMaster and the host CPU the reshard gate reads are in the same GetMetricData as the rules).
 */
const cache: FleetKind = {
  create: (account, i) => account.createReplicationGroup(resource(i), 2),
  target: (i) => ({
    name: name(i),
    kind: 'cache-shards',
    replicationGroupId: resource(i),
    capacity: { min: 2, max: 4 },
    rules: [
      {
        name: 'engine-cpu',
        type: 'step',
        metric: { namespace: 'AWS/ElastiCache', name: 'EngineCPUUtilization' },
        scaleOut: [{ above: 70, add: 1 }],
        scaleIn: [{ below: 10, remove: 1 }],
      },
      {
        name: 'memory',
        type: 'step',
        metric: { namespace: 'AWS/ElastiCache', name: 'DatabaseMemoryUsagePercentage' },
        scaleOut: [{ above: 80, add: 1 }],
        scaleIn: [{ below: 20, remove: 1 }],
      },
    ],
  }),
  points: (i, hot) =>
    nodes(i).flatMap((node) => [
      {
        metric: {
          namespace: 'AWS/ElastiCache',
          name: 'EngineCPUUtilization',
          dimensions: { CacheClusterId: node },
        },
        value: 40,
      },
      {
        metric: {
          namespace: 'AWS/ElastiCache',
          name: 'CPUUtilization',
          dimensions: { CacheClusterId: node },
        },
        value: 40,
      },
      {
        metric: {
          namespace: 'AWS/ElastiCache',
          name: 'DatabaseMemoryUsagePercentage',
          dimensions: { CacheClusterId: node },
        },
        value: hot ? 90 : 50,
      },
      {
        metric: { namespace: 'AWS/ElastiCache', name: 'IsMaster', dimensions: { CacheClusterId: node } },
        value: node.endsWith('-001') ? 1 : 0,
      },
    ]),
  capacity: (aws) => elastiCacheShardScaler(aws) as KindScaler<unknown>,
};

export const fleetKinds: Record<TargetKind, FleetKind> = { asg, 'rds-replicas': rds, 'cache-shards': cache };

/**
 * Creates `n` of a kind's resources, 16 at a time (with a long request timeout: a busy emulator answering
 * late must not make the SDK retry a create that went through).
 */
export async function createFleet(emulator: Emulator, kind: FleetKind, n: number): Promise<DemoAccount> {
  const account = new DemoAccount({ ...emulator.aws, requestTimeoutMs: 600_000 });
  for (let i = 0; i < n; i += 16)
    await Promise.all(Array.from({ length: Math.min(16, n - i) }, (_, k) => kind.create(account, i + k)));
  return account;
}
