import { z } from 'zod';
import { AVAILABILITY_ZONE } from './awsLocations';
import {
  durationSeconds,
  historyWindowSeconds,
  MAX_METRIC_VALUE,
  MAX_USD,
  metricValue,
  ONE_DAY_SECONDS,
  positiveUpTo,
  templateText,
  unitCount,
  wholeNumber,
} from './bounds';
import { FleetSchema } from './fleetSchema';
import { instanceClass } from './instanceClass';
import { MetricSchema } from './metricSchema';
import { PlanMemberSchema, PlanSchema } from './planSchema';
import { policyName as name } from './policyName';
import {
  FLOOR_HORIZON_MINUTES,
  FloorTuningSchema,
  PredictiveEventSchema,
  PredictiveSchema,
} from './predictiveSchema';

export {
  FLOOR_HORIZON_MINUTES,
  FloorTuningSchema,
  MetricSchema,
  PlanMemberSchema,
  PlanSchema,
  PredictiveEventSchema,
  PredictiveSchema,
};

// Defaults are the seed guides' values: 70/30 CPU thresholds, +2/−1 steps, 300 s / 600 s cooldowns,
// HPA-style 60 s / 300 s stabilisation windows, a 30% capacity buffer for predictive scaling.

/** The policy-level blast-radius cap when the policy sets none. */
export const DEFAULT_MAX_UNITS_PER_DECISION = 4;

/**
 * An RDS DB instance or ElastiCache replication group identifier, by AWS's own rules: letters, digits and
 * hyphens, starting with a letter, no `--`, no trailing hyphen. AWS stores it lowercase, so it is compared
 * and used lowercase (the IAM ARNs and alarm dimensions must match what AWS reports).
 */
function awsIdentifier(what: string, max: number) {
  const rules = `${what}: 1-${max} letters, digits or hyphens, starting with a letter, no "--", no trailing hyphen`;
  return z
    .string()
    .min(1, `must not be empty (${rules})`)
    .max(max, `must be at most ${max} characters (${rules})`)
    .regex(/^[A-Za-z0-9-]*$/, `must contain only letters, digits and hyphens (${rules})`)
    .regex(/^(?:$|[A-Za-z])/, `must start with a letter (${rules})`)
    .regex(/^(?!.*--)/, `must not contain "--" (${rules})`)
    .regex(/(?:^|[^-])$/, `must not end with a hyphen (${rules})`)
    .toLowerCase();
}

/**
 * An Auto Scaling group name: 1-255 characters. It goes into the scaler's IAM resource ARN and a
 * CloudFormation `Fn::Sub`, so IAM wildcards and substitutions are refused: `"*"` would grant
 * SetDesiredCapacity on every group in the account.
 */
const autoScalingGroupName = templateText('Auto Scaling group name', 255).regex(
  /^[^*?]*$/,
  'must not contain "*" or "?": IAM would read it as a wildcard over other groups',
);

const stepOut = z.strictObject({ above: metricValue(), add: unitCount() });
const stepIn = z.strictObject({ below: metricValue(), remove: unitCount() });

/**
 * The utilisation a predictive floor sizes one unit at, when it is not the rule's own (issue 22): a floor above the
 * rule's target carries the forecast load with less capacity, and the rule adds what the load then asks.
 */
const floorTarget = positiveUpTo(MAX_METRIC_VALUE, '')
  .optional()
  .describe(
    "the utilisation predictive floors size a unit at; default: a target-tracking rule's target, a step rule's lowest scale-out threshold",
  );

/** Step scaling: ordered thresholds, each with its own adjustment (the largest breached step wins). */
export const StepRuleSchema = z.strictObject({
  name,
  type: z.literal('step'),
  metric: MetricSchema,
  scaleOut: z.array(stepOut).min(1),
  scaleIn: z.array(stepIn).default([]),
  evaluationPeriods: wholeNumber('periods', 1, 60).default(1),
  floorTarget,
});

/** Target tracking: desired = ceil(current × metric / target), held inside a tolerance band. */
export const TargetTrackingRuleSchema = z.strictObject({
  name,
  type: z.literal('target-tracking'),
  metric: MetricSchema,
  target: positiveUpTo(MAX_METRIC_VALUE, ''),
  tolerance: positiveUpTo(0.5, '', { zero: true }).default(0.1),
  evaluationPeriods: wholeNumber('periods', 1, 60).default(1),
  floorTarget,
});

export const RuleSchema = z.discriminatedUnion('type', [StepRuleSchema, TargetTrackingRuleSchema]);

/** A rate limit: at most `value` units, or `value` percent of the current capacity, per window. */
const rateLimit = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('units'), value: unitCount(), periodSeconds: historyWindowSeconds(1) }),
  z.strictObject({
    type: z.literal('percent'),
    value: positiveUpTo(1000, '%'),
    periodSeconds: historyWindowSeconds(1),
  }),
]);

const capacity = z.strictObject({ min: unitCount(0), max: unitCount(0) });

/** The most read replicas of one source AWS makes (15; Oracle, SQL Server 5, Db2 3), and Aurora readers of a cluster (15). */
export const MAX_READ_REPLICAS = 15;
/** The most shards (node groups) of a cluster-mode replication group (ElastiCache, Valkey and Redis OSS 5.0.6+). */
export const MAX_CACHE_SHARDS = 500;

/**
 * A cache's range in shards: a cluster-mode replication group holds its keyspace in at least one shard (node
 * group), so a minimum of 0 names a size no cache has and a scale-in towards it could only fail at AWS (an Auto
 * Scaling group may go to 0 instances, and a source to 0 read replicas: both stay 0 allowed).
 */
const cacheCapacity = z.strictObject({
  min: wholeNumber('', 1, MAX_CACHE_SHARDS, 'a cluster-mode replication group has at least one shard'),
  max: wholeNumber('', 0, MAX_CACHE_SHARDS, 'a cluster-mode replication group holds at most 500 shards'),
});

/**
 * Read replicas beyond AWS's most could only fail at CreateDBInstanceReadReplica, at the rush that needs them
 * (Oracle and SQL Server sources allow 5, Db2 3: AWS refuses the create past them, which is recorded and told).
 */
const replicaCapacity = z.strictObject({
  min: wholeNumber('', 0, MAX_READ_REPLICAS, 'RDS makes at most 15 read replicas of a source'),
  max: wholeNumber('', 0, MAX_READ_REPLICAS, 'RDS makes at most 15 read replicas of a source'),
});

/** What every kind of target shares: range, rules and the behaviour that tames them. */
const targetCommon = {
  name,
  capacity,
  rules: z.array(RuleSchema).min(1),
  cooldowns: z
    .strictObject({
      scaleOutSeconds: durationSeconds().default(300),
      scaleInSeconds: durationSeconds().default(600),
    })
    .prefault({}),
  stabilization: z
    .strictObject({
      scaleOutSeconds: historyWindowSeconds(0).default(60),
      scaleInSeconds: historyWindowSeconds(0).default(300),
      scaleInAfterScaleOutSeconds: historyWindowSeconds(0)
        .optional()
        .describe(
          'no scale-in within this long of the last scale-out (default: `scaleInSeconds`): capacity bought for a burst is kept through the bursts that follow it',
        ),
      scaleInHoldsUnderFloor: z
        .boolean()
        .default(true)
        .describe(
          "false: while a predictive floor is in force, scale-in skips its window and rate limits (the floor holds what the forecast says is needed); a plan's floor from the measured demand or its scale-in hold keeps them",
        ),
    })
    .prefault({}),
  rateLimits: z
    .strictObject({ scaleOut: z.array(rateLimit).default([]), scaleIn: z.array(rateLimit).default([]) })
    .prefault({}),
  maxUnitsPerDecision: unitCount()
    .optional()
    .describe('blast-radius cap for this target; default: the policy-level maxUnitsPerDecision'),
  metricStaleAfterSeconds: durationSeconds(
    1,
    2 * ONE_DAY_SECONDS,
    'two days: two periods of a one-day metric',
  )
    .default(300)
    .describe(
      'a datapoint older than this (from the end of its period) counts as missing; never less than two metric periods',
    ),
  dryRun: z.boolean().optional().describe('default: the policy-level dryRun'),
  predictive: z.boolean().default(false).describe('let the predictive function raise this target’s floor'),
};

export const AsgTargetSchema = z.strictObject({
  ...targetCommon,
  kind: z.literal('asg'),
  autoScalingGroupName,
  instanceWarmupSeconds: durationSeconds().default(300),
  instanceType: instanceClass('ec2')
    .optional()
    .describe(
      'for cost reports: the price of one instance; without it the cost of scaling is not priced, and the alert says so',
    ),
});

export const RdsReplicasTargetSchema = z.strictObject({
  ...targetCommon,
  kind: z.literal('rds-replicas'),
  capacity: replicaCapacity,
  sourceDbInstanceIdentifier: awsIdentifier('RDS DB instance identifier', 63),
  replicaInstanceClass: instanceClass('rds').optional().describe('default: the source instance class'),
  replicaLagLimitSeconds: durationSeconds()
    .default(60)
    .describe(
      'no removal while a replica lags more; a lagging replica neither serves nor counts in the averages',
    ),
  sourceKmsKeyArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
      'must be a KMS key ARN such as arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (not an alias)',
    )
    .optional()
    .describe(
      'the customer managed KMS key the source is encrypted with: the RDS scaler may create grants on it (through RDS only) to create encrypted replicas; not needed for the AWS managed aws/rds key',
    ),
  aurora: z
    .boolean()
    .default(false)
    .describe(
      'sourceDbInstanceIdentifier names an Aurora DB cluster: readers are added to it (PromotionTier 15), never the writer',
    ),
  drainSeconds: z
    .number()
    .int()
    .min(0)
    .max(3600)
    .default(300)
    .describe(
      'a replica to remove is tagged scalepilot:draining and taken out of reader discovery first, and deleted this long after if load stayed low',
    ),
  fallbackInstanceClasses: z
    .array(instanceClass('rds'))
    .max(5)
    .default([])
    .describe(
      'tried in order when AWS has no capacity for the replica class (InsufficientDBInstanceCapacity)',
    ),
  fallbackAvailabilityZones: z
    .array(z.string().regex(AVAILABILITY_ZONE, 'must be an Availability Zone such as us-east-1b'))
    .max(6)
    .default([])
    .describe('tried in order, after the classes, when AWS has no capacity in the source’s placement'),
  maxConnectionsByInstanceClass: z
    .record(instanceClass('rds'), z.number().int().positive())
    .optional()
    .describe(
      'max_connections of a replica of each class, for rules read with percentOf: a replica of a listed class (a fallback class) is read against its own limit; other classes use the rule’s percentOf',
    ),
  replicaCreateDeadlineMinutes: z
    .number()
    .int()
    .min(15)
    .max(1440)
    .default(60)
    .describe(
      'a replica still coming up this long after Scalepilot asked for it is a failed create: told, then replaced like a failed replica',
    ),
  readerDiscovery: z
    .strictObject({
      route53: z
        .strictObject({
          hostedZoneId: z
            .string()
            .regex(
              /^[A-Z0-9]{1,32}$/,
              'must be a Route 53 hosted zone id (uppercase letters and digits) such as Z0123456789ABC',
            ),
          recordName: z
            .string()
            .regex(
              /^([A-Za-z0-9-]+\.)+[A-Za-z0-9-]+\.?$/,
              'must be a DNS name inside the private zone, e.g. reader.db.internal',
            )
            .toLowerCase(),
          ttlSeconds: z.number().int().min(5).max(300).default(30),
        })
        .optional()
        .describe('a weighted CNAME per available replica (set identifier: the replica endpoint)'),
      ssmParameterName: z
        .string()
        .regex(/^\/[\w./-]+$/, 'must be an SSM parameter name starting with /')
        .optional()
        .describe(
          'a String parameter listing the available reader endpoints, comma-separated: its own (not under /scalepilot/, not the webhook’s, not another target’s)',
        ),
    })
    .refine((d) => d.route53 !== undefined || d.ssmParameterName !== undefined, {
      message: 'name route53 or ssmParameterName (or both)',
    })
    .optional()
    .describe('plain RDS has no reader endpoint: keep one in sync after every change'),
});

/** The metrics the cache-shards gates read per shard (memory headroom, the CPU gate). */
export const CACHE_MEMORY_METRIC = 'DatabaseMemoryUsagePercentage';
export const CACHE_CPU_METRIC = 'EngineCPUUtilization';

/**
 * Read scaling of a cache-shards target: the named rules (read load, e.g. engine CPU) change the replicas
 * of every shard (IncreaseReplicaCount / DecreaseReplicaCount, one at a time) instead of the shard count.
 */
const cacheReplicaScaling = z
  .strictObject({
    min: z.number().int().min(0).max(5),
    max: z.number().int().min(0).max(5),
    rules: z.array(name).min(1).describe('names of this target’s rules that scale replicas, not shards'),
  })
  .describe(
    'read scaling: these rules add a replica to every shard (up to max) instead of a shard, and the replicas go first on the way down (not below min)',
  );

export const CacheShardsTargetSchema = z
  .strictObject({
    ...targetCommon,
    kind: z.literal('cache-shards'),
    capacity: cacheCapacity,
    replicationGroupId: awsIdentifier('ElastiCache replication group id', 40),
    nodeType: instanceClass('elasticache')
      .optional()
      .describe('for cost reports, e.g. cache.r7g.large; default: read from the replication group'),
    replicasPerShard: z
      .number()
      .int()
      .min(0)
      .max(5)
      .optional()
      .describe(
        'for cost reports: a shard is 1 primary + this many replica nodes where its decisions recorded no count (each records the replicas it saw), and in backtests; default: read from the replication group',
      ),
    replicaScaling: cacheReplicaScaling.optional(),
  })
  .superRefine((target, ctx) => {
    // The shard gates judge memory headroom and engine CPU per shard: both must be read per node, which a
    // rule does when it names no dimensions of its own.
    for (const metric of [CACHE_MEMORY_METRIC, CACHE_CPU_METRIC])
      if (
        !target.rules.some(
          (r) => r.metric.namespace === 'AWS/ElastiCache' && r.metric.name === metric && !r.metric.dimensions,
        )
      )
        ctx.addIssue({
          code: 'custom',
          path: ['rules'],
          message: `needs a rule on AWS/ElastiCache ${metric} without dimensions of its own (the shard gates read it per node)`,
        });
    const scaling = target.replicaScaling;
    if (!scaling) return;
    if (scaling.max < scaling.min)
      ctx.addIssue({
        code: 'custom',
        path: ['replicaScaling', 'max'],
        message: `${scaling.max} is below min ${scaling.min}`,
      });
    scaling.rules.forEach((rule, i) => {
      if (!target.rules.some((r) => r.name === rule))
        ctx.addIssue({
          code: 'custom',
          path: ['replicaScaling', 'rules', i],
          message: `"${rule}" is not a rule of this target`,
        });
    });
  });

export const TargetSchema = z.discriminatedUnion('kind', [
  AsgTargetSchema,
  RdsReplicasTargetSchema,
  CacheShardsTargetSchema,
]);

export const CostSchema = z.strictObject({
  dailyLimitUsd: positiveUpTo(MAX_USD, 'USD').describe("alert when a complete day's spend is above this"),
  monthlyBudgetUsd: positiveUpTo(MAX_USD, 'USD')
    .optional()
    .describe('alert when the month-end forecast (month to date + Cost Explorer forecast) is above this'),
  scalingDailyLimitUsd: positiveUpTo(MAX_USD, 'USD')
    .optional()
    .describe("alert when a day's cost of the capacity Scalepilot added (above each minimum) is above this"),
  completeAfterHours: z
    .number()
    .min(0)
    .max(72)
    .default(6)
    .describe(
      'Cost Explorer fills a day in over the following hours: compare a day only this long after it ended',
    ),
  hourlyForecast: z.boolean().default(false).describe('also check the month-end forecast every hour'),
  anomaly: z
    .strictObject({
      trailingDays: z.number().int().min(3).max(60).default(14),
      minRisePercent: positiveUpTo(10_000, '%').default(50),
      zScore: positiveUpTo(100, '').default(3),
      minAbsoluteUsd: positiveUpTo(MAX_USD, 'USD', { zero: true }).default(10),
    })
    .prefault({}),
});

export const NotificationsSchema = z
  .strictObject({
    emails: z.array(z.email()).default([]),
    webhookParameterName: z
      .string()
      .regex(/^\/[\w./-]+$/, 'must be an SSM parameter name starting with /')
      .optional()
      .describe('SSM SecureString holding a Slack-compatible webhook URL'),
  })
  .prefault({});

/** The operator's `scalepilot.yml`. Strict: an unknown key is an error, never ignored. */
export const PolicySchema = z.strictObject({
  version: z.literal(1),
  dryRun: z.boolean().default(false).describe('decide and record everything, change nothing'),
  maxUnitsPerDecision: unitCount()
    .default(DEFAULT_MAX_UNITS_PER_DECISION)
    .describe('blast-radius cap: the most units one decision may add or remove'),
  targets: z.array(TargetSchema).min(1),
  predictive: PredictiveSchema,
  cost: CostSchema.optional(),
  notifications: NotificationsSchema,
  fleet: FleetSchema,
  plans: z.array(PlanSchema).max(20).default([]).describe('coordinated scaling across tiers (docs/plans.md)'),
});

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type Target = z.infer<typeof TargetSchema>;
export type AsgTarget = z.infer<typeof AsgTargetSchema>;
export type RdsReplicasTarget = z.infer<typeof RdsReplicasTargetSchema>;
export type CacheShardsTarget = z.infer<typeof CacheShardsTargetSchema>;
export type Rule = z.infer<typeof RuleSchema>;
export type StepRule = z.infer<typeof StepRuleSchema>;
export type TargetTrackingRule = z.infer<typeof TargetTrackingRuleSchema>;
export type MetricSpec = z.infer<typeof MetricSchema>;
export type TargetKind = Target['kind'];
export type RateLimit = z.infer<typeof rateLimit>;
export type CostPolicy = z.infer<typeof CostSchema>;
export type PredictivePolicy = z.infer<typeof PredictiveSchema>;
export type PredictiveEvent = z.infer<typeof PredictiveEventSchema>;
export type Plan = z.infer<typeof PlanSchema>;
export type PlanMember = z.infer<typeof PlanMemberSchema>;
export type FloorTuning = z.infer<typeof FloorTuningSchema>;
