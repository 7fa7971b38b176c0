/** A change of capacity as a history keeps it. */
interface Change {
  readonly at: Date;
  readonly from: number;
  readonly to: number;
}

/** Whether a change moved capacity in `direction` (a rate limit's period starts at one, a warm-up counts one out). */
export function movesIn(change: Change, direction: 'out' | 'in'): boolean {
  return direction === 'out' ? change.to > change.from : change.to < change.from;
}

/**
 * The units added within the last `warmupSeconds` before `now`: EC2 reports an instance InService long before it
 * takes its share of the load, so it counts as booting until its warm-up ends (the decision, the backtest's
 * decision memo and a plan's record all read serving this way).
 */
export function unitsWarming(changes: readonly Change[], warmupSeconds: number, now: Date | number): number {
  const since = (typeof now === 'number' ? now : now.getTime()) - warmupSeconds * 1000;
  // An indexed loop, not filter and reduce nor for-of: the backtest's decision memo keys every simulated minute
  // with it, and its compiler settings (no escape analysis) make each for-of allocate an iterator and its results.
  let warming = 0;
  for (let k = 0; k < changes.length; k += 1) {
    const c = changes[k] as Change;
    if (c.at.getTime() > since && movesIn(c, 'out')) warming += c.to - c.from;
  }
  return warming;
}

/**
 * Where a rate limit's period starts: the capacity before the first change in `direction` after `sinceMs`, or
 * undefined when none came (a change the other way starts no period). The decision and its memo both read it.
 */
export function periodBase(
  changes: readonly Change[],
  direction: 'out' | 'in',
  sinceMs: number,
): number | undefined {
  for (let k = 0; k < changes.length; k += 1) {
    const c = changes[k] as Change;
    if (c.at.getTime() > sinceMs && movesIn(c, direction)) return c.from;
  }
  return undefined;
}
