import { z } from 'zod';
import { MetricSchema } from './metricSchema';
import { policyName as name } from './policyName';

// Plans (issue 24): coordinated scaling across tiers. A self-contained block; its meaning (members that
// exist, no member in two plans, no ratio cycle, lead times within the forecast horizon) is checked in
// checkPlans.ts.

/**
 * A plan's own demand metric: a target's metric, but its dimensions are required (the refinement below says
 * so); the target's default, its own resource, is no default here: the metric belongs to no target.
 */
const planDemandMetric = MetricSchema.extend({
  dimensions: MetricSchema.shape.dimensions.describe(
    "CloudWatch dimensions, required: the plan's demand metric belongs to no target, so there is no resource to default to (e.g. `LoadBalancer: app/api/50dc6c495c0c9188`)",
  ),
});

/** Where a plan reads its demand: a CloudWatch metric of its own, or one rule of one of its members. */
const planDemand = z
  .strictObject({
    metric: planDemandMetric
      .optional()
      .describe(
        "a metric of its own, with its dimensions, e.g. AWS/ApplicationELB RequestCount (Sum) of the API's load balancer",
      ),
    rule: z
      .strictObject({ member: name, rule: name })
      .optional()
      .describe('or the metric of one rule of one member, e.g. { member: api, rule: requests }'),
  })
  .refine((d) => (d.metric === undefined) !== (d.rule === undefined), {
    message: 'name metric or rule (exactly one)',
  })
  .refine((d) => d.metric === undefined || d.metric.dimensions !== undefined, {
    path: ['metric', 'dimensions'],
    message: "a plan's demand metric belongs to no target: name its dimensions",
  });

/** One member of a plan: an existing target, how its need follows the demand, its lead time, its gates. */
export const PlanMemberSchema = z
  .strictObject({
    target: name.describe('a target of this policy'),
    unitsPerDemand: z
      .number()
      .positive()
      .optional()
      .describe('units per unit of demand: 0.002 is one instance per 500 requests (rounded up)'),
    ratio: z
      .strictObject({
        member: name.describe('another member of this plan'),
        units: z.number().int().positive().default(1),
        per: z.number().positive(),
      })
      .optional()
      .describe(
        '`units` of this member per `per` units of another, rounded up: { member: api, per: 4 } is one replica per four API instances',
      ),
    leadTimeMinutes: z
      .number()
      .int()
      .min(0)
      .max(120)
      .optional()
      .describe(
        'from decision to serving; default: learned from the ledger once it has observed 3 operations, else the kind’s (warm-up, predictive.provisioningMinutes)',
      ),
    waitFor: z
      .array(name)
      .min(1)
      .max(9)
      .optional()
      .describe(
        'readiness gates: this member grows no further than what these members’ serving capacity carries',
      ),
  })
  .refine((m) => (m.unitsPerDemand === undefined) !== (m.ratio === undefined), {
    message: 'name unitsPerDemand or ratio (exactly one)',
  });

/** A plan: one demand signal moves its members together, slowest first out, fastest first in. */
export const PlanSchema = z.strictObject({
  name,
  demand: planDemand,
  members: z
    .array(PlanMemberSchema)
    .min(2, 'a plan moves at least two members: the entry, and a tier behind it that follows it')
    .max(10, 'a plan moves at most 10 members')
    .describe('the first member is the entry (the demand reaches it first) and follows the demand'),
  scaleInHoldMinutes: z
    .number()
    .int()
    .min(0)
    .max(60)
    .default(60)
    .describe(
      'a member scales in only after the one in front of it (faster) has been smaller this long (60: chosen leave-one-out, bench/plan-hold-choice.md)',
    ),
  headroomQuantile: z
    .number()
    .min(0.5)
    .max(0.99)
    .default(0.99)
    .describe(
      'the quantile of actual ÷ forecast demand, minute by minute over the last 6 h, the plan’s forecast floors plan for (0.99: chosen leave-one-out, bench/plan-quantile-choice.md)',
    ),
  gateTiming: z
    .enum(['serving', 'in-time'])
    .default('in-time')
    .describe(
      'readiness gates (waitFor): `in-time` lets a member grow once the capacity it waits for will serve within its own lead time, so both arrive together; `serving` waits until that capacity serves',
    ),
});
