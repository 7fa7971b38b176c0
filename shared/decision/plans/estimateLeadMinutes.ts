/** The fewest observed operations a lead time is learned from; below it the kind's default stands. */
export const MIN_LEAD_OBSERVATIONS = 3;
/** The most recent observations the estimate reads: the service's behaviour drifts. */
export const LEAD_OBSERVATIONS_KEPT = 20;

/**
 * A member's lead time learned from the durations the ledger observed (seconds from the decision to the
 * capacity serving, oldest first): the 90th percentile (nearest rank) of the last 20, in whole minutes, rounded
 * up. A floor started that early is serving in time nine times out of ten, and, once 11 or more are kept, one
 * replica stuck in `creating` for an hour does not push every floor an hour early; with fewer, the 90th
 * percentile is the slowest of them, which errs on the side of ready. Undefined under 3 observations.
 */
export function estimateLeadMinutes(durationsSeconds: readonly number[]): number | undefined {
  const recent = durationsSeconds
    .filter((d) => Number.isFinite(d) && d >= 0)
    .slice(-LEAD_OBSERVATIONS_KEPT)
    .sort((a, b) => a - b);
  if (recent.length < MIN_LEAD_OBSERVATIONS) return undefined;
  const rank = Math.ceil(0.9 * recent.length) - 1;
  return Math.ceil((recent[rank] as number) / 60 - 1e-9);
}
