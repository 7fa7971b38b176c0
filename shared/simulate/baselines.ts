import { decideCapacity } from '../decision/decideCapacity';
import { historySeconds, nextHistory } from '../decision/nextHistory';
import { ceilUnits } from '../decision/ruleRecommendation';
import type { MetricReading, ScalingHistory } from '../decision/types';
import { validatePolicy } from '../policy/parsePolicy';
import type { Target } from '../policy/schema';
import {
  FLOOR_DEFAULTS,
  REACTIVE_DEFAULTS,
  type ReactiveKnobs,
  reactiveTargetKeys,
} from '../tune/reactiveKnobs';
import { clamp, type PolicyFactory, type Scenario, type SimPolicy, unitsFor } from './engine';
import { type FloorSettings, floorPlanner } from './predictive';

/** Demand with booting capacity counted as serving: `ceil(load(m−1) / (u × T))` (precise rule 7). */
const demand = (load: number, s: Scenario) => ceilUnits(load / (s.unitCapacity * s.targetUtilisation));

/** Orders what the load of this very minute needs, with no delay: the floor for cost. */
export const oracle: PolicyFactory = () => ({
  name: 'oracle',
  clairvoyant: true,
  decide: (view, s) => unitsFor(view.load(view.minute), s),
});

/** Provisioned for the trace's peak all along. */
export const staticPeak: PolicyFactory = () => {
  let units: number | undefined;
  const peak = (s: Scenario) => {
    units ??= unitsFor(
      s.load.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY),
      s,
    );
    return units;
  };
  return { name: 'static-peak', start: peak, decide: (_view, s) => peak(s) };
};

/** The seeds' step policy: > 70% add 2 (cooldown 300 s), < 30% remove 1 (cooldown 600 s). */
export const stepSeed: PolicyFactory = () => {
  let lastOut = Number.NEGATIVE_INFINITY;
  let lastIn = Number.NEGATIVE_INFINITY;
  return {
    name: 'step-seed',
    decide(view, s) {
      const m = view.minute;
      const u = view.utilisation(m - 1);
      const current = view.ordered;
      if (u > 0.7 && (m - lastOut) * 60 >= 300) {
        const next = clamp(current + 2, s);
        if (next !== current) lastOut = m; // a step clamped to no change starts no cooldown
        return next;
      }
      if (u < 0.3 && (m - lastIn) * 60 >= 600) {
        const next = clamp(current - 1, s);
        if (next !== current) lastIn = m;
        return next;
      }
      return current;
    },
  };
};

/** A model of AWS target tracking: 3 high datapoints to scale out; 15 low ones, at most 10% at a time, to scale in. */
export const targetTracking: PolicyFactory = () => {
  let lastIn = Number.NEGATIVE_INFINITY;
  return {
    name: 'target-tracking',
    decide(view, s) {
      const m = view.minute;
      const T = s.targetUtilisation;
      const current = view.ordered;
      const last = (k: number) => Array.from({ length: k }, (_, i) => view.utilisation(m - 1 - i));
      if (m >= 3 && last(3).every((u) => u > T)) {
        const want = demand(view.load(m - 1), s);
        return Math.max(current, want);
      }
      // After a scale-in the next one needs 15 datapoints observed since it.
      if (m >= 15 && m - 15 >= lastIn && last(15).every((u) => u < 0.9 * T)) {
        const floor = current - Math.max(1, Math.floor(0.1 * current));
        const next = clamp(Math.max(floor, demand(view.load(m - 1), s)), s);
        if (next < current) {
          lastIn = m;
          return next;
        }
      }
      return current;
    },
  };
};

/** The Kubernetes HPA, default behaviour, one decision a minute. */
export const hpa: PolicyFactory = () => {
  const recommendations: number[] = [];
  return {
    name: 'hpa',
    decide(view, s) {
      const m = view.minute;
      const current = view.ordered;
      const load = view.load(m - 1);
      const ratio = load / (current * s.unitCapacity * s.targetUtilisation);
      const recommendation = Math.abs(ratio - 1) <= 0.1 ? current : demand(load, s);
      recommendations[m] = recommendation;
      if (recommendation > current) {
        let limit = current;
        for (let round = 0; round < 4; round += 1) limit = Math.max(2 * limit, limit + 4); // four 15 s periods
        return clamp(Math.min(recommendation, limit), s);
      }
      let highest = recommendation;
      for (let j = Math.max(1, m - 4); j <= m; j += 1)
        highest = Math.max(highest, recommendations[j] ?? current);
      return clamp(Math.min(current, highest), s);
    },
  };
};

/** The seeds' policy as Scalepilot runs it (step 70/30, +2/−1, cooldowns 300/600 s, windows 60/300 s). */
export function seedTarget(s: Scenario, delayMinutes: number): Target {
  const policy = validatePolicy({
    version: 1,
    maxUnitsPerDecision: Math.max(1, s.max - s.min),
    targets: [
      {
        name: 'backtest',
        kind: 'asg',
        autoScalingGroupName: 'backtest',
        capacity: { min: s.min, max: s.max },
        instanceWarmupSeconds: Math.max(60, delayMinutes * 60),
        rules: [
          {
            name: 'utilisation',
            type: 'step',
            metric: { namespace: 'Backtest', name: 'Utilisation' },
            scaleOut: [{ above: 70, add: 2 }],
            scaleIn: [{ below: 30, remove: 1 }],
          },
        ],
      },
    ],
  });
  return policy.targets[0] as Target;
}

/**
 * The policy the backtest's Scalepilot runs when none is given, as an operator would write it in
 * scalepilot.yml: target tracking on the reactive knobs chosen leave-one-trace-out (`REACTIVE_DEFAULTS`,
 * shared/tune/reactiveKnobs.ts: 70% with a 10% band, acting on the first datapoint past it, coming down at most
 * 10% per 15 minutes), with the predictive floors on top (sized at the same target, their knobs tuned per target
 * walk-forward). `knobs` runs another candidate of the same shape (the bench's grid, `scalepilot tune`).
 */
export const REACTIVE_TARGET_PERCENT = REACTIVE_DEFAULTS.targetPercent;
export function scalepilotTarget(
  s: Scenario,
  knobs: ReactiveKnobs = REACTIVE_DEFAULTS,
  floorTargetPercent = FLOOR_DEFAULTS.floorTargetPercent,
): Target {
  const policy = validatePolicy({
    version: 1,
    maxUnitsPerDecision: Math.max(1, s.max - s.min),
    targets: [
      {
        name: 'backtest',
        kind: 'asg',
        autoScalingGroupName: 'backtest',
        capacity: { min: s.min, max: s.max },
        instanceWarmupSeconds: Math.max(60, s.delay * 60),
        predictive: true,
        ...reactiveTargetKeys(
          knobs,
          { name: 'utilisation', metric: { namespace: 'Backtest', name: 'Utilisation' } },
          floorTargetPercent,
        ),
      },
    ],
  });
  return policy.targets[0] as Target;
}

/** How the backtest's Scalepilot runs: its name, and the predictive floors' settings (none: reactive only). */
export interface ScalepilotOptions {
  readonly name?: string;
  readonly floors?: FloorSettings;
}

/**
 * Scalepilot itself: every minute, the very `decideCapacity` the Lambdas run, on the utilisation (in %)
 * of the minute before, with a history kept as the ledger keeps it. With floors, the predict function's
 * hourly run too: a forecast from the load before that minute (never after), its floors passed to each
 * minute's decision as `floor`.
 */
export function scalepilot(target?: Target, options: ScalepilotOptions = {}): PolicyFactory {
  return () => {
    let history: ScalingHistory = { recommendations: [], changes: [] };
    let resolved: Target | undefined = target;
    let planner: ReturnType<typeof floorPlanner> | undefined;
    let floorNow: number | undefined;
    let minuteNow = 0;
    const settings = options.floors;
    const policy: SimPolicy = {
      name: options.name ?? 'scalepilot',
      decide(view, s, now) {
        resolved ??= seedTarget(s, s.delay);
        const at = new Date(now);
        planner ??= settings
          ? floorPlanner(
              settings,
              resolved,
              { unitCapacity: s.unitCapacity, max: s.max },
              s.load.length,
              s.load,
            )
          : undefined;
        const rule = resolved.rules[0];
        // The complete minutes before this one, as GetMetricData gives them (timestamps at period starts).
        const periods = Math.max(1, ...resolved.rules.map((r) => r.evaluationPeriods));
        const recent: MetricReading[] = [];
        for (let j = Math.max(0, view.minute - periods); j < view.minute; j += 1)
          recent.push({
            value: view.utilisation(j) * 100,
            timestamp: new Date(now - (view.minute - j) * 60_000),
          });
        const readings = Object.fromEntries(resolved.rules.map((r) => [r.name, recent]));
        const floor = planner?.at(view.minute, now, view.load);
        floorNow = floor?.units;
        minuteNow = view.minute;
        const decision = decideCapacity({
          target: resolved,
          policyMaxUnitsPerDecision: Math.max(1, s.max - s.min),
          state: { current: view.ordered, serving: view.serving, liveMin: s.min, liveMax: s.max },
          readings: rule ? readings : {},
          history,
          now: at,
          ...(floor ? { floor } : {}),
        });
        history = nextHistory(history, decision, at, true, historySeconds(resolved));
        return decision.desired;
      },
      ...(settings
        ? {
            floor: () => floorNow,
            forecast: () => planner?.forecastAt(minuteNow) ?? { value: Number.NaN, upper: Number.NaN },
          }
        : {}),
    };
    return policy;
  };
}

export const baselines: PolicyFactory[] = [oracle, staticPeak, stepSeed, targetTracking, hpa];
