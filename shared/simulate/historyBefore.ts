import type { LoadHistory } from '../forecast/types';

/**
 * The history before minute m (exclusive) at `stepMinutes`: each step the mean of its minutes, the newest step
 * ending at m, timestamps at step starts (as GetMetricData gives them). `load(j)` is only asked for j < m.
 * With `means`, each step's mean is computed once per series however many runs read it.
 */
export function historyBefore(
  load: (j: number) => number,
  start: number,
  m: number,
  settings: { readonly lookbackMinutes: number; readonly stepMinutes: number },
  means?: StepMeans,
): LoadHistory {
  const k = settings.stepMinutes;
  const steps = Math.floor(Math.min(m, settings.lookbackMinutes) / k);
  const times: number[] = new Array(steps);
  const values: number[] = new Array(steps);
  for (let i = steps; i >= 1; i -= 1) {
    const from = m - i * k;
    times[steps - i] = start + from * 60_000;
    values[steps - i] = means ? means.at(load, from) : stepMean(load, from, k);
  }
  return { times, values };
}

function stepMean(load: (j: number) => number, from: number, k: number): number {
  let sum = 0;
  for (let j = from; j < from + k; j += 1) sum += load(j);
  return sum / k;
}

/**
 * The means of the load's steps of k minutes by their first minute, each computed once (the hourly runs read
 * 14 days of steps each, overlapping all but the newest hour), the same sum in the same order as one run alone.
 */
export class StepMeans {
  /** Each step's mean by its first minute, where `known` (read them through `at`, or after it). */
  readonly means: Float64Array;
  readonly known: Uint8Array;

  constructor(
    minutes: number,
    readonly stepMinutes: number,
  ) {
    this.means = new Float64Array(minutes);
    this.known = new Uint8Array(minutes);
  }

  /** The mean of minutes from .. from + k − 1, read through `load` the first time. */
  at(load: (j: number) => number, from: number): number {
    if (this.known[from] === 1) return this.means[from] as number;
    const mean = stepMean(load, from, this.stepMinutes);
    this.means[from] = mean;
    this.known[from] = 1;
    return mean;
  }
}
