import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { Policy } from '../../shared/policy/schema';
import { seedStepTargetInput } from '../harness/fixtures';

// Policies of the behaviour-layer tests: one target each, short cooldowns so a scenario of a few virtual
// hours sees every step.

/** Read replicas of a MySQL source `db` (1-3), on connections (90% of 100) and CPU. */
export function replicasPolicy(extra: Record<string, unknown> = {}): Policy {
  return validatePolicy({
    version: 1,
    targets: [
      {
        name: 'reads',
        kind: 'rds-replicas',
        sourceDbInstanceIdentifier: 'db',
        capacity: { min: 1, max: 3 },
        cooldowns: { scaleOutSeconds: 120, scaleInSeconds: 300 },
        stabilization: { scaleOutSeconds: 0, scaleInSeconds: 120 },
        drainSeconds: 120,
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
        ...extra,
      },
    ],
  });
}

/** A 3-6 shard Valkey group `cache`, on engine CPU and memory. */
export function shardsPolicy(extra: Record<string, unknown> = {}): Policy {
  return validatePolicy({
    version: 1,
    targets: [
      {
        name: 'sessions',
        kind: 'cache-shards',
        replicationGroupId: 'cache',
        capacity: { min: 3, max: 6 },
        cooldowns: { scaleOutSeconds: 120, scaleInSeconds: 300 },
        stabilization: { scaleOutSeconds: 0, scaleInSeconds: 120 },
        rules: [
          {
            name: 'engine-cpu',
            type: 'step',
            metric: { namespace: 'AWS/ElastiCache', name: 'EngineCPUUtilization' },
            scaleOut: [{ above: 70, add: 1 }],
            scaleIn: [{ below: 30, remove: 1 }],
          },
          {
            name: 'memory',
            type: 'step',
            metric: { namespace: 'AWS/ElastiCache', name: 'DatabaseMemoryUsagePercentage' },
            scaleOut: [{ above: 80, add: 1 }],
            scaleIn: [{ below: 40, remove: 1 }],
          },
        ],
        ...extra,
      },
    ],
  });
}

/** An Auto Scaling group `web-asg` (2-8), on CPU: above 70% adds 2, below 30% removes 1 (the seeds' step rule). */
export function groupPolicy(extra: Record<string, unknown> = {}): Policy {
  return validatePolicy({
    version: 1,
    targets: [
      seedStepTargetInput({
        name: 'web',
        autoScalingGroupName: 'web-asg',
        capacity: { min: 2, max: 8 },
        instanceWarmupSeconds: 120,
        cooldowns: { scaleOutSeconds: 120, scaleInSeconds: 300 },
        stabilization: { scaleOutSeconds: 0, scaleInSeconds: 120 },
        ...extra,
      }),
    ],
  });
}
