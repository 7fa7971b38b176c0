import { ceilUnits } from '../decision/ruleRecommendation';
import type { DecisionExplanation } from '../decision/types';
import type { TargetKind } from '../policy/schema';
import { percentile } from './trace';

/** Per kind: provisioning delay D (minutes), range, and the units the trace's p99 load needs (backtest.md). */
export const kindDefaults: Record<
  TargetKind,
  { delay: number; min: number; max: number; unitsAtP99: number }
> = {
  asg: { delay: 5, min: 2, max: 20, unitsAtP99: 10 },
  'rds-replicas': { delay: 15, min: 1, max: 6, unitsAtP99: 3 },
  'cache-shards': { delay: 10, min: 3, max: 15, unitsAtP99: 6 },
};

/** Everything every policy on one trace shares. */
export interface Scenario {
  readonly load: readonly number[];
  /** Load one unit serves at 100% utilisation. */
  readonly unitCapacity: number;
  readonly targetUtilisation: number;
  readonly min: number;
  readonly max: number;
  readonly delay: number;
}

export function scenarioFor(
  load: readonly number[],
  kind: TargetKind,
  overrides: Partial<Omit<Scenario, 'load' | 'unitCapacity'>> = {},
): Scenario {
  const d = kindDefaults[kind];
  const targetUtilisation = overrides.targetUtilisation ?? 0.7;
  const p99 = percentile(load, 0.99);
  return {
    load,
    unitCapacity: p99 / (d.unitsAtP99 * targetUtilisation),
    targetUtilisation,
    min: overrides.min ?? d.min,
    max: overrides.max ?? d.max,
    delay: overrides.delay ?? d.delay,
  };
}

/** What a policy may see at minute m: the past only (backtest.md, "What a policy sees"). */
export interface PolicyView {
  readonly minute: number;
  /** utilisation(j) for j ≤ m − 1. */
  utilisation(j: number): number;
  /** load(j) for j ≤ m − 1. */
  load(j: number): number;
  /** ordered(m − 1). */
  readonly ordered: number;
  /** serving(m − 1). */
  readonly serving: number;
}

/** A scaling policy in the simulator: created fresh per run, it may keep state between minutes. */
export interface SimPolicy {
  readonly name: string;
  /** Capacity at minute 0 (default: the oracle's). */
  start?(scenario: Scenario): number;
  /** True for the oracle only: it sees load(m) and its capacity serves at once. */
  readonly clairvoyant?: boolean;
  decide(view: PolicyView, scenario: Scenario, now: number): number;
  /** For predictive policies: the floor in force at the minute just decided (undefined: none). */
  floor?(): number | undefined;
  /** For predictive policies: the load forecast in force at the minute just decided, and the load its floors planned for. */
  forecast?(): { value: number; upper: number };
  /**
   * Why the minute just decided came out as it did (a reason code and a human message, as the functions
   * record them). The engine asks only at minutes whose ordered capacity changed.
   */
  explain?(): SimReason;
}

/** Why a policy ordered what it did: a reason code and a human message (the Scalepilot rows: the very ones `decideCapacity` returned). */
export interface SimReason {
  readonly reason: string;
  readonly message: string;
  /** The Scalepilot rows: the decision's explanation, when `decideCapacity` gives one (rules, floor, gates). */
  readonly explain?: DecisionExplanation;
}

/** One change of ordered capacity in a simulated run, with the policy's reason for it. */
export interface SimDecision extends SimReason {
  readonly minute: number;
  readonly from: number;
  readonly to: number;
}

export type PolicyFactory = () => SimPolicy;

/** Units the oracle orders for a load: `clamp(ceil(load / (u × T)))`. */
export function unitsFor(load: number, s: Scenario): number {
  return clamp(ceilUnits(load / (s.unitCapacity * s.targetUtilisation)), s);
}

export function clamp(units: number, s: Pick<Scenario, 'min' | 'max'>): number {
  return Math.min(s.max, Math.max(s.min, units));
}

export interface Timeline {
  readonly policy: string;
  readonly ordered: Int32Array;
  readonly serving: Int32Array;
  readonly utilisation: Float64Array;
  /** Predictive policies only: the floor in force each minute (NaN: none). */
  readonly floor?: Float64Array;
  /** Predictive policies only: the load forecast in force each minute and the load its floors planned for (NaN: none). */
  readonly forecast?: { readonly value: Float64Array; readonly upper: Float64Array };
  /** Every change of ordered capacity with its reason (policies that can `explain` themselves). */
  readonly decisions?: readonly SimDecision[];
}

/**
 * Runs one policy over the scenario, minute by minute, with the provisioning delay and the bounds. The engine's
 * own cost per minute is a few typed-array reads and writes; a policy that can `explain` itself is asked why
 * only at the minutes whose ordered capacity changed, and those land in `decisions`.
 */
export function simulate(policy: SimPolicy, s: Scenario, startTime = 0): Timeline {
  const n = s.load.length;
  const load = s.load;
  const ordered = new Int32Array(n);
  const serving = new Int32Array(n);
  const utilisation = new Float64Array(n);
  const floor = policy.floor ? new Float64Array(n).fill(Number.NaN) : undefined;
  const forecast = policy.forecast
    ? { value: new Float64Array(n).fill(Number.NaN), upper: new Float64Array(n).fill(Number.NaN) }
    : undefined;
  const decisions: SimDecision[] | undefined = policy.explain ? [] : undefined;
  const delay = policy.clairvoyant ? 0 : s.delay;
  const start = clamp(policy.start ? policy.start(s) : unitsFor(load[0] ?? 0, s), s);
  let m = 0;
  const view = new MinuteView(load, ordered, serving, utilisation, Boolean(policy.clairvoyant));
  // The last minute whose ordered capacity differs from the minute before's (minutes before 0 hold `start`):
  // once the delay has passed since, everything in the window is the same and serves.
  let changed = Number.NEGATIVE_INFINITY;
  for (m = 0; m < n; m += 1) {
    view.minute = m;
    if (m === 0) {
      ordered[0] = start;
    } else {
      const before = ordered[m - 1] as number;
      const next = clamp(Math.round(policy.decide(view, s, startTime + m * 60_000)), s);
      ordered[m] = next;
      if (next !== before) changed = m;
      if (decisions && next !== before)
        decisions.push({ minute: m, from: before, to: next, ...(policy.explain?.() as SimReason) });
      if (floor) floor[m] = policy.floor?.() ?? Number.NaN;
      if (forecast) {
        const f = policy.forecast?.();
        forecast.value[m] = f?.value ?? Number.NaN;
        forecast.upper[m] = f?.upper ?? Number.NaN;
      }
    }
    const least = m - changed > delay ? (ordered[m] as number) : servingAt(ordered, m, delay, start);
    serving[m] = least;
    utilisation[m] = (load[m] as number) / (least * s.unitCapacity);
  }
  return {
    policy: policy.name,
    ordered,
    serving,
    utilisation,
    ...(floor ? { floor } : {}),
    ...(forecast ? { forecast } : {}),
    ...(decisions ? { decisions } : {}),
  };
}

/**
 * What a policy sees at the minute being decided. One class for every run and policy (not an object of closures
 * made per run), so the policies' code reads it through one object shape, row after row.
 */
class MinuteView implements PolicyView {
  minute = 0;

  constructor(
    private readonly loads: readonly number[],
    private readonly orderedAt: Int32Array,
    private readonly servingAt: Int32Array,
    private readonly utilisationAt: Float64Array,
    private readonly clairvoyant: boolean,
  ) {}

  utilisation(j: number): number {
    if (j >= this.minute || j < 0) throw new RangeError(`minute ${this.minute} cannot see utilisation(${j})`);
    return this.utilisationAt[j] as number;
  }

  load(j: number): number {
    if (this.clairvoyant ? j > this.minute : j >= this.minute || j < 0)
      throw new RangeError(`minute ${this.minute} cannot see load(${j})`);
    return this.loads[j] as number;
  }

  get ordered(): number {
    return this.orderedAt[this.minute - 1] as number;
  }

  get serving(): number {
    return this.servingAt[this.minute - 1] as number;
  }
}

/**
 * Capacity serving at minute m: ordered capacity serves after `delay` minutes, and scale-in removes the
 * newest units first, so serving is the least ordered over the delay window (minutes before 0 at `start`).
 */
export function servingAt(ordered: ArrayLike<number>, m: number, delay: number, start: number): number {
  let least = ordered[m] as number;
  for (let j = m - delay; j < m; j += 1) least = Math.min(least, j < 0 ? start : (ordered[j] as number));
  return least;
}

/** The figures of backtest.md for one timeline. */
export interface Figures {
  readonly policy: string;
  readonly cost: number;
  readonly costRatio: number;
  readonly overloadMinutes: number;
  readonly unserved: number;
  readonly unservedPercent: number;
  readonly sloRiskMinutes: number;
  readonly actions: number;
  readonly flaps: number;
}

export function figures(t: Timeline, s: Scenario, oracleCost: number): Figures {
  let orderedSum = 0;
  let overload = 0;
  let slo = 0;
  let unserved = 0;
  let totalLoad = 0;
  let actions = 0;
  let flaps = 0;
  let lastAction: { minute: number; direction: number } | undefined;
  for (let m = 0; m < t.ordered.length; m += 1) {
    orderedSum += t.ordered[m] as number;
    const u = t.utilisation[m] as number;
    if (u > 1.0) overload += 1;
    if (u > 0.85) slo += 1;
    const load = s.load[m] as number;
    totalLoad += load;
    unserved += Math.max(0, load - (t.serving[m] as number) * s.unitCapacity);
    if (m > 0 && t.ordered[m] !== t.ordered[m - 1]) {
      actions += 1;
      const direction = Math.sign((t.ordered[m] as number) - (t.ordered[m - 1] as number));
      if (lastAction && lastAction.direction !== direction && m - lastAction.minute <= 15) flaps += 1;
      lastAction = { minute: m, direction };
    }
  }
  const cost = orderedSum / 60;
  return {
    policy: t.policy,
    cost,
    costRatio: oracleCost > 0 ? cost / oracleCost : Number.NaN,
    overloadMinutes: overload,
    unserved,
    unservedPercent: totalLoad > 0 ? (100 * unserved) / totalLoad : 0,
    sloRiskMinutes: slo,
    actions,
    flaps,
  };
}
