import type { Rule } from '../policy/schema';
import { unitByKind } from '../policy/targetResource';
import { type RuleSample, ruleSample } from './ruleReadings';
import type { RuleRecommendation } from './ruleRecommendation';
import type { Decision, DecisionExplanation, DecisionInput, GateNote, ReasonCode, RuleInput } from './types';

/** The floor's name among the rules' recommendations (rule names are lowercase, so it cannot clash). */
export const FORECAST = 'Forecast';

/**
 * One decision's walk through decideCapacity's gates: what it read (each rule's sample and newest value),
 * its range, cap and missing rules, the recommendations so far, and the gates it met (noted unless the caller
 * asked for no explanation: the backtest calls this every minute). Makes the decision at whichever step ends it.
 */
export class CapacityWalk {
  readonly target: DecisionInput['target'];
  readonly current: number;
  readonly unit: string;
  /** Each rule's sample; a rule with no fresh complete datapoint has none. */
  readonly samples: Map<string, RuleSample>;
  readonly metrics: Record<string, number | null>;
  readonly noting: boolean;
  readonly gates: GateNote[] = [];
  readonly recommendations: RuleRecommendation[] = [];
  /** The range both the policy and the live limits allow. */
  readonly lo: number;
  readonly hi: number;
  readonly cap: number;
  /** Rules without a fresh datapoint. */
  readonly missing: string[];

  constructor(readonly input: DecisionInput) {
    const { target, state } = input;
    this.target = target;
    this.current = state.current;
    this.unit = state.unitLabel ?? unitByKind[target.kind];
    // Indexed loops over the rules, no for-of nor callbacks: the backtest makes a walk at many minutes, under
    // compiler settings (no escape analysis) that make each iterator and closure an allocation.
    const { rules } = target;
    this.samples = new Map();
    this.metrics = {};
    this.missing = [];
    for (let r = 0; r < rules.length; r += 1) {
      const rule = rules[r] as Rule;
      const sample = ruleSample(target, rule, input.readings[rule.name], input.now);
      if (sample) this.samples.set(rule.name, sample);
      else this.missing.push(rule.name);
      this.metrics[rule.name] = sample?.newest ?? null;
    }
    this.noting = input.explain !== false;
    this.lo = Math.max(target.capacity.min, state.liveMin);
    this.hi = Math.min(target.capacity.max, state.liveMax);
    this.cap = target.maxUnitsPerDecision ?? input.policyMaxUnitsPerDecision;
  }

  /** The decision, with its explanation (which shares the gate list, so a gate noted after it still shows). */
  readonly decision = (
    desired: number,
    reason: ReasonCode,
    message: string,
    recommendation = this.current,
  ): Decision => {
    const { target, current } = this;
    const made: { -readonly [K in keyof Decision]: Decision[K] } = {
      target: target.name,
      kind: target.kind,
      current,
      desired,
      recommendation,
      direction: desired > current ? 'out' : desired < current ? 'in' : 'none',
      reason,
      message,
      metrics: this.metrics,
    };
    // A group counted in vCPUs, MiB or weights: its numbers are not instances (the cost of scaling prices none).
    if (this.input.state.unitLabel !== undefined) made.unit = this.input.state.unitLabel;
    if (this.noting) made.explain = explanation(this.input, this.metrics, this.recommendations, this.gates);
    return made;
  };

  /** The decision, noted as held by `gate`. */
  held(gate: string, d: Decision): Decision {
    this.note({ gate, outcome: 'held', reason: d.reason, message: d.message });
    return d;
  }

  passed(gate: string, message: string): void {
    this.note({ gate, outcome: 'passed', message });
  }

  note(gate: GateNote): void {
    if (this.noting) this.gates.push(gate);
  }
}

/**
 * The decision's explanation: each rule's metric, the value read, its threshold and recommendation; the
 * floor; the gates as far as the decision went. Shares the gate list, so a gate noted after this is built
 * (the bounds) still shows.
 */
function explanation(
  input: DecisionInput,
  metrics: Readonly<Record<string, number | null>>,
  recommendations: readonly RuleRecommendation[],
  gates: readonly GateNote[],
): DecisionExplanation {
  const rules = input.target.rules.map((rule): RuleInput => {
    const asked = recommendations.find((r) => r.rule === rule.name);
    const one: { -readonly [K in keyof RuleInput]: RuleInput[K] } = {
      rule: rule.name,
      metric: metricLabel(rule.metric),
      value: metrics[rule.name] ?? null,
    };
    if (asked?.threshold !== undefined) one.threshold = asked.threshold;
    if (asked) {
      one.recommendation = asked.desired;
      one.direction = asked.breached;
    }
    return one;
  });
  const { floor } = input;
  return { rules, ...(floor ? { floor: { units: floor.units, source: floor.source } } : {}), gates };
}

/** A rule's metric as an explanation names it (`namespace/name statistic`), made once per rule. */
const metricLabels = new WeakMap<object, string>();
function metricLabel(metric: { namespace: string; name: string; statistic: string }): string {
  let label = metricLabels.get(metric);
  if (label === undefined) {
    label = `${metric.namespace}/${metric.name} ${metric.statistic}`;
    metricLabels.set(metric, label);
  }
  return label;
}
