import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BacktestReportOptions, backtestReport } from '../../shared/report/backtestReport';
import type { DecisionMark } from '../../shared/report/chartWindow';
import { pngFromSvg } from '../../shared/report/render';
import { type BacktestResult, timelineCsv } from '../../shared/simulate/runBacktest';
import type { MinuteSeries } from '../../shared/simulate/trace';
import type { ReplayedDecision } from './replay';

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

/**
 * report.html (self-contained: inline SVG charts, the Vega runtime for zoom and crosshair, no network),
 * chart.png (the figures table, each policy over the whole run and over the peak day, drawn by resvg) and,
 * with `timelines`, each policy's minute-by-minute timeline as `<policy>.csv.gz` (a year of minutes is some
 * 20 MB of CSV a policy, about a tenth of that compressed). Returns the report's path.
 */
export async function writeReport(
  out: string,
  result: BacktestResult,
  series: MinuteSeries,
  options: BacktestReportOptions & { readonly timelines?: boolean },
): Promise<string> {
  mkdirSync(out, { recursive: true });
  if (options.timelines)
    for (const t of result.timelines)
      writeFileSync(join(out, `${t.policy}.csv.gz`), gzipSync(timelineCsv(t, series)));
  const report = await backtestReport(result, series, options);
  const file = join(out, 'report.html');
  writeFileSync(file, report.html);
  writeFileSync(join(out, 'chart.png'), pngFromSvg(report.overview));
  return file;
}

/** The replay's applied changes to one target as chart marks, each with its reason code and message. */
export function replayDecisionMarks(decisions: readonly ReplayedDecision[], target: string): DecisionMark[] {
  return decisions
    .filter((d) => d.evaluation.applied && d.evaluation.decision.target === target)
    .filter((d) => d.evaluation.decision.desired !== d.evaluation.decision.current)
    .map((d) => {
      const x = d.evaluation.decision;
      const via = d.trigger === 'alarm' ? `alarm ${d.alarmName}` : 'the one-minute schedule';
      return {
        minute: d.minute,
        from: x.current,
        to: x.desired,
        reason: x.reason,
        message: `${x.message} (via ${via})`,
      };
    });
}
