import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportHtml } from '../../shared/simulate/reportHtml';
import { type BacktestResult, timelineCsv } from '../../shared/simulate/runBacktest';
import type { MinuteSeries } from '../../shared/simulate/trace';
import { CHROMIUM, renderChartPng } from './chromium';

/** The figures of a backtest as a tab-separated table, with the scenario line on top. */
export function figuresTable(result: BacktestResult, minutes: number): string[] {
  const fmt = (n: number, d = 1) => n.toFixed(d);
  const s = result.scenario;
  return [
    `${minutes} minutes, unit capacity ${fmt(s.unitCapacity, 3)}, T ${s.targetUtilisation}, range ${s.min}..${s.max}, delay ${s.delay} min`,
    [
      'policy',
      'cost (unit-h)',
      'cost ratio',
      'overload min',
      'unserved %',
      'SLO-risk min',
      'actions',
      'flaps',
    ].join('\t'),
    ...result.figures.map((f) =>
      [
        f.policy,
        fmt(f.cost),
        fmt(f.costRatio, 3),
        f.overloadMinutes,
        fmt(f.unservedPercent, 4),
        f.sloRiskMinutes,
        f.actions,
        f.flaps,
      ].join('\t'),
    ),
  ];
}

/** One timeline CSV per policy, report.html (SVG chart) and, where Chromium is present, chart.png. */
export async function writeReport(
  out: string,
  result: BacktestResult,
  series: MinuteSeries,
  title: string,
): Promise<void> {
  mkdirSync(out, { recursive: true });
  for (const t of result.timelines) writeFileSync(join(out, `${t.policy}.csv`), timelineCsv(t, series));
  writeFileSync(join(out, 'report.html'), reportHtml(result, series, title));
  if (existsSync(CHROMIUM)) await renderChartPng(join(out, 'report.html'), join(out, 'chart.png'));
  else console.error(`no chart.png: Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
}
