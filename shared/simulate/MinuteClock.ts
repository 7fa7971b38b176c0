/**
 * `now` as a Date for a simulated target decided minute after minute, and the minute before's: two Dates set in
 * turn, so the one not set this minute still holds the time of the minute before. The newest one-minute reading
 * is stamped with it, and the history's newest recommendation is dated with the current one, instead of a Date of
 * their own set every minute (`Date.prototype.setTime` is a call into the runtime: three a minute were a tenth of
 * a year's backtest). A Date the clock gives is set again two minutes later: whoever keeps one longer copies it.
 */
export class MinuteClock {
  private readonly dates = [new Date(0), new Date(0)];
  private turn = 0;
  private last = Number.NaN;
  private previous = Number.NaN;

  /** Sets the clock to `now` (epoch ms) and returns its Date. */
  tick(now: number): Date {
    this.turn ^= 1;
    this.previous = this.last;
    this.last = now;
    const date = this.dates[this.turn] as Date;
    date.setTime(now);
    return date;
  }

  /** The Date of the last tick, when it was at `now` (else undefined). */
  at(now: number): Date | undefined {
    return this.last === now ? (this.dates[this.turn] as Date) : undefined;
  }

  /** The Date of the tick before the last, when the last was at `now` and that one a minute before it. */
  minuteBefore(now: number): Date | undefined {
    return this.last === now && this.previous === now - 60_000
      ? (this.dates[this.turn ^ 1] as Date)
      : undefined;
  }
}
