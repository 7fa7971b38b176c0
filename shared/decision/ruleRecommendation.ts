import type { Rule } from '../policy/schema';
import type { RuleSample } from './ruleReadings';
import type { CapacityState } from './types';

/**
 * What a rule's recommendation reads of the state: the ordered and serving capacity, and the units its metric
 * averages over (`measured`, for a target-tracking scale-in).
 */
export type RuleState = Pick<CapacityState, 'current' | 'serving' | 'measured'>;

/** What one rule asks for, and why, given its newest metric value. */
export interface RuleRecommendation {
  readonly rule: string;
  readonly desired: number;
  readonly why: string;
  readonly breached: 'out' | 'in' | 'none';
  /** The breached step's threshold, or the target-tracking target (a decision's explanation shows it). */
  readonly threshold?: number;
  /** The newest datapoint breaches, but not every one of the rule's evaluation periods does yet. */
  readonly unsustained?: boolean;
}

/**
 * A rule's recommendation from its recent datapoints: a direction counts only when every one of the
 * rule's `evaluationPeriods` breaches it (scale out on the lowest, scale in on the highest of them), so
 * one spike never moves capacity when the rule says five periods.
 */
export function sampledRecommendation(rule: Rule, sample: RuleSample, state: RuleState): RuleRecommendation {
  // The direction first, the recommendation (and its message) only for the value that decides.
  if (sample.sustained) {
    if (breachOf(rule, sample.lowest) === 'out') return ruleRecommendation(rule, sample.lowest, state);
    if (breachOf(rule, sample.highest) === 'in') return ruleRecommendation(rule, sample.highest, state);
  }
  const newest = ruleRecommendation(rule, sample.newest, state);
  if (newest.breached === 'none') return newest;
  return {
    rule: rule.name,
    desired: state.current,
    breached: 'none',
    unsustained: true,
    ...(newest.threshold === undefined ? {} : { threshold: newest.threshold }),
    why: `${rule.name} ${hundredths(sample.newest)} breaches scale-${newest.breached}, but not in each of the last ${rule.evaluationPeriods} periods`,
  };
}

/**
 * `Number(x.toFixed(2))`, the value a message shows, without `toFixed` where the answer is certain: `toFixed`
 * is slow (the backtest formats a message every simulated minute). Away from a tie, rounding x × 100 to the
 * nearest integer is what `toFixed` does with x's exact value (x × 100 is within half an ulp of it), and that
 * integer ÷ 100 is the double nearest the decimal, which is what `Number` reads back. Ties, huge values, NaN and
 * infinities go to `toFixed` itself.
 */
export function hundredths(x: number): number {
  const scaled = x * 100;
  const size = Math.abs(scaled);
  if (size < 2 ** 50) {
    const fraction = scaled - Math.floor(scaled);
    if (Math.abs(fraction - 0.5) > 1e-12 * (size + 1)) return Math.round(scaled) / 100;
  }
  return Number(x.toFixed(2));
}

/** `ceil` that forgives float noise: 3.0000000001 units are 3 units. */
export function ceilUnits(x: number): number {
  return Math.ceil(x - 1e-9);
}

/** The direction a rule's value breaches, as `ruleRecommendation` finds it (a test holds the two together). */
export function breachOf(rule: Rule, value: number): RuleRecommendation['breached'] {
  if (rule.type === 'step') {
    if (rule.scaleOut.some((s) => value > s.above)) return 'out';
    return rule.scaleIn.some((s) => value < s.below) ? 'in' : 'none';
  }
  const ratio = value / rule.target;
  if (Math.abs(ratio - 1) <= rule.tolerance) return 'none';
  return ratio > 1 ? 'out' : 'in';
}

/**
 * The capacity one rule recommends.
 *
 * Scale-out arithmetic starts from the *serving* capacity and never goes below the ordered capacity:
 * units still booting already answer the shortfall that ordered them, so one shortfall never causes two
 * scale-outs (AWS's instance warmup). Scale-in starts from the ordered capacity.
 */
export function ruleRecommendation(rule: Rule, value: number, state: RuleState): RuleRecommendation {
  return rule.type === 'step'
    ? stepRecommendation(rule, value, state)
    : trackingRecommendation(rule, value, state);
}

type StepRule = Extract<Rule, { type: 'step' }>;
type TrackingRule = Exclude<Rule, StepRule>;

/** A step rule: the highest scale-out step the value passes, else the lowest scale-in step it is under. */
function stepRecommendation(rule: StepRule, value: number, state: RuleState): RuleRecommendation {
  const { current, serving } = state;
  const fmt = hundredths;
  const out = [...rule.scaleOut].sort((a, b) => b.above - a.above).find((s) => value > s.above);
  if (out) {
    const desired = Math.max(current, serving + out.add);
    return {
      rule: rule.name,
      desired,
      breached: 'out',
      threshold: out.above,
      why: `${rule.name} ${fmt(value)} > ${out.above}: add ${out.add}${desired < current + out.add ? ` (${current - serving} still warming)` : ''}`,
    };
  }
  const inStep = [...rule.scaleIn].sort((a, b) => a.below - b.below).find((s) => value < s.below);
  if (inStep) {
    return {
      rule: rule.name,
      desired: current - inStep.remove,
      breached: 'in',
      threshold: inStep.below,
      why: `${rule.name} ${fmt(value)} < ${inStep.below}: remove ${inStep.remove}`,
    };
  }
  return {
    rule: rule.name,
    desired: current,
    breached: 'none',
    why: `${rule.name} ${fmt(value)} within thresholds`,
  };
}

/** A target-tracking rule: the serving capacity scaled by the value's ratio to the target, outside the tolerance. */
function trackingRecommendation(rule: TrackingRule, value: number, state: RuleState): RuleRecommendation {
  const { current, serving } = state;
  const fmt = hundredths;
  const ratio = value / rule.target;
  if (Math.abs(ratio - 1) <= rule.tolerance) {
    return {
      rule: rule.name,
      desired: current,
      breached: 'none',
      threshold: rule.target,
      why: `${rule.name} ${fmt(value)} within ±${rule.tolerance * 100}% of target ${rule.target}`,
    };
  }
  if (serving === 0 && ratio > 1) {
    // Nothing serves and the metric still shows demand (a queue, request count or a scale-from-zero
    // metric): proportional arithmetic gives 0 × ratio = 0 for ever, so start one unit.
    return {
      rule: rule.name,
      desired: Math.max(current, 1),
      breached: 'out',
      threshold: rule.target,
      why: `${rule.name} ${fmt(value)} vs target ${rule.target} with nothing serving: start 1`,
    };
  }
  // Out: from what serves warm (units warming already answer the shortfall). In: from every unit the metric
  // averages over (warming ones too: sized from the warm ones alone, a group would drop what it just bought).
  const base = ratio > 1 ? serving : (state.measured ?? serving);
  const demand = ceilUnits(base * ratio);
  const desired = ratio > 1 ? Math.max(current, demand) : Math.min(current, demand);
  return {
    rule: rule.name,
    desired,
    breached: ratio > 1 ? 'out' : 'in',
    threshold: rule.target,
    why: `${rule.name} ${fmt(value)} vs target ${rule.target}: ${base} ${ratio > 1 ? 'serving' : 'in service'} × ${fmt(ratio)} = ${demand}`,
  };
}
