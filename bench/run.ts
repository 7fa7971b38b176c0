// `npm run bench`: the backtest over every trace in ../shared/traces for each kind, written to
// bench/results.md with the machine and the command; and the speed check of the engine (60 days at
// one-minute steps, all six policies), which is measured here rather than in a timed test.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { TargetKind } from '../shared/policy/schema';
import { backtestReport } from '../shared/report/backtestReport';
import { costOverloadScatter } from '../shared/report/charts';
import { htmlPage, htmlTable, type PageSection } from '../shared/report/page';
import { pngFromSvg } from '../shared/report/render';
import { runBacktest } from '../shared/simulate/runBacktest';
import { parseTraceCsv, toMinuteSeries } from '../shared/simulate/trace';

const ROOT = resolve(import.meta.dirname, '..');
const TRACES = resolve(ROOT, '../shared/traces');
const KINDS: TargetKind[] = ['asg', 'rds-replicas', 'cache-shards'];
// Counts per row interval (requests, bytes, passengers, tweets) become per-minute rates; utilisations stay.
const isCount = (file: string) => !/cpu_utilization/.test(file);
// The charts' load axis: what each shared trace counts, per minute once converted.
const LOAD_UNITS: [RegExp, string][] = [
  [/cpu_utilization/, '% CPU'],
  [/Twitter_volume/, 'tweets/min'],
  [/network_in/, 'bytes/min'],
  [/request_count/, 'requests/min'],
  [/nyc_taxi/, 'passengers/min'],
];
const loadUnitOf = (file: string) =>
  LOAD_UNITS.find(([pattern]) => pattern.test(file))?.[1] ?? (isCount(file) ? 'per minute' : 'trace value');
const reports: { file: string; kind: TargetKind; name: string }[] = [];

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
  "Each chart below is one run's per-policy charts; the run also writes its full report (table, scatter, the peak day, decisions with their reasons on hover) to `bench/out/<trace>-<kind>.html` and a summary of all runs to `bench/out/index.html` (not committed).",
  '',
];
const traceFiles = readdirSync(TRACES)
  .filter((f) => f.endsWith('.csv'))
  .sort();
for (const file of traceFiles) {
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
    // The report of each run, as `scalepilot backtest` writes it: HTML in bench/out (not committed),
    // the per-policy charts as a PNG in bench/charts (committed, shown below).
    const name = `${file.replace(/\.csv$/, '')}-${kind}`;
    const report = await backtestReport(result, series, { trace: file, kind, loadUnit: loadUnitOf(file) });
    writeFileSync(join(ROOT, 'bench/out', `${name}.html`), report.html);
    writeFileSync(join(ROOT, 'bench/charts', `${name}.png`), pngFromSvg(report.overview));
    reports.push({ file, kind, name });
    lines.push(`![${name}](charts/${name}.png)`, '');
    process.stdout.write(
      `[${reports.length}/${traceFiles.length * KINDS.length}] ${file} ${kind}: backtest ${ms.toFixed(0)} ms, report bench/out/${name}.html\n`,
    );
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

// The summary page: the totals per kind (table and scatter) and a link to every run's report.
const summary: PageSection[] = [
  {
    html: `<p>${traceFiles.length} traces × ${KINDS.length} kinds from ../shared/traces; definitions in ../shared/docs/backtest.md. Totals over all traces: cost in unit-hours, ratios of the totals.</p>`,
  },
];
for (const kind of KINDS) {
  const rows = [...totals]
    .filter(([key]) => key.startsWith(`${kind}\t`))
    .map(([key, t]) => ({ policy: key.split('\t')[1] as string, ...t }));
  const reference = rows.find((r) => r.policy === 'target-tracking');
  const per = (a: number, b: number | undefined) => (b ? (a / b).toFixed(3) : '–');
  summary.push({
    heading: `${kind}: totals over all traces`,
    html: htmlTable(
      [
        'policy',
        'cost (unit-h)',
        'cost ÷ oracle',
        'cost ÷ target tracking',
        'overload min',
        'overload ÷ target tracking',
        'unserved %',
      ],
      rows.map((r) => [
        r.policy,
        Number(r.cost.toFixed(1)),
        per(r.cost, r.oracleCost),
        per(r.cost, reference?.cost),
        r.overload,
        per(r.overload, reference?.overload),
        Number(((100 * r.unservedUnits) / r.loadUnits).toFixed(4)),
      ]),
    ),
    charts: [
      await costOverloadScatter(
        `All traces · ${kind} · total cost against total overload, every policy`,
        rows.map((r) => ({
          name: r.policy,
          cost: r.cost,
          overloadMinutes: r.overload,
          detail: `cost ${per(r.cost, r.oracleCost)}× the oracle's, ${per(r.cost, reference?.cost)}× target tracking's; overload ${per(r.overload, reference?.overload)}× target tracking's.`,
        })),
      ),
    ],
  });
}
summary.push({
  heading: 'Every run',
  html: `<ul>${traceFiles
    .map(
      (file) =>
        `<li>${file}: ${reports
          .filter((r) => r.file === file)
          .map((r) => `<a href="${r.name}.html">${r.kind}</a>`)
          .join(' · ')}</li>`,
    )
    .join('\n')}</ul>`,
});
writeFileSync(join(ROOT, 'bench/out/index.html'), htmlPage('Backtest bench: summary', summary));

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
process.stdout.write(
  `60-day backtest: ${best.toFixed(0)} ms (target < 3000 ms)\nwrote bench/results.md and bench/charts/\nsummary: ${join(ROOT, 'bench/out/index.html')}\n`,
);
if (best >= 3000) process.exitCode = 1;
