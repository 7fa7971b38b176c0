import type { MetricSpec, Plan, Policy } from './schema';
import { metricDimensions } from './targetResource';

/**
 * The CloudWatch metric a plan's demand is read from, with its dimensions: its own `demand.metric`, or the
 * metric of the member's rule it names, scoped to that member's resource as the rule reads it. Undefined only
 * for a plan validation refuses (a rule that does not exist).
 */
export function planDemandMetric(
  policy: Policy,
  plan: Plan,
): (MetricSpec & { readonly dimensions: Record<string, string> }) | undefined {
  const { metric, rule } = plan.demand;
  if (metric) return { ...metric, dimensions: metric.dimensions ?? {} };
  if (!rule) return undefined;
  const target = policy.targets.find((t) => t.name === rule.member);
  const spec = target?.rules.find((r) => r.name === rule.rule)?.metric;
  return target && spec ? { ...spec, dimensions: metricDimensions(target, spec.dimensions) } : undefined;
}
