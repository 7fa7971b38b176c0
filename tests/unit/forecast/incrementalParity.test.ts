import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createForecaster } from '../../../shared/forecast/createForecaster';
import { forecastLoad } from '../../../shared/forecast/forecastLoad';
import type { LoadHistory } from '../../../shared/forecast/types';
import { parseTraceCsv, toMinuteSeries } from '../../../shared/simulate/trace';

// The shared traces sit next to the checkout (../shared/traces); SCALEPILOT_TRACES points elsewhere (a worktree).
const TRACES = process.env.SCALEPILOT_TRACES ?? resolve(import.meta.dirname, '../../../../shared/traces');
const DAYS = 12;

/** Each step's mean load over the trace's first `DAYS` days, at the step the backtest reads it at. */
function steps(file: string): { step: number; history: LoadHistory } {
  const series = toMinuteSeries(
    parseTraceCsv(readFileSync(resolve(TRACES, file), 'utf8'), file),
    !/cpu_utilization/.test(file),
  );
  const step = [5, 10, 15, 20, 30, 60].includes(series.stepMinutes) ? series.stepMinutes : 5;
  const times: number[] = [];
  const values: number[] = [];
  for (let j = 0; j + step <= Math.min(series.load.length, DAYS * 1440); j += step) {
    let sum = 0;
    for (let i = j; i < j + step; i += 1) sum += series.load[i] as number;
    times.push(series.start + j * 60_000);
    values.push(sum / step);
  }
  return { step, history: { times, values } };
}

// The backtest's predict runs follow one incremental forecaster per trace (SeriesForecasts); the deployed predict
// function fits its lookback at once (forecastLoad). Hour after hour on every shared trace, with the band (the
// function's) and without (the backtest's), both give the same forecast to the last bit.
describe('the incremental forecaster gives the batch forecast on every shared trace', () => {
  const files = readdirSync(TRACES).filter((f) => f.endsWith('.csv'));
  it.each(files)('%s', (file) => {
    const { step, history } = steps(file);
    const perHour = 60 / step;
    for (const band of [true, false]) {
      const forecaster = createForecaster({ stepMinutes: step, band });
      let checked = 0;
      for (let hour = 1; hour * perHour <= history.times.length; hour += 1) {
        const upTo = hour * perHour;
        const from = (hour - 1) * perHour;
        forecaster.observe({
          times: history.times.slice(from, upTo),
          values: history.values.slice(from, upTo),
        });
        // Every 31 hours from the second day on: each phase of the 6-hour origins, and of the day.
        if (hour < 24 || hour % 31 !== 0) continue;
        const batch = forecastLoad(
          { times: history.times.slice(0, upTo), values: history.values.slice(0, upTo) },
          { stepMinutes: step, band, horizonMinutes: 2880 },
        );
        expect(forecaster.forecast(Math.round(2880 / step))).toEqual(batch);
        checked += 1;
      }
      expect(checked).toBeGreaterThan(4);
    }
  });
});
