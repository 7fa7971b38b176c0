/**
 * Weighted split-conformal quantiles (Tibshirani et al., "Conformal prediction under covariate shift", 2019):
 * each calibration error carries a weight (here: how recent its origin is), and the next error, of weight
 * `nextWeight`, falls under the returned value with probability at least q when the weights describe how much
 * each past error resembles the next one. Equal weights give the plain split-conformal ⌈(n + 1) q⌉-th smallest.
 */

/**
 * The upper quantile: the smallest error e with (Σ weights of errors ≤ e) ≥ q × (Σ weights + nextWeight); the
 * largest error when even all of them fall short (too few errors for q). NaN for no error.
 */
export function weightedConformalUpper(
  errors: Float64Array,
  weights: Float64Array,
  q: number,
  nextWeight: number,
): number {
  const order = sortedOrder(errors);
  if (order.length === 0) return Number.NaN;
  const target = q * (sum(weights) + nextWeight);
  let cumulative = 0;
  for (const i of order) {
    cumulative += weights[i] as number;
    if (cumulative >= target) return errors[i] as number;
  }
  return errors[order[order.length - 1] as number] as number;
}

/**
 * The lower quantile (q below 0.5): the mirror of the upper one, the largest error e with (Σ weights of errors
 * ≥ e) ≥ (1 − q) × (Σ weights + nextWeight); the smallest error when all of them fall short. It is the upper
 * quantile at 1 − q of the negated errors, negated back.
 */
export function weightedConformalLower(
  errors: Float64Array,
  weights: Float64Array,
  q: number,
  nextWeight: number,
): number {
  return -weightedConformalUpper(
    errors.map((e) => -e),
    weights,
    1 - q,
    nextWeight,
  );
}

/** Indices of `values`, by value ascending. */
function sortedOrder(values: Float64Array): Uint32Array {
  const order = new Uint32Array(values.length);
  for (let i = 0; i < order.length; i += 1) order[i] = i;
  return order.sort((a, b) => (values[a] as number) - (values[b] as number));
}

function sum(values: Float64Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
