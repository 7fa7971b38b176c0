/**
 * A load on a regular grid that only grows at its end: `values[i]` is the load of step i (NaN: no datapoint),
 * step 0 at `start`. The forecaster's models read it by absolute step index, so what they computed for an
 * older step stays valid as new steps arrive.
 */
export class GridSeries {
  /** The backing array: only `values[0 .. length)` is data; it is replaced when it grows. */
  values = new Float64Array(1024);
  length = 0;
  /** Steps that hold a datapoint. */
  observed = 0;
  /** `observedBefore[i]`: steps before step i that hold a datapoint (a count per step: a window's is a difference). */
  private observedBefore = new Float64Array(1025);
  /** The steps holding a negative value, in order (rare: loads are counts and percentages). */
  private readonly negatives: number[] = [];

  constructor(
    /** Epoch ms of step 0. */
    readonly start: number,
    readonly stepMinutes: number,
  ) {}

  /** Appends one step's value (NaN for a gap). */
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
      const counts = new Float64Array(grown.length + 1);
      counts.set(this.observedBefore);
      this.observedBefore = counts;
    }
    this.values[this.length] = value;
    if (value < 0) this.negatives.push(this.length);
    this.length += 1;
    if (!Number.isNaN(value)) this.observed += 1;
    this.observedBefore[this.length] = this.observed;
  }

  /** Replaces the newest step's value (several datapoints in one step are averaged by the caller). */
  setNewest(value: number): void {
    const i = this.length - 1;
    const was = this.values[i] as number;
    if (Number.isNaN(was) && !Number.isNaN(value)) this.observed += 1;
    if (!Number.isNaN(was) && Number.isNaN(value)) this.observed -= 1;
    this.observedBefore[this.length] = this.observed;
    this.values[i] = value;
    if (this.negatives.at(-1) === i) this.negatives.pop();
    if (value < 0) this.negatives.push(i);
  }

  /** Whether no step of `[from, to)` holds a negative value. */
  nonNegativeIn(from: number, to: number): boolean {
    for (let k = this.negatives.length - 1; k >= 0; k -= 1) {
      const i = this.negatives[k] as number;
      if (i < from) return true;
      if (i < to) return false;
    }
    return true;
  }

  /** Epoch ms of step i. */
  timeOf(i: number): number {
    return this.start + i * this.stepMinutes * 60_000;
  }

  /** Steps observed in `[from, to)`. */
  observedIn(from: number, to: number): number {
    const lo = Math.max(0, from);
    const hi = Math.min(to, this.length);
    return hi > lo ? (this.observedBefore[hi] as number) - (this.observedBefore[lo] as number) : 0;
  }
}

/** A Float64Array cache indexed by absolute step, NaN-filled, that grows on demand. */
export class StepCache {
  private data = new Float64Array(0).fill(Number.NaN);

  get(i: number): number {
    return i < this.data.length ? (this.data[i] as number) : Number.NaN;
  }

  set(i: number, value: number): void {
    if (i >= this.data.length) {
      const grown = new Float64Array(Math.max(1024, 2 * this.data.length, i + 1)).fill(Number.NaN);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[i] = value;
  }

  /** Forgets step i (its inputs changed). */
  clear(i: number): void {
    if (i < this.data.length) this.data[i] = Number.NaN;
  }
}
