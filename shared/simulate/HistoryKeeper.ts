import type { Decision, ScalingHistory } from '../decision/types';
import type { MinuteClock } from './MinuteClock';

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
  /** The newest recommendation while it is dated with the clock's Date. */
  private onClock: { at: Date; desired: number } | undefined;

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

  /**
   * One evaluation at `now` (epoch ms, never earlier than the one before), as `nextHistory` records it. With the
   * target's clock (ticked at `now`), the newest recommendation is dated with the clock's Date until a newer one
   * follows it (then it gets a Date of its own).
   */
  record(decision: Decision, now: number, applied: boolean, clock?: MinuteClock): void {
    if (now < this.lastAt)
      throw new RangeError(`history: ${new Date(now).toISOString()} is before the last evaluation`);
    this.lastAt = now;
    // A run of equal recommendations is one entry with the newest time.
    const previous = this.recommendations[this.recommendations.length - 1];
    const onClock = previous !== undefined && previous === this.onClock;
    const at = clock?.at(now);
    if (previous?.desired === decision.recommendation) {
      if (at) previous.at = at;
      else if (onClock) previous.at = new Date(now);
      else previous.at.setTime(now);
      this.onClock = at ? previous : undefined;
    } else {
      // The clock's Date is set again soon: the entry it dated keeps its time in a Date of its own.
      if (onClock) previous.at = new Date(previous.at.getTime());
      const entry = { at: at ?? new Date(now), desired: decision.recommendation };
      this.recommendations.push(entry);
      this.onClock = at ? entry : undefined;
    }
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
