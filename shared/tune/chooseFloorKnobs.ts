import { HEADROOM_QUANTILE, HEADROOM_WINDOW_MINUTES, MIN_CALIBRATION_MINUTES } from '../decision/floorSizing';
import type { LoadHistory } from '../forecast/types';
import type { FloorTuning } from '../policy/schema';
import type { ForecastRun } from './forecastRuns';

/**
 * Walk-forward choice of a target's floor knobs from its own past: every run replays, on the target's last
 * `windowHours`, the floors each allowed setting would have written from the forecasts that were then in force
 * (each headroom measured from the ratios known when that run was made, never later ones), under the rules'
 * own reaction, and keeps the setting that would have cost least: capacity in unit-minutes, plus
 * `overloadMinuteCost` for every minute the load was above it. Pure, and only the past: runs made before `now`,
 * load of steps that ended by `now`.
 *
 * The replay is deliberately coarse (the history's step, a rule that orders what the last step needed and
 * holds it for its scale-in window): it ranks settings, the floors themselves are sized as always.
 */

/** The knobs one target's floors run with. */
export interface FloorKnobs {
  /** The quantile of actual ÷ forecast the headroom plans for. */
  readonly headroomQuantile: number;
  /** How long a floor stays at a step's need after that step. */
  readonly holdMinutes: number;
  /** False: no floors, the rules alone (the setting that paid best was none). */
  readonly floors: boolean;
}

/** What the choice is made from. Loads are in the rule's unit: percent of one unit, summed over units. */
export interface FloorKnobInput {
  /** Past runs' forecasts, oldest first. */
  readonly runs: readonly ForecastRun[];
  /** The load per step, at the runs' step (timestamps at step starts). */
  readonly actual: LoadHistory;
  /** The load one unit carries at the utilisation the floors size it at. */
  readonly perUnit: number;
  /** The load one unit carries at the rule's own target (what the rules alone order). */
  readonly rulePerUnit: number;
  /** The same while a floor is in force (a target-tracking rule with a `floorTarget` aims at it then). */
  readonly rulePerUnitUnderFloor: number;
  /** How early capacity must be ordered: the warm-up or provisioning delay. */
  readonly leadMinutes: number;
  /** The rules' scale-in stabilisation window: how long they hold what they ordered. */
  readonly scaleInWindowMinutes: number;
  /** False: under a floor the rules come down without their window (`stabilization.scaleInHoldsUnderFloor`). */
  readonly scaleInHoldsUnderFloor: boolean;
  readonly min: number;
  readonly max: number;
  /** The policy's buffer: the headroom while under 4 hours of ratios are known. */
  readonly bufferPercent: number;
  readonly tuning: FloorTuning;
  /** Epoch ms of the run choosing. */
  readonly now: number;
}

/** The knobs chosen and why (for the run's decision message). */
export interface KnobChoice {
  readonly knobs: FloorKnobs;
  readonly why: string;
}

const MINUTE = 60_000;
/** Under this much scored past, the defaults stand. */
export const MIN_SCORED_MINUTES = 1440;
/** The settings tried, within the policy's ranges (the ranges' ends are always tried). */
const QUANTILES = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 0.995];
const HOLDS = [0, 15, 30, 60, 120, 240];

/** The knobs of a target without tuning, or before it has the record to tune on. */
export function defaultKnobs(tuning: FloorTuning): FloorKnobs {
  if (!tuning.enabled) return { headroomQuantile: HEADROOM_QUANTILE, holdMinutes: 0, floors: true };
  const q = tuning.headroomQuantile;
  return {
    headroomQuantile: Math.min(q.max, Math.max(q.min, HEADROOM_QUANTILE)),
    holdMinutes: tuning.holdMinutes.min,
    floors: true,
  };
}

/** The settings the policy allows: the default first (it wins ties), then every other in range. */
export function candidateKnobs(tuning: FloorTuning): FloorKnobs[] {
  const first = defaultKnobs(tuning);
  if (!tuning.enabled) return [first];
  const within = (values: number[], r: { min: number; max: number }) =>
    [...new Set([r.min, ...values.filter((v) => v > r.min && v < r.max), r.max])].sort((a, b) => a - b);
  const all: FloorKnobs[] = [first];
  for (const headroomQuantile of within(QUANTILES, tuning.headroomQuantile))
    for (const holdMinutes of within(HOLDS, tuning.holdMinutes))
      if (headroomQuantile !== first.headroomQuantile || holdMinutes !== first.holdMinutes)
        all.push({ headroomQuantile, holdMinutes, floors: true });
  if (tuning.allowReactiveOnly) all.push({ ...first, floors: false });
  return all;
}

/** The run in force at each scored step, and the step's place in its forecast. */
interface InForce {
  readonly time: number;
  readonly actual: number;
  readonly run: number;
  readonly index: number;
}

/** Chooses the knobs for the next run (see the module's comment); the defaults until 24 h can be scored. */
export function chooseFloorKnobs(input: FloorKnobInput): KnobChoice {
  const { tuning } = input;
  const fallback = defaultKnobs(tuning);
  if (!tuning.enabled) return { knobs: fallback, why: 'tuning off' };
  const runs = input.runs.filter((r) => r.madeAt < input.now);
  const step = runs.at(-1)?.stepMinutes;
  if (step === undefined) return { knobs: fallback, why: 'no past runs to tune on' };
  const stepMs = step * MINUTE;
  const actual = new Map<number, number>();
  input.actual.times.forEach((t, i) => {
    const v = input.actual.values[i];
    if (v !== undefined && Number.isFinite(v) && t + stepMs <= input.now) actual.set(t, v);
  });
  const inForce = stepsInForce(runs, actual, stepMs, input.now);
  const from = input.now - tuning.windowHours * 60 * MINUTE;
  const scored = inForce.filter((s) => s.time >= from);
  if (scored.length * step < MIN_SCORED_MINUTES)
    return {
      knobs: fallback,
      why: `${Math.round((scored.length * step) / 60)} h of runs scored, under ${MIN_SCORED_MINUTES / 60} h: defaults`,
    };
  const ratios = ratiosBefore(runs, inForce);
  const held = reactiveUnits(scored, actual, stepMs, input, input.rulePerUnit, input.scaleInWindowMinutes);
  const underFloor = reactiveUnits(
    scored,
    actual,
    stepMs,
    input,
    input.rulePerUnitUnderFloor,
    input.scaleInHoldsUnderFloor ? input.scaleInWindowMinutes : 0,
  );
  let best = { knobs: fallback, score: Number.POSITIVE_INFINITY, cost: 0, overload: 0 };
  for (const knobs of candidateKnobs(tuning)) {
    const s = replay(knobs, scored, runs, ratios, knobs.floors ? underFloor : held, input, step);
    if (s.score < best.score) best = { knobs, ...s };
  }
  const k = best.knobs;
  return {
    knobs: k,
    why: `${k.floors ? `headroom quantile ${k.headroomQuantile}, hold ${k.holdMinutes} min` : 'no floors'}: ${Math.round(best.cost)} unit-min and ${best.overload} overload min over the last ${Math.round((scored.length * step) / 60)} h`,
  };
}

/** Each step that has ended with a known load, and the run whose floors were in force at its start. */
function stepsInForce(
  runs: readonly ForecastRun[],
  actual: ReadonlyMap<number, number>,
  stepMs: number,
  now: number,
): InForce[] {
  const out: InForce[] = [];
  runs.forEach((run, r) => {
    if (run.stepMinutes * MINUTE !== stepMs) return;
    const until = Math.min(runs[r + 1]?.madeAt ?? now, now);
    run.point.forEach((_, index) => {
      const time = run.start + index * stepMs;
      const value = actual.get(time);
      if (time >= run.madeAt - stepMs && time < until && value !== undefined)
        out.push({ time, actual: value, run: r, index });
    });
  });
  return out;
}

/**
 * Per run, the sorted actual ÷ forecast ratios of the steps in force within the headroom's window before it was
 * made (the calibration that run had), or undefined under the calibration's minimum (the buffer stood in).
 */
function ratiosBefore(runs: readonly ForecastRun[], inForce: readonly InForce[]): (number[] | undefined)[] {
  return runs.map((run) => {
    const stepMs = run.stepMinutes * MINUTE;
    const from = run.madeAt - HEADROOM_WINDOW_MINUTES * MINUTE;
    const ratios: number[] = [];
    for (const s of inForce) {
      if (s.time < from || s.time + stepMs > run.madeAt) continue;
      const predicted = runs[s.run]?.point[s.index];
      if (predicted !== undefined && predicted > 0) ratios.push(s.actual / predicted);
    }
    if (ratios.length * run.stepMinutes < MIN_CALIBRATION_MINUTES) return undefined;
    return ratios.sort((a, b) => a - b);
  });
}

/** What the rules would have had serving at each scored step: the need seen a lead earlier, held for `holdMinutes`. */
function reactiveUnits(
  scored: readonly InForce[],
  actual: ReadonlyMap<number, number>,
  stepMs: number,
  input: Pick<FloorKnobInput, 'leadMinutes'>,
  perUnit: number,
  holdMinutes: number,
): number[] {
  const step = stepMs / MINUTE;
  const delay = Math.max(1, Math.ceil(input.leadMinutes / step));
  const hold = Math.ceil(holdMinutes / step);
  return scored.map((s) => {
    let units = 0;
    for (let j = delay; j <= delay + hold; j += 1) {
      const v = actual.get(s.time - j * stepMs);
      if (v !== undefined) units = Math.max(units, Math.ceil(v / perUnit - 1e-9));
    }
    return units;
  });
}

/** One setting's cost over the scored steps: capacity (unit-minutes) plus priced overload minutes. */
function replay(
  knobs: FloorKnobs,
  scored: readonly InForce[],
  runs: readonly ForecastRun[],
  ratios: readonly (number[] | undefined)[],
  reactive: readonly number[],
  input: FloorKnobInput,
  step: number,
): { score: number; cost: number; overload: number } {
  const lead = Math.ceil(input.leadMinutes / step);
  const hold = Math.ceil(knobs.holdMinutes / step);
  const headroom = runs.map((_, r) => {
    const sorted = ratios[r];
    if (!sorted) return 1 + input.bufferPercent / 100;
    const q = sorted[
      Math.min(sorted.length - 1, Math.floor(knobs.headroomQuantile * sorted.length))
    ] as number;
    return Math.max(1, q);
  });
  // Loads are in percent of a unit: a unit at 100% carries 100, and load above what serves overloads.
  const full = 100;
  let cost = 0;
  let overload = 0;
  scored.forEach((s, i) => {
    let floor = 0;
    if (knobs.floors) {
      const point = runs[s.run]?.point ?? [];
      const h = headroom[s.run] as number;
      for (let j = Math.max(0, s.index - hold); j <= Math.min(point.length - 1, s.index + lead); j += 1)
        floor = Math.max(floor, Math.ceil(((point[j] as number) * h) / input.perUnit - 1e-9));
    }
    const capacity = Math.min(input.max, Math.max(input.min, floor, reactive[i] as number));
    cost += capacity * step;
    if (s.actual > capacity * full) overload += step;
  });
  return { score: cost + input.tuning.overloadMinuteCost * overload, cost, overload };
}
