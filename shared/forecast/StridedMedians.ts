import { StepCache } from './gridSeries';
import { medianOf } from './stats';

/**
 * Medians of every `stride`-th value back from a first one, down to a floor, up to `count` of them (a gap, NaN, is
 * passed over and an older one taken instead): a seasonal base's median of past periods at a step's phase. The
 * hourly forecasts and the in-sample origins ask for the same steps from origins hours apart, which mostly read the
 * same values: each key's last median is kept with where it started and the oldest index it read, and given again
 * to an ask that starts there and that its floor stops at the same place (not sooner, and not later when the kept
 * one stopped at its own floor). The same values in the same order: the same median.
 */
export class StridedMedians {
  private readonly value = new StepCache();
  private readonly first = new StepCache();
  private readonly lowest = new StepCache();
  /** 1 when `count` values were found (else the floor stopped it). */
  private readonly full = new StepCache();
  private readonly scratch: Float64Array;

  constructor(
    private readonly stride: number,
    private readonly count: number,
    /** The value at index i (NaN: a gap). */
    private readonly read: (i: number) => number,
  ) {
    this.scratch = new Float64Array(count);
  }

  /**
   * The median for `key` (a non-negative integer) of the values at first, first − stride, … ≥ floor; kept for the
   * next ask when `final` (the values it reads will not change).
   */
  at(key: number, first: number, floor: number, final: boolean): number {
    const { stride, count } = this;
    if (this.first.get(key) === first) {
      const lowest = this.lowest.get(key);
      if (lowest >= floor && (this.full.get(key) === 1 || lowest - stride < floor))
        return this.value.get(key);
    }
    let c = 0;
    let lowest = Number.NaN;
    for (let i = first; i >= floor && c < count; i -= stride) {
      lowest = i;
      const v = this.read(i);
      if (!Number.isNaN(v)) this.scratch[c++] = v;
    }
    const value = medianOf(this.scratch, c);
    if (final && !Number.isNaN(lowest)) {
      this.value.set(key, value);
      this.first.set(key, first);
      this.lowest.set(key, lowest);
      this.full.set(key, c === count ? 1 : 0);
    }
    return value;
  }
}
