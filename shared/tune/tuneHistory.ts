import { validatePolicy } from '../policy/parsePolicy';
import { FloorTuningSchema, type PredictivePolicy, type Target, type TargetKind } from '../policy/schema';
import { scalepilot, targetTracking } from '../simulate/baselines';
import { type Scenario, scenarioFor, simulate, type Timeline } from '../simulate/engine';
import { benchFloorSettings } from '../simulate/predictive';
import { scalepilotTarget } from '../simulate/scalepilotTarget';
import type { MinuteSeries } from '../simulate/trace';
import {
  chooseCandidate,
  type Goal,
  type Ratios,
  type ResultTable,
  type RunFigures,
  ratiosOf,
} from './looSelection';
import { rangeFigures } from './rangeFigures';
import {
  FLOOR_GRID,
  type FloorPolicyKnobs,
  REACTIVE_GRID,
  type ReactiveKnobs,
  reactiveTargetKeys,
} from './reactiveKnobs';
import { type TunedRules, tunedRules } from './tunedRules';

/**
 * `scalepilot tune`: the knobs of one target chosen on the first two thirds of its own history and judged on the
 * last third, which the search never saw. First the reactive knobs (the rules alone, as they run whenever the
 * forecast is off), against target tracking's goal of ≤ 1.0× its overload at ≤ 1.0× its cost; then, for a
 * predictive target, the floors' sizing and their walk-forward tuning (`FLOOR_GRID`), against the kind's
 * predictive goal.
 * Every candidate runs once over the whole history (policies only look back) and is scored on each range, so the
 * forecasts are made once and every fold costs nothing more.
 */

/** The least history tune recommends from: two days to search on (a day before the first forecast), one to validate. */
export const MIN_TUNE_DAYS = 3;
/** The goals a choice is judged against (issue 22), as ratios to target tracking. */
export const REACTIVE_GOAL: Goal = { overload: 1, cost: 1 };
export const PREDICTIVE_GOALS: Record<TargetKind, Goal> = {
  asg: { overload: 0.4, cost: 1 },
  'rds-replicas': { overload: 0.25, cost: 1.05 },
  'cache-shards': { overload: 0.5, cost: 1 },
};

export interface TuneSettings {
  readonly kind: TargetKind;
  /**
   * The policy's target of the kind (its range, warm-up, rules and `predictive`): its target-tracking rule is the one
   * varied, its other rules on that rule's metric replay as they are (`tunedRules`); default: the backtest's.
   */
  readonly target?: Target;
  /** The policy's predictive section; predictive knobs are tuned only when it is enabled and the target predictive. */
  readonly predictive: PredictivePolicy;
}

/** Minutes [from, to) of the history. */
export interface Range {
  readonly from: number;
  readonly to: number;
}

/** One fold: chosen on the history before `validation`, scored on it. */
export interface TuneFold {
  readonly validation: Range;
  readonly reactive: ReactiveKnobs;
  readonly reactiveRatios: Ratios;
  readonly floors?: FloorPolicyKnobs;
  readonly predictiveRatios?: Ratios;
}

export type TuneResult =
  | {
      readonly status: 'recommended';
      readonly search: Range;
      readonly validation: Range;
      readonly reactive: ReactiveKnobs;
      /** Rules alone on the validation part, against target tracking. */
      readonly reactiveRatios: Ratios;
      /** Predictive targets: the floor knobs chosen, and rules with floors on the validation part. */
      readonly floors?: FloorPolicyKnobs;
      readonly predictiveRatios?: Ratios;
      /** Three forward folds over the last third, each chosen on everything before it. */
      readonly folds: readonly TuneFold[];
      /** With a policy target: the rule varied, and one line per rule of the target left out of the replay. */
      readonly rules?: { readonly tuned: string; readonly notReplayed: readonly string[] };
    }
  | { readonly status: 'refused'; readonly message: string };

/** Tunes one history (see the module's comment), or refuses with the reason when it is too short. */
export function tuneHistory(series: MinuteSeries, settings: TuneSettings): TuneResult {
  const minutes = series.load.length;
  if (minutes < MIN_TUNE_DAYS * 1440)
    return {
      status: 'refused',
      message: `${(minutes / 1440).toFixed(1)} days of history: tune needs at least ${MIN_TUNE_DAYS} (two to search on, one to validate on), 14 or more to be sure`,
    };
  const rules = settings.target ? tunedRules(settings.target) : undefined;
  if (rules && 'refused' in rules) return { status: 'refused', message: rules.refused };
  const cut = Math.floor((minutes * 2) / 3);
  const third = Math.floor((minutes - cut) / 3);
  const folds: Range[] = [0, 1, 2].map((i) => ({
    from: cut + i * third,
    to: i === 2 ? minutes : cut + (i + 1) * third,
  }));
  const scenario = tuneScenario(series, settings, cut);
  const own = settings.target && rules ? { target: settings.target, rules } : undefined;
  const reference = simulate(targetTracking(), scenario, series.start);
  const reactiveRuns = REACTIVE_GRID.map((knobs) =>
    simulate(scalepilot(candidateTarget(own, scenario, knobs), { name: 'r' })(), scenario, series.start),
  );
  const pickReactive = (before: number) =>
    best(reactiveRuns, reference, { from: 0, to: before }, REACTIVE_GOAL);
  const chosen = pickReactive(cut);
  const reactive = REACTIVE_GRID[chosen] as ReactiveKnobs;
  const validation = { from: cut, to: minutes };
  const predictive = predictiveStage(series, settings, own, scenario, reference, pickReactive);
  return {
    status: 'recommended',
    search: { from: 0, to: cut },
    validation,
    reactive,
    reactiveRatios: ratios(reactiveRuns[chosen] as Timeline, reference, validation),
    ...(predictive ? predictive.at(cut, validation) : {}),
    folds: folds.map((range) => {
      const c = pickReactive(range.from);
      return {
        validation: range,
        reactive: REACTIVE_GRID[c] as ReactiveKnobs,
        reactiveRatios: ratios(reactiveRuns[c] as Timeline, reference, range),
        ...(predictive ? predictive.at(range.from, range) : {}),
      };
    }),
    ...(rules ? { rules: { tuned: rules.tuned.name, notReplayed: rules.notReplayed } } : {}),
  };
}

/** The kind's scenario, with the target's range, a unit sized on the search part only (it never sees the rest). */
function tuneScenario(series: MinuteSeries, settings: TuneSettings, cut: number): Scenario {
  const range = settings.target
    ? { min: settings.target.capacity.min, max: settings.target.capacity.max }
    : {};
  return { ...scenarioFor(series.load.slice(0, cut), settings.kind, range), load: series.load };
}

/** A policy's target, with which of its rules tune varies and replays. */
interface OwnTarget {
  readonly target: Target;
  readonly rules: TunedRules;
}

/**
 * The target a candidate runs: the policy's target (or the backtest's) with the candidate's reactive knobs on the
 * rule tuned, its other replayed rules as they are (in their places), and with its floors' sizing when given
 * (which also releases scale-in under a floor).
 */
function candidateTarget(
  own: OwnTarget | undefined,
  s: Scenario,
  knobs: ReactiveKnobs,
  floorTargetPercent?: number,
  scaleInHoldsUnderFloor = true,
): Target {
  if (!own) return scalepilotTarget(s, knobs, floorTargetPercent, scaleInHoldsUnderFloor);
  const { tuned, replayed } = own.rules;
  const { rateLimits: _, ...rest } = own.target;
  const keys = reactiveTargetKeys(
    knobs,
    { name: tuned.name, metric: tuned.metric },
    floorTargetPercent,
    scaleInHoldsUnderFloor,
  );
  // Validated with every rule of the target (a cache-shards target needs its CPU and its memory rule, on two
  // metrics one trace cannot both be), then run with the rules the trace replays: the tuned one and those on it.
  const rules = own.target.rules.flatMap<unknown>((r) => (r === tuned ? keys.rules : [r]));
  const replays = new Set([...keys.rules.map((r) => r.name), ...replayed.map((r) => r.name)]);
  const policy = validatePolicy(
    {
      version: 1,
      maxUnitsPerDecision: Math.max(1, s.max - s.min),
      targets: [{ ...rest, ...keys, rules }],
    },
    `the tuned candidate of ${own.target.name}`,
  );
  const target = policy.targets[0] as Target;
  return { ...target, rules: target.rules.filter((r) => replays.has(r.name)) } as Target;
}

/** The predictive stage: with the reactive knobs of each search range, the floors' knobs. */
function predictiveStage(
  series: MinuteSeries,
  settings: TuneSettings,
  own: OwnTarget | undefined,
  scenario: Scenario,
  reference: Timeline,
  pickReactive: (before: number) => number,
) {
  const predictive = settings.predictive.enabled && (settings.target?.predictive ?? true);
  if (!predictive) return undefined;
  const goal = PREDICTIVE_GOALS[settings.kind];
  // One set of runs per reactive choice a range makes (usually one or two), each over every floor candidate.
  const runs = new Map<number, Timeline[]>();
  const runsFor = (c: number) => {
    let made = runs.get(c);
    if (!made) {
      made = FLOOR_GRID.map((knobs) => {
        const { floorTargetPercent, scaleInHoldsUnderFloor, trustMaseRatio, seasonalFloor, tuning } = knobs;
        const { maxBufferPercent, maxBufferOfMeanPercent } = knobs;
        const target = candidateTarget(
          own,
          scenario,
          REACTIVE_GRID[c] as ReactiveKnobs,
          floorTargetPercent,
          scaleInHoldsUnderFloor,
        );
        const floors = benchFloorSettings(series.stepMinutes, {
          ...settings.predictive,
          trustMaseRatio,
          seasonalFloor: [...seasonalFloor],
          maxBufferPercent,
          maxBufferOfMeanPercent,
          // The candidate's tuning over the schema's defaults (not the policy's: a candidate is a whole setting).
          tuning: FloorTuningSchema.parse(tuning),
        });
        return simulate(scalepilot(target, { floors })(), scenario, series.start);
      });
      runs.set(c, made);
    }
    return made;
  };
  return {
    /** Chosen on the minutes before `before`, scored on `range`. */
    at(before: number, range: Range): { floors: FloorPolicyKnobs; predictiveRatios: Ratios } {
      const made = runsFor(pickReactive(before));
      const p = best(made, reference, { from: 0, to: before }, goal);
      return {
        floors: FLOOR_GRID[p] as FloorPolicyKnobs,
        predictiveRatios: ratios(made[p] as Timeline, reference, range),
      };
    },
  };
}

/** The run chosen on a range, by the bench's rule (`chooseCandidate`: the cheapest that meets the goal, else the closest). */
function best(runs: readonly Timeline[], reference: Timeline, range: Range, goal: Goal): number {
  const figures = runs.map((run) => rangeFigures(run, range.from, range.to));
  const table: ResultTable = {
    candidates: runs.length,
    traces: ['history'],
    kinds: ['asg'], // one goal, whatever the target's kind: the label is only a key
    result: (c) => figures[c] as RunFigures,
    reference: () => rangeFigures(reference, range.from, range.to),
  };
  return chooseCandidate(table, table.traces, { asg: goal });
}

/** A run's overload and cost over a range, as ratios to the reference's. */
function ratios(run: Timeline, reference: Timeline, range: Range): Ratios {
  return ratiosOf(rangeFigures(run, range.from, range.to), rangeFigures(reference, range.from, range.to));
}
