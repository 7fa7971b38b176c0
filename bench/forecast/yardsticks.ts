import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ARIMA from 'arima';
import { pythonTool } from '../../bin/lib/pythonTools';
import { quantileOf } from '../../shared/forecast/stats';

// The yardsticks of `npm run bench:forecast` (../forecast.ts): each forecasts `steps` steps from origin o of the
// grid y, reading only y[from, o), and gives its point forecast and its upper `QUANTILE` bound.

export const QUANTILE = 0.9;
export const Z90 = 1.2816; // the normal quantile SARIMA's upper bound uses at QUANTILE

export interface Yardstick {
  readonly point: ArrayLike<number>;
  readonly upper: ArrayLike<number>;
}

/** The value one period earlier (the newest finite one at that phase), upper from its in-sample errors. */
export function seasonalNaive(y: Float64Array, from: number, o: number, period: number, steps: number) {
  if (o - from < period) throw new Error('history shorter than the period');
  const at = (t: number): number => {
    for (let i = t - period * Math.max(1, Math.ceil((t - o + 1) / period)); i >= from; i -= period)
      if (!Number.isNaN(y[i] as number)) return y[i] as number;
    // No value at this phase in the history (a gap a period ago, and nothing older): the newest value.
    for (let i = o - 1; i >= from; i -= 1) if (!Number.isNaN(y[i] as number)) return y[i] as number;
    return 0;
  };
  const errors: number[] = [];
  for (let t = from + period; t < o; t += 1) {
    const a = y[t] as number;
    const b = y[t - period] as number;
    if (!Number.isNaN(a) && !Number.isNaN(b)) errors.push(a - b);
  }
  const margin = Math.max(0, quantileOf(errors, QUANTILE));
  const point = Array.from({ length: steps }, (_, h) => at(o + h));
  return { point, upper: point.map((v) => v + margin) };
}

export function sarimaHourly(y: Float64Array, from: number, o: number, step: number, steps: number) {
  const perHour = 60 / step;
  // Whole hours ending at the origin; a gap-only hour takes the previous hour's mean.
  const first = o - Math.floor((o - from) / perHour) * perHour;
  const hourly: number[] = [];
  for (let b = first; b < o; b += perHour) {
    let sum = 0;
    let c = 0;
    for (let i = b; i < b + perHour; i += 1)
      if (!Number.isNaN(y[i] as number)) {
        sum += y[i] as number;
        c += 1;
      }
    hourly.push(c > 0 ? sum / c : (hourly.at(-1) ?? 0));
  }
  const [pred, variance] = quietly(() => {
    // method 1 (conditional sum of squares): the default exact likelihood diverged on 12 of 75 origins of
    // the CPU and ELB traces; this one on 1.
    const model = new ARIMA({ p: 1, d: 0, q: 1, P: 0, D: 1, Q: 1, s: 24, method: 1, verbose: false });
    const forecast = model.train(hourly).predict(Math.ceil(steps / perHour));
    model.destroy();
    return forecast;
  });
  const point = Array.from({ length: steps }, (_, h) => pred[Math.floor(h / perHour)] as number);
  // A diverged fit (non-finite, or far outside anything the history held) counts as a failure.
  const bound = 3 * Math.max(...hourly.map(Math.abs));
  if (!point.every((v) => Number.isFinite(v) && Math.abs(v) <= bound)) throw new Error('SARIMA diverged');
  const upper = point.map(
    (v, h) => v + Z90 * Math.sqrt(Math.max(0, variance[Math.floor(h / perHour)] as number)),
  );
  return { point, upper };
}

/** Runs fn with stdout and stderr muted: the WASM optimiser prints its complaints there. */
function quietly<T>(fn: () => T): T {
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = () => true;
  process.stderr.write = () => true;
  try {
    return fn();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** statsforecast's answer for one origin: a forecast with its CPU time, or why it failed. */
export type StatsforecastResult =
  | { readonly point: number[]; readonly upper: number[]; readonly cpu_ms: number }
  | { readonly error: string; readonly cpu_ms: number };

export const STATSFORECAST_METHODS = ['mstl-hourly', 'autoets-hourly'] as const;

/**
 * statsforecast's MSTL and AutoETS (./yardsticks.py) from every origin of a trace in one Python run, in the
 * project's `.venv/forecast` (installed on first use, like the emulator's).
 */
export function statsforecast(
  y: Float64Array,
  origins: readonly number[],
  historySteps: number,
  step: number,
  steps: number,
): Record<(typeof STATSFORECAST_METHODS)[number], StatsforecastResult[]> {
  const request = {
    step,
    horizon: steps,
    quantile: QUANTILE,
    origins: origins.map((o) =>
      Array.from(y.subarray(Math.max(0, o - historySteps), o), (v) => (Number.isNaN(v) ? null : v)),
    ),
  };
  // The request goes through a file: a pipe's input of a few hundred kilobytes was seen cut short on a busy machine.
  const dir = mkdtempSync(join(tmpdir(), 'scalepilot-yardsticks-'));
  const file = join(dir, 'request.json');
  writeFileSync(file, JSON.stringify(request));
  let output: Buffer;
  try {
    output = execFileSync(
      pythonTool('forecast', 'python'),
      [join(resolve(import.meta.dirname), 'yardsticks.py'), file],
      { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'inherit'] },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return JSON.parse(output.toString());
}
