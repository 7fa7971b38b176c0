import type { Decision, ScalingHistory } from '../decision/types';

/**
 * A target's scaling history kept in place, minute after minute, for the simulator: it holds exactly what
 * `nextHistory` (shared/decision/nextHistory.ts) would return after the same evaluations, without copying the
 * history every minute. A property test holds the two equal after every step; the functions keep using
 * `nextHistory`.
 *
 * `history` is the live object `decideCapacity` reads; it changes with every `record`.
 */
export class HistoryKeeper {
  private readonly recommendations: { at: Date; desired: number }[] = [];
  private readonly changes: { at: Date; from: number; to: number }[] = [];
  private readonly live: {
    recommendations: readonly { readonly at: Date; readonly desired: number }[];
    changes: readonly { readonly at: Date; readonly from: number; readonly to: number }[];
    lastScaleOutAt: Date | undefined;
    lastScaleInAt: Date | undefined;
  };
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly keepSeconds: number) {
    // Every field from the start (undefined until the first scale-out and scale-in): one object shape for the
    // decision to read, whichever direction came first.
    this.live = {
      recommendations: this.recommendations,
      changes: this.changes,
      lastScaleOutAt: undefined,
      lastScaleInAt: undefined,
    };
  }

  get history(): ScalingHistory {
    return this.live as ScalingHistory;
  }

  /** One evaluation at `now` (epoch ms, never earlier than the one before), as `nextHistory` records it. */
  record(decision: Decision, now: number, applied: boolean): void {
    if (now < this.lastAt)
      throw new RangeError(`history: ${new Date(now).toISOString()} is before the last evaluation`);
    this.lastAt = now;
    // A run of equal recommendations is one entry with the newest time.
    const previous = this.recommendations[this.recommendations.length - 1];
    if (previous?.desired === decision.recommendation) previous.at.setTime(now);
    else this.recommendations.push({ at: new Date(now), desired: decision.recommendation });
    if (applied && decision.desired !== decision.current) {
      this.changes.push({ at: new Date(now), from: decision.current, to: decision.desired });
      if (decision.direction === 'out') this.live.lastScaleOutAt = new Date(now);
      if (decision.direction === 'in') this.live.lastScaleInAt = new Date(now);
    }
    // Entries are in time order, so what the window drops is a prefix.
    const keepAfter = now - this.keepSeconds * 1000;
    dropUntil(this.recommendations, keepAfter);
    dropUntil(this.changes, keepAfter);
  }
}

function dropUntil(entries: { at: Date }[], keepAfter: number): void {
  let k = 0;
  while (k < entries.length && (entries[k] as { at: Date }).at.getTime() <= keepAfter) k += 1;
  if (k > 0) entries.splice(0, k);
}
