/** Median of the first `count` values of `scratch` (reorders them); NaN when count is 0. */
export function medianOf(scratch: Float64Array, count: number): number {
  if (count === 0) return Number.NaN;
  if (count <= 32) {
    // Insertion sort: the seasonal medians are over a handful of values, where it beats anything else.
    for (let i = 1; i < count; i += 1) {
      const v = scratch[i] as number;
      let j = i - 1;
      while (j >= 0 && (scratch[j] as number) > v) {
        scratch[j + 1] = scratch[j] as number;
        j -= 1;
      }
      scratch[j + 1] = v;
    }
    const mid = count >> 1;
    return count % 2 === 1
      ? (scratch[mid] as number)
      : ((scratch[mid - 1] as number) + (scratch[mid] as number)) / 2;
  }
  const mid = count >> 1;
  const upper = select(scratch, count, mid);
  if (count % 2 === 1) return upper;
  // After selecting mid, everything before it is ≤ it: the lower middle is their maximum.
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < mid; i += 1) if ((scratch[i] as number) > lower) lower = scratch[i] as number;
  return (lower + upper) / 2;
}

/** The k-th smallest (0-based) of the first `count` values, NaN-free; reorders them. */
export function kthSmallest(values: Float64Array, count: number, k: number): number {
  return select(values, count, k);
}

/** The k-th smallest of the first `count` values (Hoare's quickselect, median-of-three pivot); reorders them. */
function select(a: Float64Array, count: number, k: number): number {
  let lo = 0;
  let hi = count - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    const x = a[lo] as number;
    const y = a[mid] as number;
    const z = a[hi] as number;
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z)); // the median of the three
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i += 1;
      while ((a[j] as number) > pivot) j -= 1;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i += 1;
        j -= 1;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k] as number;
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

/** Quantile p of the values (linear interpolation between closest ranks, numpy's default); NaN for none. */
export function quantileOf(values: readonly number[] | Float64Array, p: number): number {
  if (values.length === 0) return Number.NaN;
  const copy = Float64Array.from(values);
  const h = (copy.length - 1) * p;
  const lo = Math.floor(h);
  let nan = false;
  // A loop, not some(Number.isNaN): the callback is given each value as a new number (a year of minutes).
  for (let i = 0; i < copy.length && !nan; i += 1) nan = Number.isNaN(copy[i] as number);
  if (nan) {
    // A typed array sorts numerically without a comparator, NaN last.
    copy.sort();
    const a = copy[lo] as number;
    return a + (h - lo) * ((copy[Math.min(lo + 1, copy.length - 1)] as number) - a);
  }
  // The two ranks by selection, not a sort (a year of minutes): the one above is the least of those after.
  const a = select(copy, copy.length, lo);
  let b = a;
  if (lo + 1 < copy.length) {
    b = copy[lo + 1] as number;
    for (let i = lo + 2; i < copy.length; i += 1) if ((copy[i] as number) < b) b = copy[i] as number;
  }
  return a + (h - lo) * (b - a);
}
