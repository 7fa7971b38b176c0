import { decideCapacity } from './decideCapacity';
import type { Decision, DecisionInput, ScalingHistory } from './types';

/**
 * `decideCapacity` for a caller that decides one target minute after minute (the backtest): a minute whose
 * inputs tell the decision nothing new gets the decision of the minute before, without the call.
 *
 * `decideCapacity` is pure, and reads `now` only relative to the times it is given: the readings' timestamps,
 * and the history's (which recommendations fall in each stabilisation window, how long since the last scale-out
 * and scale-in against the cooldowns and windows, which changes fall in each rate-limit period and in the
 * instance warmup). The key below holds everything it reads, with each time taken relative to `now` and each
 * history fact as the decision uses it (the lowest and highest recommendation of a window, the comparisons, the
 * rate limit's base, the units warming). Two inputs with the same key get the same decision, to its capacity,
 * recommendation, direction and reason; its message may name a time a minute old (such as how long ago the last
 * scale-in was), so only a decision that holds capacity is reused, and the backtest asks for messages only at
 * changes. A parity test holds it to calling `decideCapacity` every minute on every shared trace.
 *
 * When `decideCapacity` reads something more of its input, add it to the key.
 */
export class DecisionMemo {
  private key: number[] = [];
  private scratch: number[] = [];
  private last: { decision: Decision; input: DecisionInput } | undefined;
  /** Decisions reused, and made (for the bench). */
  reused = 0;
  made = 0;

  decide(input: DecisionInput): Decision {
    const key = keyOf(input, this.scratch);
    const last = this.last;
    if (
      last &&
      last.decision.desired === last.decision.current &&
      last.input.target === input.target &&
      last.input.policyMaxUnitsPerDecision === input.policyMaxUnitsPerDecision &&
      sameKey(key, this.key)
    ) {
      this.reused += 1;
      return last.decision;
    }
    this.made += 1;
    const decision = decideCapacity(input);
    this.scratch = this.key;
    this.key = key;
    this.last = { decision, input };
    return decision;
  }
}

function sameKey(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Everything `decideCapacity` reads of the input, times relative to `now`, into `out` (reused). */
function keyOf(input: DecisionInput, out: number[]): number[] {
  const { target, state, floor, readings, history } = input;
  const now = input.now.getTime();
  out.length = 0;
  // A busy resource or a unit label are read as text: not kept, never reused.
  out.push(
    state.busy === undefined && state.unitLabel === undefined ? 0 : Number.NaN,
    state.current,
    state.serving,
    state.liveMin,
    state.liveMax,
    floor ? floor.units : Number.NaN,
  );
  for (const rule of target.rules) {
    const points = readings[rule.name];
    out.push(points?.length ?? -1);
    for (const p of points ?? []) out.push(p.value, now - p.timestamp.getTime());
  }
  historyKey(target, history, now, out);
  return out;
}

/** The history as the decision reads it at `now`. */
function historyKey(
  target: DecisionInput['target'],
  history: ScalingHistory,
  now: number,
  out: number[],
): void {
  const { stabilization, cooldowns, rateLimits } = target;
  // The stabilisation windows: the lowest recommendation of the scale-out one, the highest of the scale-in one.
  let lowest = Number.POSITIVE_INFINITY;
  let highest = Number.NEGATIVE_INFINITY;
  for (const r of history.recommendations) {
    const age = now - r.at.getTime();
    if (age < stabilization.scaleOutSeconds * 1000) lowest = Math.min(lowest, r.desired);
    if (age < stabilization.scaleInSeconds * 1000) highest = Math.max(highest, r.desired);
  }
  out.push(lowest, highest);
  // Cooldowns, and no reversal inside the reverse direction's window (secondsSince, as the decision computes it).
  const sinceOut = secondsSince(history.lastScaleOutAt, now);
  const sinceIn = secondsSince(history.lastScaleInAt, now);
  out.push(
    sinceOut < cooldowns.scaleOutSeconds ? 1 : 0,
    sinceIn < cooldowns.scaleInSeconds ? 1 : 0,
    sinceOut < stabilization.scaleInSeconds ? 1 : 0,
    sinceIn < stabilization.scaleOutSeconds ? 1 : 0,
  );
  // Rate limits: where capacity stood at the start of each period (the first change inside it), or none.
  for (const limits of [rateLimits.scaleOut, rateLimits.scaleIn])
    for (const limit of limits) {
      const start = now - limit.periodSeconds * 1000;
      const first = history.changes.find((c) => c.at.getTime() > start);
      out.push(first ? first.from : Number.NaN);
    }
  // Units added within the instance warmup (groups only count as booting).
  if (target.kind === 'asg') {
    const since = now - target.instanceWarmupSeconds * 1000;
    let warming = 0;
    for (const c of history.changes) if (c.at.getTime() > since && c.to > c.from) warming += c.to - c.from;
    out.push(warming);
  }
}

function secondsSince(at: Date | undefined, now: number): number {
  return at ? (now - at.getTime()) / 1000 : Number.POSITIVE_INFINITY;
}
