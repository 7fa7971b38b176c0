import { ceilUnits } from '../decision/ruleRecommendation';
import { REACTIVE_DEFAULTS } from '../tune/reactiveKnobs';
import { clamp, type PolicyFactory, type Scenario, type SimReason, unitsFor } from './engine';

export { type ScalepilotOptions, scalepilot } from './scalepilot';

/** Demand with booting capacity counted as serving: `ceil(load(m−1) / (u × T))` (precise rule 7). */
const demand = (load: number, s: Scenario) => ceilUnits(load / (s.unitCapacity * s.targetUtilisation));

const percent = (u: number) => `${Number((u * 100).toFixed(1))}%`;
const amount = (x: number) => Number(x.toPrecision(4));

/** Orders what the load of this very minute needs, with no delay: the floor for cost. */
export const oracle: PolicyFactory = () => {
  const seen = { load: 0, units: 0, T: 0 };
  return {
    name: 'oracle',
    clairvoyant: true,
    decide(view, s) {
      seen.load = view.load(view.minute);
      seen.units = unitsFor(seen.load, s);
      seen.T = s.targetUtilisation;
      return seen.units;
    },
    explain: () => ({
      reason: 'PerfectForesight',
      message: `perfect foresight: this minute's load ${amount(seen.load)} needs ${seen.units} units at ${percent(seen.T)}, serving at once`,
    }),
  };
};

/** The largest load (NaN if any is), in a plain loop (a callback per minute showed in a cold year's backtest). */
function peakOf(load: readonly number[]): number {
  let peak = Number.NEGATIVE_INFINITY;
  for (let m = 0; m < load.length; m += 1) peak = Math.max(peak, load[m] as number);
  return peak;
}

/** Provisioned for the trace's peak all along. */
export const staticPeak: PolicyFactory = () => {
  let units: number | undefined;
  const peak = (s: Scenario) => {
    units ??= unitsFor(peakOf(s.load), s);
    return units;
  };
  return {
    name: 'static-peak',
    start: peak,
    decide: (_view, s) => peak(s),
    explain: () => ({
      reason: 'StaticPeak',
      message: `provisioned for the trace's peak load: ${units} units all along`,
    }),
  };
};

/** The seeds' step policy: > 70% add 2 (cooldown 300 s), < 30% remove 1 (cooldown 600 s). */
export const stepSeed: PolicyFactory = () => {
  let lastOut = Number.NEGATIVE_INFINITY;
  let lastIn = Number.NEGATIVE_INFINITY;
  let seen = 0;
  return {
    name: 'step-seed',
    decide(view, s) {
      const m = view.minute;
      const u = view.utilisation(m - 1);
      seen = u;
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
    explain: (): SimReason =>
      seen > 0.7
        ? {
            reason: 'StepScaleOut',
            message: `utilisation ${percent(seen)} > 70%: add 2 (then a 300 s cooldown)`,
          }
        : {
            reason: 'StepScaleIn',
            message: `utilisation ${percent(seen)} < 30%: remove 1 (then a 600 s cooldown)`,
          },
  };
};

/** A model of AWS target tracking: 3 high datapoints to scale out; 15 low ones, at most 10% at a time, to scale in. */
export const targetTracking: PolicyFactory = () => {
  let lastIn = Number.NEGATIVE_INFINITY;
  // The datapoints seen so far, folded into how many of the newest are above T and below 0.9 × T in a row.
  let seen = 0;
  let highRun = 0;
  let lowRun = 0;
  const why = { out: true, utilisation: 0, want: 0, T: 0 };
  const note = (out: boolean, utilisation: number, want: number, T: number) => {
    why.out = out;
    why.utilisation = utilisation;
    why.want = want;
    why.T = T;
  };
  return {
    name: 'target-tracking',
    decide(view, s) {
      const m = view.minute;
      const T = s.targetUtilisation;
      for (; seen < m; seen += 1) {
        const u = view.utilisation(seen);
        highRun = u > T ? highRun + 1 : 0;
        lowRun = u < 0.9 * T ? lowRun + 1 : 0;
      }
      const current = view.ordered;
      if (highRun >= 3) {
        const want = demand(view.load(m - 1), s);
        note(true, view.utilisation(m - 1), want, T);
        return Math.max(current, want);
      }
      // After a scale-in the next one needs 15 datapoints observed since it.
      if (m - 15 >= lastIn && lowRun >= 15) {
        const floor = current - Math.max(1, Math.floor(0.1 * current));
        const want = demand(view.load(m - 1), s);
        const next = clamp(Math.max(floor, want), s);
        if (next < current) {
          lastIn = m;
          note(false, view.utilisation(m - 1), want, T);
          return next;
        }
      }
      return current;
    },
    explain: () =>
      why.out
        ? {
            reason: 'TargetTrackingScaleOut',
            message: `3 datapoints above ${percent(why.T)} (last ${percent(why.utilisation)}): the last minute's load needs ${why.want} units at ${percent(why.T)}`,
          }
        : {
            reason: 'TargetTrackingScaleIn',
            message: `15 datapoints below ${percent(0.9 * why.T)} (last ${percent(why.utilisation)}): in by at most 10% towards the ${why.want} units the last minute's load needs`,
          },
  };
};

/** The Kubernetes HPA, default behaviour, one decision a minute. */
export const hpa: PolicyFactory = () => {
  let recommendations: Int32Array | undefined;
  const why = { reason: '', ratio: 0, recommendation: 0, limit: 0, highest: 0 };
  const note = (reason: string, ratio: number, recommendation: number, limit: number, highest: number) => {
    why.reason = reason;
    why.ratio = ratio;
    why.recommendation = recommendation;
    why.limit = limit;
    why.highest = highest;
  };
  return {
    name: 'hpa',
    decide(view, s) {
      const m = view.minute;
      recommendations ??= new Int32Array(s.load.length + 1);
      const current = view.ordered;
      const load = view.load(m - 1);
      const ratio = load / (current * s.unitCapacity * s.targetUtilisation);
      const recommendation = Math.abs(ratio - 1) <= 0.1 ? current : demand(load, s);
      recommendations[m] = recommendation;
      if (recommendation > current) {
        let limit = current;
        for (let round = 0; round < 4; round += 1) limit = Math.max(2 * limit, limit + 4); // four 15 s periods
        const want = Math.min(recommendation, limit);
        const reason =
          clamp(want, s) < want ? 'TooManyReplicas' : want < recommendation ? 'ScaleUpLimit' : 'HpaScaleUp';
        note(reason, ratio, recommendation, limit, 0);
        return clamp(want, s);
      }
      // Decided every minute from minute 1, so each of minutes m−4..m has its recommendation.
      let highest = recommendation;
      for (let j = Math.max(1, m - 4); j <= m; j += 1)
        highest = Math.max(highest, recommendations[j] as number);
      note('HpaScaleDown', ratio, recommendation, 0, highest);
      return clamp(Math.min(current, highest), s);
    },
    explain(): SimReason {
      const ratio = `utilisation ÷ target ${why.ratio.toFixed(2)}, outside ±0.1`;
      if (why.reason === 'HpaScaleDown')
        return {
          reason: why.reason,
          message: `${ratio}: recommends ${why.recommendation}; down to the highest recommendation of the last 5 minutes, ${why.highest}`,
        };
      return {
        reason: why.reason,
        message:
          why.reason === 'ScaleUpLimit'
            ? `${ratio}: recommends ${why.recommendation}, limited to ${why.limit} (max(2×, +4) per 15 s, four periods a minute)`
            : why.reason === 'TooManyReplicas'
              ? `${ratio}: recommends ${why.recommendation}, held at the maximum`
              : `${ratio}: recommends ${why.recommendation}`,
      };
    },
  };
};

/** The backtest policy's utilisation target, % of a unit (`REACTIVE_DEFAULTS`, shared/tune/reactiveKnobs.ts). */
export const REACTIVE_TARGET_PERCENT = REACTIVE_DEFAULTS.targetPercent;

export const baselines: PolicyFactory[] = [oracle, staticPeak, stepSeed, targetTracking, hpa];
