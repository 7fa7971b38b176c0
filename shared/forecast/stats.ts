/** Median of the first `count` values of `scratch` (reorders them); NaN when count is 0. */
export function medianOf(scratch: Float64Array, count: number): number {
  if (count === 0) return Number.NaN;
  // Insertion sort: the seasonal medians are over a handful of values, where it beats a generic sort.
  if (count <= 32) {
    for (let i = 1; i < count; i += 1) {
      const v = scratch[i] as number;
      let j = i - 1;
      while (j >= 0 && (scratch[j] as number) > v) {
        scratch[j + 1] = scratch[j] as number;
        j -= 1;
      }
      scratch[j + 1] = v;
    }
  } else scratch.subarray(0, count).sort();
  const mid = count >> 1;
  return count % 2 === 1
    ? (scratch[mid] as number)
    : ((scratch[mid - 1] as number) + (scratch[mid] as number)) / 2;
}

/** Median of the finite values of `values[from, to)`; NaN when there are none. */
export function medianRange(values: Float64Array, from: number, to: number): number {
  const lo = Math.max(0, from);
  const scratch = new Float64Array(Math.max(0, to - lo));
  let c = 0;
  for (let i = lo; i < to; i += 1) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) scratch[c++] = v;
  }
  return medianOf(scratch, c);
}

/** Quantile p of the values (linear interpolation between closest ranks); NaN for none. */
export function quantileOf(values: readonly number[] | Float64Array, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
}
