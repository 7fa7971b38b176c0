import type { RateLimit, Rule, Target } from '../policy/schema';
import { unitByKind } from '../policy/targetResource';
import { CapacityWalk, FORECAST } from './capacityWalk';
import { reverseWindowSeconds } from './reverseWindowSeconds';
import type { RuleSample } from './ruleReadings';
import {
  ceilUnits,
  type RuleRecommendation,
  type RuleState,
  sampledRecommendation,
} from './ruleRecommendation';
import type { Decision, DecisionInput, GateNote, ReasonCode, ScalingHistory } from './types';
import { periodBase, unitsWarming } from './unitsWarming';

const busyReasonByKind: Record<Target['kind'], ReasonCode> = {
  asg: 'AsgBusy',
  'rds-replicas': 'ResourceBusy',
  'cache-shards': 'ResourceBusy',
};

/**
 * Decides the capacity of one target from its policy, live state, metrics, history and `now`.
 * Pure: the same input always gives the same decision. The pipeline, in order:
 * busy → limits → out of range → rules (sustained over their evaluation periods) → missing-metric guard →
 * stabilisation windows → cooldowns → rate limits → blast radius → bounds.
 * Bounds come last so that the result always lies within both the policy's range and the live limits.
 * The decision's `explain` lists what each rule read and asked for, the floor, and every gate of this
 * pipeline the decision met, in order, held or passed (noted from the values computed anyway; a gate
 * that passed says so in a fixed phrase, so the backtest, which calls this every minute, pays little).
 */
export function decideCapacity(input: DecisionInput): Decision {
  const walk = new CapacityWalk(input);
  const early = entryGates(walk);
  if (early) return early;
  const proposal = fromRecommendations(walk);
  if ('reason' in proposal) return proposal;
  const stable = stabilized(walk, proposal);
  if ('reason' in stable) return stable;
  const direction = stable.raw > walk.current ? 'out' : 'in';
  return timingGates(walk, stable, direction) ?? limited(walk, stable, direction);
}

/** What the rules (and the floor) propose so far, and why; `recommendation` is the rules' own ask. */
interface Proposal {
  readonly top: RuleRecommendation;
  readonly raw: number;
  readonly why: string;
  readonly recommendation: number;
  /** Scale-in released from its window and rate limits under a predictive floor. */
  readonly released?: boolean;
}

/** Busy, live limits that conflict with the range, capacity out of range: held (or stepped back) before the rules. */
function entryGates(walk: CapacityWalk): Decision | undefined {
  const { input, target, current, lo, hi } = walk;
  const { state } = input;
  if (state.busy)
    return walk.held(
      'busy',
      walk.decision(current, busyReasonByKind[target.kind], `${target.name} is busy: ${state.busy}`),
    );
  walk.passed('busy', 'not busy');
  if (lo > hi)
    return walk.held(
      'bounds',
      walk.decision(
        current,
        'LimitsConflict',
        `policy range ${target.capacity.min}..${target.capacity.max} and live limits ${state.liveMin}..${state.liveMax} do not overlap`,
      ),
    );
  if (current < lo || current > hi) {
    const { cap, missing } = walk;
    const back = backIntoRange(input, { lo, hi, cap, missing, decision: walk.decision });
    return walk.held(back.reason === 'OutOfRange' ? 'range' : gateOfReason(back.reason), back);
  }
  walk.passed('range', 'within the range');
  return undefined;
}

/**
 * 1. What the rules ask for, the predictive floor one more recommendation; the largest wins (as with several AWS
 * scaling policies on one group). A rule without a fresh datapoint holds the current capacity: a metrics
 * outage can delay a scale-out, but never causes a scale-in. No change asked: the decision that says why.
 */
function fromRecommendations(walk: CapacityWalk): Proposal | Decision {
  const { input, target, current, recommendations, missing } = walk;
  const measured = Math.min(input.state.serving, current);
  // What the rules read of the state, in one object shape (a spread of the state was a slow copy each call).
  const warmState: RuleState = { current, serving: warmedServing(input), measured };
  // Indexed loops, as in CapacityWalk (the backtest's compiler settings make each iterator an allocation).
  for (let r = 0; r < target.rules.length; r += 1) {
    const rule = target.rules[r] as Rule;
    const sample = walk.samples.get(rule.name);
    if (sample) recommendations.push(ruleUnderFloor(rule, sample, warmState, input.floor));
  }
  // The floor raises capacity ahead of the load (through the same windows, cooldowns and caps as any
  // scale-out) and keeps scale-in above it. With no fresh metrics it can still raise capacity, never lower it.
  const { floor } = input;
  if (floor && (recommendations.length > 0 || floor.units > current))
    recommendations.push({
      rule: FORECAST,
      desired: floor.units,
      breached: floor.units > current ? 'out' : 'none',
      why: `forecast floor ${floor.units} (${floor.source})`,
    });
  if (recommendations.length === 0)
    return walk.held(
      'missingMetrics',
      walk.decision(
        current,
        'MetricsMissing',
        `no fresh datapoint for ${missing.join(', ')}: holding ${current}`,
      ),
    );
  let top = recommendations[0] as RuleRecommendation;
  for (let r = 1; r < recommendations.length; r += 1) {
    const next = recommendations[r] as RuleRecommendation;
    if (next.desired > top.desired) top = next;
  }
  const raw = top.desired;
  if (raw < current && missing.length > 0)
    return walk.held(
      'missingMetrics',
      walk.decision(
        current,
        'ScaleInBlockedByMissingMetrics',
        `${top.why}, but no fresh datapoint for ${missing.join(', ')}: not scaling in blind`,
        current,
      ),
    );
  if (missing.length === 0) walk.passed('missingMetrics', 'every rule has a fresh datapoint');
  if (raw === current) return noChange(walk);
  // Scale in only when every rule agrees; name the one that holds the most.
  const why = raw < current ? whys(recommendations) : top.why;
  return { top, raw, why, recommendation: raw };
}

/** Each recommendation's why, `; ` between them (a loop, not map and join: a decision made, many a backtest). */
function whys(recommendations: readonly RuleRecommendation[]): string {
  let text = '';
  for (let r = 0; r < recommendations.length; r += 1)
    text += `${r > 0 ? '; ' : ''}${(recommendations[r] as RuleRecommendation).why}`;
  return text;
}

/** The rules ask for the current capacity: why (a floor, instances warming, a breach not sustained, …). */
function noChange(walk: CapacityWalk): Decision {
  const { target, current, recommendations } = walk;
  let askIn = false;
  let askOut = false;
  let unsustained = false;
  let floorHolds = false;
  for (let r = 0; r < recommendations.length; r += 1) {
    const asked = recommendations[r] as RuleRecommendation;
    askIn ||= asked.breached === 'in';
    askOut ||= asked.breached === 'out';
    unsustained ||= asked.unsustained === true;
    floorHolds ||= asked.rule === FORECAST && asked.desired >= current;
  }
  const reason: ReasonCode =
    askIn && floorHolds
      ? 'PredictiveFloor'
      : askOut
        ? 'InstancesWarming'
        : unsustained
          ? 'BreachNotSustained'
          : askIn || target.rules.some((r) => r.type === 'target-tracking')
            ? 'WithinTolerance'
            : 'NoThresholdBreached';
  const same = walk.decision(current, reason, whys(recommendations));
  return reason === 'InstancesWarming' || reason === 'PredictiveFloor'
    ? walk.held(reason === 'InstancesWarming' ? 'warming' : 'floor', same)
    : same;
}

/**
 * 2. Stabilisation (the HPA's): scale out only to the lowest, scale in only to the highest recommendation of
 * the direction's window, this one included. Under a predictive floor a target may release scale-in from its
 * window and rate limits when the floor is what holds (the rules ask no more): it already holds what the
 * forecast says comes. Load above the floor's plan keeps the window, and so does a floor that is no forecast
 * (`fromForecast: false`: a plan's from the measured demand, which a one-minute dip would lower).
 */
function stabilized(walk: CapacityWalk, proposal: Proposal): Proposal | Decision {
  const { input, target, current } = walk;
  const { raw, recommendation } = proposal;
  const { floor } = input;
  const released =
    floor !== undefined &&
    floor.fromForecast !== false &&
    raw < current &&
    floor.units >= raw &&
    !target.stabilization.scaleInHoldsUnderFloor;
  const stable = released ? raw : stabilize(raw, current, input.history, target, input.now);
  if (stable === raw) {
    walk.passed(
      'stabilization',
      raw > current
        ? 'no lower recommendation in the scale-out window'
        : released
          ? 'released under the predictive floor (scaleInHoldsUnderFloor: false)'
          : 'no higher recommendation in the scale-in window',
    );
    return { top: proposal.top, raw, why: proposal.why, recommendation, released };
  }
  if (stable === current)
    return walk.held(
      'stabilization',
      walk.decision(
        current,
        'StabilizationWindow',
        `${proposal.why}; held at ${current} by the ${raw > current ? 'scale-out' : 'scale-in'} stabilisation window`,
        recommendation,
      ),
    );
  walk.note({ gate: 'stabilization', outcome: 'held', message: `${raw} stabilised to ${stable}` });
  return {
    top: proposal.top,
    raw: stable,
    why: `${proposal.why}; stabilised to ${stable}`,
    recommendation,
    released,
  };
}

/** 3. Cooldowns, each direction its own clock; and no reversal inside the reverse direction's window. */
function timingGates(walk: CapacityWalk, proposal: Proposal, direction: 'out' | 'in'): Decision | undefined {
  const { input, target, current } = walk;
  const { why, recommendation } = proposal;
  const sinceOut = secondsSince(input.history.lastScaleOutAt, input.now);
  const sinceIn = secondsSince(input.history.lastScaleInAt, input.now);
  if (direction === 'out' && sinceOut < target.cooldowns.scaleOutSeconds)
    return walk.held(
      'cooldown',
      walk.decision(
        current,
        'ScaleOutCooldown',
        `${why}; last scale-out ${Math.round(sinceOut)} s ago, cooldown ${target.cooldowns.scaleOutSeconds} s`,
        recommendation,
      ),
    );
  if (direction === 'in' && sinceIn < target.cooldowns.scaleInSeconds)
    return walk.held(
      'cooldown',
      walk.decision(
        current,
        'ScaleInCooldown',
        `${why}; last scale-in ${Math.round(sinceIn)} s ago, cooldown ${target.cooldowns.scaleInSeconds} s`,
        recommendation,
      ),
    );
  walk.passed(
    'cooldown',
    direction === 'out' ? 'no scale-out within its cooldown' : 'no scale-in within its cooldown',
  );
  const window = reverseWindowSeconds(target.stabilization, direction);
  const reverse =
    direction === 'in'
      ? {
          since: sinceOut,
          last: 'scale-out',
          what:
            target.stabilization.scaleInAfterScaleOutSeconds === undefined
              ? 'window'
              : 'hold after a scale-out (scaleInAfterScaleOutSeconds)',
        }
      : { since: sinceIn, last: 'scale-in', what: 'window' };
  if (reverse.since >= window) return undefined;
  return walk.held(
    'stabilization',
    walk.decision(
      current,
      'StabilizationWindow',
      `${why}; a ${reverse.last} ${Math.round(reverse.since)} s ago is inside the ${window} s ${reverse.what}`,
      recommendation,
    ),
  );
}

/**
 * 4. Rate limits (the most permissive limit of the direction applies: the HPA's default selectPolicy), 5. the
 * blast radius (no single decision moves more than the cap), then the bounds.
 */
function limited(walk: CapacityWalk, proposal: Proposal, direction: 'out' | 'in'): Decision {
  const { input, target, current, unit, cap, lo, hi } = walk;
  const { top, recommendation } = proposal;
  let { raw: desired, why } = proposal;
  let reason: ReasonCode =
    direction === 'out' ? (top.rule === FORECAST ? 'PredictiveFloor' : 'ScaleOut') : 'ScaleIn';
  const limits =
    direction === 'out' ? target.rateLimits.scaleOut : proposal.released ? [] : target.rateLimits.scaleIn;
  if (limits.length > 0) {
    const bound = rateBound(direction, limits, input.history, current, input.now);
    if (direction === 'out' ? desired > bound : desired < bound) {
      desired = bound;
      reason = direction === 'out' ? 'ScaleOutRateLimited' : 'ScaleInRateLimited';
      why = `${why}; rate limit allows ${bound}`;
      walk.note({ gate: 'rateLimit', outcome: 'held', reason, message: `rate limit allows ${bound}` });
    } else walk.passed('rateLimit', 'within the rate limits');
  }
  if (Math.abs(desired - current) > cap) {
    desired = direction === 'out' ? current + cap : current - cap;
    reason = 'BlastRadiusCapped';
    why = `${why}; capped at ${cap} ${unit}s per decision`;
    walk.note({ gate: 'blastRadius', outcome: 'held', reason, message: `capped at ${cap} ${unit}s` });
  } else walk.passed('blastRadius', 'within the cap');
  const gates = walk.noting ? walk.gates : undefined;
  if (direction === 'out' ? desired <= current : desired >= current)
    return bounded(
      walk.decision(current, reason, `${why}; no room to move`, recommendation),
      lo,
      hi,
      unit,
      gates,
    );
  return bounded(
    walk.decision(desired, reason, `${why}: ${current} → ${desired}`, recommendation),
    lo,
    hi,
    unit,
    gates,
  );
}

/** The gate a skip's reason comes from (for the explanation of an out-of-range step that was held). */
function gateOfReason(reason: ReasonCode): string {
  if (reason === 'ScaleOutCooldown' || reason === 'ScaleInCooldown') return 'cooldown';
  if (reason === 'ScaleInBlockedByMissingMetrics') return 'missingMetrics';
  return 'range';
}

/**
 * Capacity outside the range (an operator's manual change, or a range just narrowed) steps back towards
 * it like any other change: at most the blast-radius cap per decision, each direction's cooldown between
 * steps, and never a step in without fresh metrics for every rule (missing metrics never scale in).
 */
function backIntoRange(
  { target, state, history, now }: DecisionInput,
  {
    lo,
    hi,
    cap,
    missing,
    decision,
  }: {
    lo: number;
    hi: number;
    cap: number;
    missing: string[];
    decision: (desired: number, reason: ReasonCode, message: string, recommendation?: number) => Decision;
  },
): Decision {
  const { current } = state;
  const unit = state.unitLabel ?? unitByKind[target.kind];
  const above = current > hi;
  const range = `${current} ${unit}s is ${above ? 'above' : 'below'} the range ${lo}..${hi}`;
  const goal = above ? hi : lo;
  if (above && missing.length > 0)
    return decision(
      current,
      'ScaleInBlockedByMissingMetrics',
      `${range}, but no fresh datapoint for ${missing.join(', ')}: not scaling in blind`,
      goal,
    );
  const since = secondsSince(above ? history.lastScaleInAt : history.lastScaleOutAt, now);
  const cooldown = above ? target.cooldowns.scaleInSeconds : target.cooldowns.scaleOutSeconds;
  if (since < cooldown)
    return decision(
      current,
      above ? 'ScaleInCooldown' : 'ScaleOutCooldown',
      `${range}; last scale-${above ? 'in' : 'out'} ${Math.round(since)} s ago, cooldown ${cooldown} s`,
      goal,
    );
  const step = Math.min(cap, Math.abs(current - goal));
  const desired = above ? current - step : current + step;
  return decision(
    desired,
    'OutOfRange',
    `${range}: ${current} → ${desired}${desired === goal ? '' : ` (at most ${cap} ${unit}s per decision)`}`,
    goal,
  );
}

/** Applies the bounds last, and names them when they changed the outcome (`current` is in range here). */
function bounded(d: Decision, lo: number, hi: number, unit: string, gates: GateNote[] | undefined): Decision {
  const desired = Math.min(hi, Math.max(lo, d.desired));
  if (desired === d.desired) {
    gates?.push({ gate: 'bounds', outcome: 'passed', message: 'within the bounds' });
    return d;
  }
  const direction = desired > d.current ? 'out' : desired < d.current ? 'in' : 'none';
  const atMax = d.desired > hi;
  const reason = atMax ? 'AtMaxCapacity' : 'AtMinCapacity';
  const limit = `held at the ${atMax ? 'maximum' : 'minimum'} of ${atMax ? hi : lo} ${unit}s`;
  gates?.push({ gate: 'bounds', outcome: 'held', reason, message: limit });
  return { ...d, desired, direction, reason, message: `${d.message}; ${limit}` };
}

function stabilize(raw: number, current: number, history: ScalingHistory, target: Target, now: Date): number {
  const inWindow = (seconds: number) =>
    history.recommendations
      .filter((r) => now.getTime() - r.at.getTime() < seconds * 1000)
      .map((r) => r.desired);
  if (raw > current) {
    const lowest = Math.min(raw, ...inWindow(target.stabilization.scaleOutSeconds));
    return Math.max(current, lowest);
  }
  const highest = Math.max(raw, ...inWindow(target.stabilization.scaleInSeconds));
  return Math.min(current, highest);
}

/**
 * The furthest a direction's rate limits let capacity move from where it stood at the start of each period: before
 * the period's first change in that direction (a change the other way starts no period: after a scale-in of 4, a
 * limit of 2 units a period up must not allow 6).
 */
function rateBound(
  direction: 'out' | 'in',
  limits: readonly RateLimit[],
  history: ScalingHistory,
  current: number,
  now: Date,
): number {
  const bounds = limits.map((limit) => {
    const base =
      periodBase(history.changes, direction, now.getTime() - limit.periodSeconds * 1000) ?? current;
    const step =
      limit.type === 'units'
        ? Math.floor(limit.value)
        : Math.max(
            1,
            direction === 'out'
              ? ceilUnits((base * limit.value) / 100)
              : Math.floor((base * limit.value) / 100 + 1e-9),
          );
    return direction === 'out' ? base + step : base - step;
  });
  return direction === 'out' ? Math.max(...bounds) : Math.min(...bounds);
}

/**
 * Serving capacity less the units Scalepilot added within the instance warmup: EC2 reports an instance
 * InService long before it takes its share of the load, so it counts as booting until the warmup ends.
 */
function warmedServing({ target, state, history, now }: DecisionInput): number {
  if (target.kind !== 'asg') return Math.min(state.serving, state.current);
  const warming = unitsWarming(history.changes, target.instanceWarmupSeconds, now);
  return Math.max(0, Math.min(state.serving, state.current - warming));
}

function secondsSince(at: Date | undefined, now: Date): number {
  return at ? (now.getTime() - at.getTime()) / 1000 : Number.POSITIVE_INFINITY;
}

/**
 * A rule's recommendation. While a predictive floor is in force, a target-tracking rule with a `floorTarget`
 * aims at it as long as the load is within what the floor planned for (its need at `floorTarget` is at most the
 * floor: the floor, forecast × measured headroom, carries the margin the rule's own target keeps). Load past the
 * floor's plan is load the forecast missed: the rule aims at its own target again.
 */
function ruleUnderFloor(
  rule: Rule,
  sample: RuleSample,
  state: RuleState,
  floor: DecisionInput['floor'],
): RuleRecommendation {
  if (floor && rule.type === 'target-tracking' && rule.floorTarget !== undefined) {
    const aimed = sampledRecommendation(aimedAtFloor(rule, rule.floorTarget), sample, state);
    if (aimed.desired <= floor.units) return aimed;
  }
  return sampledRecommendation(rule, sample, state);
}

/** A rule aiming at its `floorTarget`, made once per rule (the backtest asks under a floor every minute). */
const aimedRules = new WeakMap<Rule, Rule>();
function aimedAtFloor(rule: Extract<Rule, { type: 'target-tracking' }>, floorTarget: number): Rule {
  let aimed = aimedRules.get(rule);
  if (aimed === undefined) {
    aimed = { ...rule, target: floorTarget };
    aimedRules.set(rule, aimed);
  }
  return aimed;
}
