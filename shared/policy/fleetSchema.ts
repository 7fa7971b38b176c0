import { z } from 'zod';

/**
 * Requests per second each control plane allows one account in one region, shared by every tool there.
 * RDS documents its own (12 per second sustained, 300 in a burst: "Request throttling for the Amazon RDS
 * API"); Amazon EC2 Auto Scaling and ElastiCache publish no figure, so theirs are set conservatively and
 * an operator whose limits are known (or raised) sets them.
 */
export const DEFAULT_ACCOUNT_RATES = { autoscaling: 20, rds: 12, elasticache: 20 } as const;

/**
 * The most targets of a kind one scheduled run takes in its usable 45 s at AWS's latencies (measured,
 * bench/fleet-results.md): the per-run capacity. A policy with more targets of a kind fans them out.
 */
export const MAX_TARGETS_PER_RUN = { asg: 2000, 'rds-replicas': 300, 'cache-shards': 200 } as const;

/**
 * The tag that names a group's stage when the roles grant by tag (`fleet.grantGroupsBy: tag`): the scaler and the
 * predict function may change a group only while it carries it with the stage's name.
 */
export const GROUP_STAGE_TAG = 'scalepilot:stage';

/**
 * The tag on a group that carries a stack's scheduled actions, its value the stage: the predict role may
 * delete scheduled actions on groups so tagged, so it can clean up after a target left the policy.
 */
export const SCHEDULE_OWNER_TAG = 'scalepilot:forecast-actions';

const rate = (fallback: number) => z.number().positive().max(10_000).default(fallback);
const perRun = (max: number) =>
  z.number().int().min(1).max(max).default(max).describe(`at most ${max} (the measured capacity)`);

/** How the scalers run at fleet scale: their share of the account's API rate, and how many targets a run takes. */
export const FleetSchema = z
  .strictObject({
    apiSharePercent: z
      .number()
      .min(1)
      .max(100)
      .default(50)
      .describe("the share of each control plane's per-account request rate a minute's scaler runs may use"),
    accountRatePerSecond: z
      .strictObject({
        autoscaling: rate(DEFAULT_ACCOUNT_RATES.autoscaling).describe('Amazon EC2 Auto Scaling'),
        rds: rate(DEFAULT_ACCOUNT_RATES.rds).describe('Amazon RDS (documented: 12 per second)'),
        elasticache: rate(DEFAULT_ACCOUNT_RATES.elasticache).describe('Amazon ElastiCache'),
      })
      .prefault({})
      .describe("the account's request rate per control plane, in requests per second"),
    targetsPerRun: z
      .strictObject({
        asg: perRun(MAX_TARGETS_PER_RUN.asg),
        'rds-replicas': perRun(MAX_TARGETS_PER_RUN['rds-replicas']),
        'cache-shards': perRun(MAX_TARGETS_PER_RUN['cache-shards']),
      })
      .prefault({})
      .describe('the most targets of a kind one scheduled run takes; more fan out over SQS batches'),
    thresholdAlarms: z
      .boolean()
      .default(true)
      .describe(
        "an alarm per rule threshold that wakes the scaler when it breaches; false: the one-minute schedule alone evaluates every target (a stack holds 500 resources: 106 groups like the example's, two rules of two thresholds each, fit with their alarms; 107 are refused)",
      ),
    grantGroupsBy: z
      .enum(['name', 'tag'])
      .default('name')
      .describe(
        "how the scaler's and the predict function's roles name the Auto Scaling groups they may change: `name`, each group's ARN (a role's inline and 10 managed policies hold some 500 groups, 250 with forecasts); `tag`, every group tagged `scalepilot:stage` with the stage's name (a group of the policy without it is refused, told once)",
      ),
    targetDashboards: z
      .boolean()
      .default(true)
      .describe(
        "a dashboard row per target (metrics, capacity, decisions); false: one dashboard of the whole fleet's decisions and deferred targets (a row is about 2 kB of the template's 1 MB)",
      ),
  })
  .prefault({});

export type FleetPolicy = z.infer<typeof FleetSchema>;
