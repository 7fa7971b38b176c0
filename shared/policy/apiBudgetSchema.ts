import { z } from 'zod';

/**
 * Requests per second each control plane allows one account in one region, shared by every tool there.
 * RDS documents its own (12 per second sustained, 300 in a burst: "Request throttling for the Amazon RDS
 * API"); Amazon EC2 Auto Scaling and ElastiCache publish no figure, so theirs are set conservatively and
 * an operator whose limits are known (or raised) sets them.
 */
export const DEFAULT_ACCOUNT_RATES = { autoscaling: 20, rds: 12, elasticache: 20 } as const;

const rate = (fallback: number) => z.number().positive().max(10_000).default(fallback);

/** How much of each control plane's per-account rate the scalers may use. */
export const ApiBudgetSchema = z
  .strictObject({
    sharePercent: z
      .number()
      .min(1)
      .max(100)
      .default(50)
      .describe("the share of each control plane's per-account request rate one scaler run may use"),
    accountRatePerSecond: z
      .strictObject({
        autoscaling: rate(DEFAULT_ACCOUNT_RATES.autoscaling).describe('Amazon EC2 Auto Scaling'),
        rds: rate(DEFAULT_ACCOUNT_RATES.rds).describe('Amazon RDS (documented: 12 per second)'),
        elasticache: rate(DEFAULT_ACCOUNT_RATES.elasticache).describe('Amazon ElastiCache'),
      })
      .prefault({})
      .describe("the account's request rate per control plane, in requests per second"),
  })
  .prefault({});

export type ApiBudgetPolicy = z.infer<typeof ApiBudgetSchema>;
