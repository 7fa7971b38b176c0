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
 * takes its share of the load, so it counts as booting until its warm-up ends (the decision and a plan's record
 * both read serving this way).
 */
export function unitsWarming(changes: readonly Change[], warmupSeconds: number, now: Date): number {
  const since = now.getTime() - warmupSeconds * 1000;
  return changes
    .filter((c) => c.at.getTime() > since && movesIn(c, 'out'))
    .reduce((sum, c) => sum + (c.to - c.from), 0);
}
