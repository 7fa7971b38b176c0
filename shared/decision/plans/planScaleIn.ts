import type { Rule, Target } from '../../policy/schema';
import type { Decision, ReasonCode } from '../types';

/** Decisions after which the plan does not lead a scale-in: a rule wants more, or the member cannot be judged. */
const HOLDS_SCALE_IN: readonly ReasonCode[] = [
  'InstancesWarming',
  'ScaleOutCooldown',
  'BreachNotSustained',
  'MetricsMissing',
  'ScaleInBlockedByMissingMetrics',
  'AsgBusy',
  'ResourceBusy',
  'LimitsConflict',
  'OutOfRange',
];

/**
 * The plan leads a member's scale-in: when its own rules ask for nothing more (no scale-out, no breach on its
 * way, every rule read), the member goes down to the plan's level as the plan's own decision took it
 * (`viaPlan`: planRuleInput.ts, through the member's windows, cooldowns, rate limits and caps), rather than
 * wait for a rule's scale-in threshold. Never to a level at which a rule's current reading, spread over the
 * units left, would cross its scale-out threshold (it would only scale out again). Undefined: keep `own`.
 */
export function planScaleIn(
  target: Target,
  own: Decision,
  viaPlan: Decision,
  why: string,
): Decision | undefined {
  if (viaPlan.direction !== 'in' || viaPlan.desired >= own.desired) return undefined;
  if (own.direction === 'out' || HOLDS_SCALE_IN.includes(own.reason)) return undefined;
  const projected: string[] = [];
  for (const rule of target.rules) {
    const value = own.metrics[rule.name];
    if (value === null || value === undefined) return undefined;
    const after = (value * own.current) / viaPlan.desired;
    if (!(after < scaleOutAt(rule))) return undefined;
    projected.push(`${rule.name} ${round(value)} → ${round(after)}`);
  }
  return {
    ...own,
    desired: viaPlan.desired,
    recommendation: own.recommendation,
    direction: 'in',
    reason: 'PlanScaleIn',
    message: `${why}; no rule asks for more (${projected.join(', ')} at ${viaPlan.desired}): ${own.current} → ${viaPlan.desired}`,
  };
}

/** The reading above which a rule asks for more: its lowest scale-out threshold, or its target's band. */
function scaleOutAt(rule: Rule): number {
  return rule.type === 'step'
    ? Math.min(...rule.scaleOut.map((s) => s.above))
    : rule.target * (1 + rule.tolerance);
}

function round(n: number): number {
  return Number(n.toFixed(1));
}
