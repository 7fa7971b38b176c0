import type { RdsReplicasObservation, ReplicaInstance } from '../../../shared/decision/rdsReplicas';
import type { Decision, MetricReading } from '../../../shared/decision/types';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { RdsReplicasTarget } from '../../../shared/policy/schema';

// Shared by the RDS replica decision, property and adapter tests: a target like the example policy's
// `events-db` (1..3 replicas, connections 90/40 and CPU 70/30), replicas and decisions to gate.

export const NOW = new Date('2026-11-30T12:00:00Z');
export const ago = (s: number) => new Date(NOW.getTime() - s * 1000);

export function rdsTarget(overrides: Record<string, unknown> = {}): RdsReplicasTarget {
  return validatePolicy({
    version: 1,
    targets: [
      {
        name: 'events-db',
        kind: 'rds-replicas',
        sourceDbInstanceIdentifier: 'event-platform-db',
        capacity: { min: 1, max: 3 },
        rules: [
          {
            name: 'connections',
            type: 'step',
            metric: {
              namespace: 'AWS/RDS',
              name: 'DatabaseConnections',
              statistic: 'Maximum',
              percentOf: 100,
            },
            scaleOut: [{ above: 90, add: 1 }],
            scaleIn: [{ below: 40, remove: 1 }],
          },
          {
            name: 'cpu',
            type: 'step',
            metric: { namespace: 'AWS/RDS', name: 'CPUUtilization' },
            scaleOut: [{ above: 70, add: 1 }],
            scaleIn: [{ below: 30, remove: 1 }],
          },
        ],
        ...overrides,
      },
    ],
  }).targets[0] as RdsReplicasTarget;
}

export const managedTags = { 'scalepilot:managed': 'true', 'scalepilot:target': 'events-db' };

/** A replica; `n` orders creation (a higher n is newer). */
export function replica(id: string, n: number, extra: Partial<ReplicaInstance> = {}): ReplicaInstance {
  return {
    id,
    status: 'available',
    tags: {},
    deletionProtection: false,
    createdAt: ago(100_000 - n * 1000),
    endpoint: `${id}.abc.us-east-1.rds.amazonaws.com`,
    arn: `arn:aws:rds:us-east-1:123456789012:db:${id}`,
    instanceClass: 'db.t4g.medium',
    availabilityZone: 'us-east-1a',
    ...extra,
  };
}

export const managed = (id: string, n: number, extra: Partial<ReplicaInstance> = {}) =>
  replica(id, n, { ...extra, tags: { ...managedTags, ...(extra.tags ?? {}) } });

export function observation(
  replicas: ReplicaInstance[],
  extra: Partial<RdsReplicasObservation> = {},
): RdsReplicasObservation {
  return {
    aurora: false,
    source: {
      id: 'event-platform-db',
      status: 'available',
      engine: 'mysql',
      instanceClass: 'db.t4g.medium',
      modifying: false,
      endpoint: 'event-platform-db.abc.us-east-1.rds.amazonaws.com',
      availabilityZone: 'us-east-1a',
    },
    replicas,
    ...extra,
  };
}

/** A generic decision as decideCapacity would give it. */
export function decision(current: number, desired: number, extra: Partial<Decision> = {}): Decision {
  return {
    target: 'events-db',
    kind: 'rds-replicas',
    current,
    desired,
    recommendation: desired,
    direction: desired > current ? 'out' : desired < current ? 'in' : 'none',
    reason: desired > current ? 'ScaleOut' : desired < current ? 'ScaleIn' : 'NoThresholdBreached',
    message: '',
    metrics: { connections: 20, cpu: 15 },
    ...extra,
  };
}

/** One value per minute for the last `count` minutes (complete periods), oldest first. */
export function flat(value: number, count = 3): MetricReading[] {
  return Array.from({ length: count }, (_, k) => ({ value, timestamp: ago((count - k + 1) * 60) }));
}

/**
 * The raw metrics as the use case hands them to the gates, laid out as metricsFor asks: per rule one
 * series per reader, and after the first rule's, one lag series per reader (seconds).
 */
export function rawMetrics(
  readers: readonly string[],
  lagSeconds: Readonly<Record<string, number | undefined>> = {},
): Record<string, MetricReading[][]> {
  return {
    connections: [
      ...readers.map(() => flat(20)),
      ...readers.map((id) =>
        lagSeconds[id] === undefined && id in lagSeconds ? [] : flat(lagSeconds[id] ?? 0),
      ),
    ],
    cpu: readers.map(() => flat(15)),
  };
}
