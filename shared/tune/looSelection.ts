import type { TargetKind } from '../policy/schema';

/**
 * Choosing a default from a grid of candidates, judged the way the goals are: against target tracking, summed
 * over traces, per kind. A default is chosen on some traces and scored on others; leave-one-trace-out scores
 * every trace with the default chosen without it, so a figure never comes from parameters fitted to its own file.
 */

/** A run's two figures: cost (unit-hours) and overload minutes. */
export interface RunFigures {
  readonly cost: number;
  readonly overload: number;
}

/** A goal on the totals: overload and cost, each as a ratio to target tracking's. */
export interface Goal {
  readonly overload: number;
  readonly cost: number;
}

/** Every candidate's figures, and the reference's (target tracking), per trace and kind. */
export interface ResultTable {
  readonly candidates: number;
  readonly traces: readonly string[];
  readonly kinds: readonly TargetKind[];
  result(candidate: number, trace: string, kind: TargetKind): RunFigures;
  reference(trace: string, kind: TargetKind): RunFigures;
}

/** Overload and cost as ratios to the reference's, over some traces of one kind. */
export interface Ratios {
  readonly overload: number;
  readonly cost: number;
}

/** Ratios of the sums (precise rule 12) when each trace is run with the candidate `pick(trace)` chooses. */
export function totalRatios(
  table: ResultTable,
  traces: readonly string[],
  kind: TargetKind,
  pick: (trace: string) => number,
): Ratios {
  let overload = 0;
  let cost = 0;
  let refOverload = 0;
  let refCost = 0;
  for (const trace of traces) {
    const r = table.result(pick(trace), trace, kind);
    const ref = table.reference(trace, kind);
    overload += r.overload;
    cost += r.cost;
    refOverload += ref.overload;
    refCost += ref.cost;
  }
  return ratiosOf({ overload, cost }, { overload: refOverload, cost: refCost });
}

/** One run's (or one sum's) figures as ratios to the reference's. */
export function ratiosOf(run: RunFigures, reference: RunFigures): Ratios {
  return { overload: ratio(run.overload, reference.overload), cost: ratio(run.cost, reference.cost) };
}

/**
 * a ÷ b, where nothing against nothing is 0 and something against nothing is ∞: a goal of "at most 0.4× the
 * reference's overload" on a load the reference never overloaded is met by none and missed by any.
 */
function ratio(a: number, b: number): number {
  if (b > 0) return a / b;
  return a > 0 ? Number.POSITIVE_INFINITY : 0;
}

/**
 * How far a candidate is from its goals on some traces: the largest of overload ÷ goal and cost ÷ goal over the
 * kinds (≤ 1: every goal met; the lower, the more room on the tightest one).
 */
export function goalScore(
  table: ResultTable,
  candidate: number,
  traces: readonly string[],
  goals: Readonly<Partial<Record<TargetKind, Goal>>>,
): number {
  return worstOverKinds(table, candidate, traces, goals, (r, goal) =>
    Math.max(r.overload / goal.overload, r.cost / goal.cost),
  );
}

/** The largest cost ratio ÷ goal over the kinds: how much of its cost budget a candidate spends. */
function costScore(
  table: ResultTable,
  candidate: number,
  traces: readonly string[],
  goals: Readonly<Partial<Record<TargetKind, Goal>>>,
): number {
  return worstOverKinds(table, candidate, traces, goals, (r, goal) => r.cost / goal.cost);
}

/** The largest `score` of a candidate's total ratios over the kinds that have a goal. */
function worstOverKinds(
  table: ResultTable,
  candidate: number,
  traces: readonly string[],
  goals: Readonly<Partial<Record<TargetKind, Goal>>>,
  score: (ratios: { overload: number; cost: number }, goal: Goal) => number,
): number {
  let worst = 0;
  for (const kind of table.kinds) {
    const goal = goals[kind];
    if (goal)
      worst = Math.max(
        worst,
        score(
          totalRatios(table, traces, kind, () => candidate),
          goal,
        ),
      );
  }
  return worst;
}

/**
 * The default chosen on these traces: among the candidates that meet every goal there, the cheapest (the lowest
 * cost ratio ÷ goal, the largest over the kinds); when none meets them all, the closest (the lowest goal score).
 * The earlier one on a tie. Cheapest, not the most slack on the tightest goal: on the shared traces the
 * candidates that won with overload to spare (a 30-minute scale-in window) cost 1–2% more than target tracking
 * on the trace left out, while the cheapest that met the goals held both (bench/results.md).
 */
export function chooseCandidate(
  table: ResultTable,
  traces: readonly string[],
  goals: Readonly<Partial<Record<TargetKind, Goal>>>,
): number {
  let closest = 0;
  let closestScore = Number.POSITIVE_INFINITY;
  let cheapest = -1;
  let cheapestCost = Number.POSITIVE_INFINITY;
  for (let c = 0; c < table.candidates; c += 1) {
    const score = goalScore(table, c, traces, goals);
    if (score < closestScore) {
      closest = c;
      closestScore = score;
    }
    if (score > 1) continue;
    const cost = costScore(table, c, traces, goals);
    if (cost < cheapestCost) {
      cheapest = c;
      cheapestCost = cost;
    }
  }
  return cheapest >= 0 ? cheapest : closest;
}

/** Per kind: the ratios in-sample (one default chosen on every trace) and left out (each trace's own fold). */
export interface LeaveOneOut {
  /** The default chosen on every trace. */
  readonly chosen: number;
  /** Per trace, the default chosen without it. */
  readonly folds: Readonly<Record<string, number>>;
  readonly inSample: Readonly<Partial<Record<TargetKind, Ratios>>>;
  readonly leftOut: Readonly<Partial<Record<TargetKind, Ratios>>>;
}

/**
 * Leave-one-trace-out: for each trace, the default chosen on the others and scored on it; the left-out ratios
 * sum those runs. The in-sample ratios score every trace with the default chosen on all of them.
 */
export function leaveOneOut(
  table: ResultTable,
  goals: Readonly<Partial<Record<TargetKind, Goal>>>,
  traces: readonly string[] = table.traces,
): LeaveOneOut {
  const chosen = chooseCandidate(table, traces, goals);
  const folds: Record<string, number> = {};
  for (const trace of traces)
    folds[trace] = chooseCandidate(
      table,
      traces.filter((t) => t !== trace),
      goals,
    );
  const inSample: Partial<Record<TargetKind, Ratios>> = {};
  const leftOut: Partial<Record<TargetKind, Ratios>> = {};
  for (const kind of table.kinds) {
    inSample[kind] = totalRatios(table, traces, kind, () => chosen);
    leftOut[kind] = totalRatios(table, traces, kind, (t) => folds[t] as number);
  }
  return { chosen, folds, inSample, leftOut };
}
