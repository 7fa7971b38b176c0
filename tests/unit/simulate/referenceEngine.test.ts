import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TargetKind } from '../../../shared/policy/schema';
import { baselines } from '../../../shared/simulate/baselines';
import { figures, simulate } from '../../../shared/simulate/engine';
import { backtestScenario } from '../../../shared/simulate/runBacktest';
import { parseTraceCsv, toMinuteSeries } from '../../../shared/simulate/trace';

const ROOT = resolve(import.meta.dirname, '../../..');
// The shared traces sit next to the checkout (../shared/traces); SCALEPILOT_TRACES points elsewhere (a worktree).
const TRACES = process.env.SCALEPILOT_TRACES ?? resolve(ROOT, '../shared/traces');

// bench/referenceEngine.mjs is a second engine written from docs/backtest.md alone, in one plain file: the
// speed yardstick of `npm run bench:speed`, and here a check of this engine. Two implementations that agree to
// the last bit on the grid, the scenario, the five baselines and the figures (`npm run bench:speed` checks the
// taxi trace the same way before it times them).
describe('the reference engine and this one print the same figures', () => {
  it.each([
    {
      name: 'tweets (5-minute counts from a start at 21:42:53)',
      file: 'Twitter_volume_AAPL.csv',
      kind: 'rds-replicas',
      count: true,
    },
    {
      name: 'load balancer requests',
      file: 'elb_request_count_8c0756.csv',
      kind: 'cache-shards',
      count: true,
    },
    {
      name: 'RDS CPU (a utilisation, as is)',
      file: 'rds_cpu_utilization_e47b3b.csv',
      kind: 'asg',
      count: false,
    },
  ] as const)('$name, $kind', ({ file, kind, count }) => {
    const trace = resolve(TRACES, file);
    const reference = JSON.parse(
      execFileSync(
        process.execPath,
        [
          resolve(ROOT, 'bench/referenceEngine.mjs'),
          '--trace',
          trace,
          '--kind',
          kind,
          ...(count ? ['--per-interval-count'] : []),
        ],
        { encoding: 'utf8' },
      ),
    );
    const series = toMinuteSeries(parseTraceCsv(readFileSync(trace, 'utf8'), file), count);
    const scenario = backtestScenario(series.load, kind as TargetKind);
    const timelines = baselines.map((make) => simulate(make(), scenario, series.start));
    const oracleCost = figures(timelines[0] as (typeof timelines)[0], scenario, 1).cost;
    const ours = timelines.map((t) => figures(t, scenario, oracleCost));
    expect(ours).toEqual(reference);
    // Not vacuous: the baselines acted, and differently.
    expect(new Set(ours.map((f) => f.actions)).size).toBeGreaterThan(2);
  });
});
