import type { Rule } from '../../shared/policy/schema';

// What a rule's metric reads in the replay: driven by the trace, or steady between its thresholds.

/** The value a rule's metric reads at a utilisation: percent for step rules, scaled to the target for target tracking. */
export function drivenValue(rule: Rule, utilisation: number, targetUtilisation: number): number {
  const value =
    rule.type === 'step' ? Math.min(100, 100 * utilisation) : (utilisation / targetUtilisation) * rule.target;
  return rawValue(rule, value);
}

/** Midway between the rule's scale-in and scale-out thresholds (or its target): no alarm, no change. */
export function steadyValue(rule: Rule): number {
  if (rule.type !== 'step') return rawValue(rule, rule.target);
  const out = Math.min(...rule.scaleOut.map((s) => s.above));
  const inn = Math.max(...rule.scaleIn.map((s) => s.below));
  const value =
    Number.isFinite(out) && Number.isFinite(inn) ? (out + inn) / 2 : Number.isFinite(out) ? out / 2 : inn * 2;
  return rawValue(rule, value);
}

/** A `percentOf` metric is published raw (connections), and read back as a percentage. */
function rawValue(rule: Rule, value: number): number {
  return rule.metric.percentOf === undefined ? value : (value * rule.metric.percentOf) / 100;
}
