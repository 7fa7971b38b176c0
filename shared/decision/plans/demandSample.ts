import type { MetricReading } from '../types';

/** The plan's demand as one evaluation reads it. */
export interface DemandSample {
  /** The newest complete datapoint; undefined when there is none fresh enough. */
  readonly demand: number | undefined;
  /** The most the demand reached within the scale-in hold (its complete datapoints); undefined: none. */
  readonly highestDemand: number | undefined;
}

/**
 * The demand signal's sample at `now` (pure), from its datapoints as CloudWatch returns them (timestamps at
 * period starts): the newest *complete* datapoint, if it ended at most `staleAfterSeconds` ago (the entry
 * target's metric staleness, never under two periods: a missing demand gives the plan no floor rather than an
 * old one), and the highest complete datapoint that started within the last `holdMinutes` (at least the
 * newest), which bounds the scale-in hold (scaleInHold.ts).
 */
export function demandSample(
  readings: readonly MetricReading[] | undefined,
  periodSeconds: number,
  staleAfterSeconds: number,
  holdMinutes: number,
  now: Date,
): DemandSample {
  const period = periodSeconds * 1000;
  const complete = (readings ?? []).filter(
    (r) => Number.isFinite(r.value) && r.timestamp.getTime() + period <= now.getTime(),
  );
  const newest = complete.reduce<MetricReading | undefined>(
    (a, b) => (a === undefined || b.timestamp > a.timestamp ? b : a),
    undefined,
  );
  if (!newest) return { demand: undefined, highestDemand: undefined };
  const age = now.getTime() - (newest.timestamp.getTime() + period);
  const fresh = age <= Math.max(staleAfterSeconds, 2 * periodSeconds) * 1000;
  const since = Math.min(newest.timestamp.getTime(), now.getTime() - holdMinutes * 60_000);
  const highest = Math.max(...complete.filter((r) => r.timestamp.getTime() >= since).map((r) => r.value));
  return { demand: fresh ? newest.value : undefined, highestDemand: fresh ? highest : undefined };
}
