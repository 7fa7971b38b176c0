import { decideCapacity } from './decideCapacity';
import { reverseWindowSeconds } from './reverseWindowSeconds';
import type { Decision, DecisionInput, ScalingHistory } from './types';
import { periodBase, unitsWarming } from './unitsWarming';

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
 * changes. A held decision whose recommendation is the current capacity ended before the history's windows,
 * cooldowns and rate limits, so it is compared without them (most minutes: the rules ask for no change). A parity
 * test holds it to calling `decideCapacity` every minute on every shared trace.
 *
 * When `decideCapacity` reads something more of its input, add it to the key (and should a decision that asks
 * for no change come to read the windows, cooldowns or rate limits, compare them for it too: `reusable`).
 */
export class DecisionMemo {
  private key: number[] = [];
  private next: number[] = [];
  /** The key's length, and the length of its part before the history's windows, cooldowns and rate limits. */
  private length = -1;
  private readLength = -1;
  private last: { decision: Decision; input: DecisionInput } | undefined;
  /** Decisions reused, and made (for the bench). */
  reused = 0;
  made = 0;

  decide(input: DecisionInput): Decision {
    const last = this.last;
    const readLength = readKey(input, this.next);
    if (last && this.reusable(last, input, readLength)) {
      this.reused += 1;
      return last.decision;
    }
    this.made += 1;
    const decision = decideCapacity(input);
    this.length = historyKey(input, this.next, readLength);
    this.readLength = readLength;
    [this.key, this.next] = [this.next, this.key];
    this.last = { decision, input };
    return decision;
  }

  /**
   * Whether the last decision holds for this input: it held capacity, on the same target, and its key is this
   * input's. A held decision whose recommendation is the current capacity (the rules asked for no change, or had
   * no fresh datapoint) ended before the stabilisation windows, cooldowns and rate limits: it read none of them,
   * so only the key's part before them is compared (the history part is not even made).
   */
  private reusable(
    last: { decision: Decision; input: DecisionInput },
    input: DecisionInput,
    readLength: number,
  ) {
    const { decision } = last;
    if (
      decision.desired !== decision.current ||
      last.input.target !== input.target ||
      last.input.policyMaxUnitsPerDecision !== input.policyMaxUnitsPerDecision ||
      readLength !== this.readLength ||
      // A busy resource or a unit label (slot 0, NaN) is never reused: sameKey takes NaN for NaN.
      Number.isNaN(this.next[0] as number)
    )
      return false;
    if (decision.recommendation === decision.current) return sameKey(this.next, this.key, readLength);
    const length = historyKey(input, this.next, readLength);
    return length === this.length && sameKey(this.next, this.key, length);
  }
}

/** Equal as `Object.is` has it (NaN equals NaN, 0 is not −0), without a call per entry. */
function sameKey(a: readonly number[], b: readonly number[], length: number): boolean {
  for (let i = 0; i < length; i += 1) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x === y ? x === 0 && 1 / x !== 1 / y : !(Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}

/**
 * Writes what every decision reads of the input into `out`, times relative to `now`: the state, the floor, the
 * readings and the units warming; returns its length. `historyKey` writes the rest after it.
 */
function readKey(input: DecisionInput, out: number[]): number {
  const { target, state, floor, readings, history } = input;
  const now = input.now.getTime();
  let i = 0;
  // A busy resource or a unit label are read as text: not kept, never reused.
  out[i++] = state.busy === undefined && state.unitLabel === undefined ? 0 : Number.NaN;
  out[i++] = state.current;
  out[i++] = state.serving;
  out[i++] = state.liveMin;
  out[i++] = state.liveMax;
  out[i++] = floor ? floor.units : Number.NaN;
  // Whether the floor may release a scale-in (a forecast's) or not (a plan's from the measured demand).
  out[i++] = floor?.fromForecast === false ? 1 : 0;
  // Indexed loops, no iterators: this runs every simulated minute.
  const rules = target.rules;
  for (let r = 0; r < rules.length; r += 1) {
    const points = readings[(rules[r] as (typeof rules)[number]).name];
    out[i++] = points?.length ?? -1;
    if (!points) continue;
    for (let k = 0; k < points.length; k += 1) {
      const p = points[k] as (typeof points)[number];
      out[i++] = p.value;
      out[i++] = now - p.timestamp.getTime();
    }
  }
  // Units added within the instance warmup (groups only count as booting): the rules' serving capacity.
  if (target.kind === 'asg') out[i++] = unitsWarming(history.changes, target.instanceWarmupSeconds, now);
  return i;
}

/**
 * The history's windows, cooldowns and rate limits as the decision reads them at `now`, written into `out` from
 * `from`; returns the key's length.
 */
function historyKey(input: DecisionInput, out: number[], from: number): number {
  const { target, history } = input;
  const { stabilization, cooldowns, rateLimits } = target;
  const now = input.now.getTime();
  let i = from;
  // The stabilisation windows: the lowest recommendation of the scale-out one, the highest of the scale-in one.
  let lowest = Number.POSITIVE_INFINITY;
  let highest = Number.NEGATIVE_INFINITY;
  // The history is in time order (as nextHistory and HistoryKeeper keep it, an hour of it at least): from the
  // newest back, until an entry is older than both windows.
  const recommendations = history.recommendations;
  const outWindow = stabilization.scaleOutSeconds * 1000;
  const inWindow = stabilization.scaleInSeconds * 1000;
  for (let k = recommendations.length - 1; k >= 0; k -= 1) {
    const r = recommendations[k] as (typeof recommendations)[number];
    const age = now - r.at.getTime();
    if (age >= outWindow && age >= inWindow) break;
    if (age < outWindow) lowest = Math.min(lowest, r.desired);
    if (age < inWindow) highest = Math.max(highest, r.desired);
  }
  out[i++] = lowest;
  out[i++] = highest;
  // Cooldowns, and no reversal inside the reverse direction's window (secondsSince, as the decision computes it).
  const sinceOut = secondsSince(history.lastScaleOutAt, now);
  const sinceIn = secondsSince(history.lastScaleInAt, now);
  out[i++] = sinceOut < cooldowns.scaleOutSeconds ? 1 : 0;
  out[i++] = sinceIn < cooldowns.scaleInSeconds ? 1 : 0;
  out[i++] = sinceOut < reverseWindowSeconds(stabilization, 'in') ? 1 : 0;
  out[i++] = sinceIn < reverseWindowSeconds(stabilization, 'out') ? 1 : 0;
  // Rate limits: where capacity stood at the start of each period (its first change in the direction), or none.
  const changes = history.changes;
  i = rateLimitBases(rateLimits.scaleOut, 'out', changes, now, out, i);
  return rateLimitBases(rateLimits.scaleIn, 'in', changes, now, out, i);
}

/** Each rate limit's base as the decision reads it (periodBase), or NaN (none). */
function rateLimitBases(
  limits: readonly { readonly periodSeconds: number }[],
  direction: 'out' | 'in',
  changes: ScalingHistory['changes'],
  now: number,
  out: number[],
  from: number,
): number {
  let i = from;
  for (let l = 0; l < limits.length; l += 1) {
    const start = now - (limits[l] as { periodSeconds: number }).periodSeconds * 1000;
    out[i++] = periodBase(changes, direction, start) ?? Number.NaN;
  }
  return i;
}

function secondsSince(at: Date | undefined, now: number): number {
  return at ? (now - at.getTime()) / 1000 : Number.POSITIVE_INFINITY;
}
