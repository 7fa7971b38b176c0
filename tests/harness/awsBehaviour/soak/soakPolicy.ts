import { validatePolicy } from '../../../../shared/policy/parsePolicy';
import type { Policy } from '../../../../shared/policy/schema';

/** The soak's account: a group, MySQL read replicas, an Aurora cluster's readers and a Valkey group. */
export const SOAK = {
  group: 'soak-web',
  source: 'soak-db',
  cluster: 'soak-aurora',
  cache: 'soak-cache',
} as const;

const step = (name: string, namespace: string, metric: string, out: number, inn: number, extra = {}) => ({
  name,
  type: 'step',
  metric: { namespace, name: metric, ...extra },
  scaleOut: [{ above: out, add: 1 }],
  scaleIn: [{ below: inn, remove: 1 }],
});

const cooldowns = { scaleOutSeconds: 180, scaleInSeconds: 600 };
const stabilization = { scaleOutSeconds: 0, scaleInSeconds: 300 };

/** The group, forecast by the predict function. */
const webGroup = {
  name: 'web',
  kind: 'asg',
  autoScalingGroupName: SOAK.group,
  capacity: { min: 2, max: 8 },
  instanceWarmupSeconds: 180,
  cooldowns,
  stabilization,
  predictive: true,
  rules: [{ ...step('cpu', 'AWS/EC2', 'CPUUtilization', 70, 30), scaleOut: [{ above: 70, add: 2 }] }],
};

/** MySQL read replicas, with a fallback class. */
const mysqlReplicas = {
  name: 'reads',
  kind: 'rds-replicas',
  sourceDbInstanceIdentifier: SOAK.source,
  capacity: { min: 1, max: 3 },
  cooldowns,
  stabilization,
  drainSeconds: 180,
  // Reader discovery in an SSM parameter: a replica leaves it before it is deleted (an invariant).
  readerDiscovery: { ssmParameterName: '/soak/readers' },
  replicaInstanceClass: 'db.r6g.large',
  fallbackInstanceClasses: ['db.r6g.xlarge'],
  maxConnectionsByInstanceClass: { 'db.r6g.large': 1000, 'db.r6g.xlarge': 2000 },
  rules: [
    step('connections', 'AWS/RDS', 'DatabaseConnections', 90, 40, {
      statistic: 'Maximum',
      percentOf: 1000,
    }),
    step('cpu', 'AWS/RDS', 'CPUUtilization', 70, 30),
  ],
};

/** An Aurora cluster's readers. */
const auroraReaders = {
  name: 'readers',
  kind: 'rds-replicas',
  aurora: true,
  sourceDbInstanceIdentifier: SOAK.cluster,
  capacity: { min: 1, max: 3 },
  cooldowns,
  stabilization,
  drainSeconds: 180,
  rules: [step('cpu', 'AWS/RDS', 'CPUUtilization', 70, 30)],
};

/** A Valkey group's shards, and their replicas on CPU. */
const valkeyShards = {
  name: 'sessions',
  kind: 'cache-shards',
  replicationGroupId: SOAK.cache,
  capacity: { min: 3, max: 6 },
  cooldowns,
  stabilization,
  replicaScaling: { min: 1, max: 2, rules: ['engine-cpu'] },
  rules: [
    step('engine-cpu', 'AWS/ElastiCache', 'EngineCPUUtilization', 70, 30),
    step('memory', 'AWS/ElastiCache', 'DatabaseMemoryUsagePercentage', 80, 40),
  ],
};

/** Every kind, short cooldowns (a day sees many changes), the predict function forecasting the group. */
export function soakPolicy(): Policy {
  return validatePolicy({
    version: 1,
    targets: [webGroup, mysqlReplicas, auroraReaders, valkeyShards],
    predictive: { enabled: true, mode: 'forecast-only', lookbackDays: 1 },
  });
}
