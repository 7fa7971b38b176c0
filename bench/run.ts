// `npm run bench`: the backtest over every trace in ../shared/traces for each kind, written to
// bench/results.md with the machine and the command; and the speed check of the engine (60 days at
// one-minute steps, all six policies), which is measured here rather than in a timed test.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { CHROMIUM, renderChartPng } from '../bin/lib/chromium';
import type { TargetKind } from '../shared/policy/schema';
import { reportHtml } from '../shared/simulate/reportHtml';
import { runBacktest } from '../shared/simulate/runBacktest';
import { parseTraceCsv, toMinuteSeries } from '../shared/simulate/trace';

const ROOT = resolve(import.meta.dirname, '..');
const TRACES = resolve(ROOT, '../shared/traces');
const KINDS: TargetKind[] = ['asg', 'rds-replicas', 'cache-shards'];
// Counts per row interval (requests, bytes, passengers, tweets) become per-minute rates; utilisations stay.
const isCount = (file: string) => !/cpu_utilization/.test(file);

mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
const totals = new Map<
  string,
  {
    cost: number;
    oracleCost: number;
    overload: number;
    unservedUnits: number;
    loadUnits: number;
    slo: number;
    actions: number;
    flaps: number;
  }
>();
mkdirSync(join(ROOT, 'bench/charts'), { recursive: true });
const lines: string[] = [
  '# Backtest results',
  '',
  `Command: \`npm run bench\`. Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
  'Definitions: `../shared/docs/backtest.md`. Cost in unit-hours; cost ratio against the oracle.',
  '',
];
for (const file of readdirSync(TRACES)
  .filter((f) => f.endsWith('.csv'))
  .sort()) {
  const series = toMinuteSeries(parseTraceCsv(readFileSync(join(TRACES, file), 'utf8'), file), isCount(file));
  for (const kind of KINDS) {
    const started = performance.now();
    const result = runBacktest(series, kind);
    for (const f of result.figures) {
      // Totals over traces (precise rule 12): unserved in unit-minutes, so traces of any scale add up.
      const key = `${kind}\t${f.policy}`;
      const t = totals.get(key) ?? {
        cost: 0,
        oracleCost: 0,
        overload: 0,
        unservedUnits: 0,
        loadUnits: 0,
        slo: 0,
        actions: 0,
        flaps: 0,
      };
      const u = result.scenario.unitCapacity;
      t.cost += f.cost;
      t.oracleCost += f.cost / f.costRatio;
      t.overload += f.overloadMinutes;
      t.unservedUnits += f.unserved / u;
      t.loadUnits += series.load.reduce((a, b) => a + b, 0) / u;
      t.slo += f.sloRiskMinutes;
      t.actions += f.actions;
      t.flaps += f.flaps;
      totals.set(key, t);
    }
    const ms = performance.now() - started;
    lines.push(`## ${file} — ${kind} (${series.load.length} minutes, ${ms.toFixed(0)} ms)`, '');
    lines.push(
      '| policy | cost | cost ratio | overload min | unserved % | SLO-risk min | actions | flaps |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const f of result.figures)
      lines.push(
        `| ${f.policy} | ${f.cost.toFixed(1)} | ${f.costRatio.toFixed(3)} | ${f.overloadMinutes} | ${f.unservedPercent.toFixed(4)} | ${f.sloRiskMinutes} | ${f.actions} | ${f.flaps} |`,
      );
    // The chart of each run: report.html in bench/out (not committed), its PNG in bench/charts.
    const name = `${file.replace(/\.csv$/, '')}-${kind}`;
    const html = join(ROOT, 'bench/out', `${name}.html`);
    writeFileSync(html, reportHtml(result, series, `${file} (${kind})`));
    if (existsSync(CHROMIUM)) {
      await renderChartPng(html, join(ROOT, 'bench/charts', `${name}.png`));
      lines.push(`![${name}](charts/${name}.png)`);
    }
    lines.push('');
    process.stdout.write(`${file} ${kind}: ${ms.toFixed(0)} ms\n`);
  }
}

lines.push('## Totals over all traces', '');
for (const kind of KINDS) {
  lines.push(
    `### ${kind}`,
    '',
    '| policy | cost | cost ratio | overload min | unserved % | SLO-risk min | actions | flaps |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const [key, t] of totals) {
    const [k, policy] = key.split('\t');
    if (k !== kind) continue;
    lines.push(
      `| ${policy} | ${t.cost.toFixed(1)} | ${(t.cost / t.oracleCost).toFixed(3)} | ${t.overload} | ${((100 * t.unservedUnits) / t.loadUnits).toFixed(4)} | ${t.slo} | ${t.actions} | ${t.flaps} |`,
    );
  }
  lines.push('');
}

// Speed: 60 days at one-minute steps (the first 60 days of nyc_taxi), all six policies.
const nyc = toMinuteSeries(parseTraceCsv(readFileSync(join(TRACES, 'nyc_taxi.csv'), 'utf8')), true);
const sixtyDays = { ...nyc, load: nyc.load.slice(0, 60 * 24 * 60) };
const runs = [1, 2, 3].map(() => {
  const t = performance.now();
  runBacktest(sixtyDays, 'asg');
  return performance.now() - t;
});
const best = Math.min(...runs);
lines.push(
  '## Speed',
  '',
  `60 days at one-minute steps (86,400 minutes), six policies: best of 3 runs ${best.toFixed(0)} ms (target: under 3,000 ms).`,
  '',
);
writeFileSync(join(ROOT, 'bench/results.md'), `${lines.join('\n')}\n`);
process.stdout.write(`60-day backtest: ${best.toFixed(0)} ms (target < 3000 ms)\nwrote bench/results.md\n`);
if (best >= 3000) process.exitCode = 1;
