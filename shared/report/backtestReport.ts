import type { TargetKind } from '../policy/schema';
import type { Figures } from '../simulate/engine';
import type { BacktestResult } from '../simulate/runBacktest';
import type { MinuteSeries } from '../simulate/trace';
import { CHART_POINTS, capacityChart, MAX_MARKS, overviewChart } from './capacityChart';
import { CHART_WIDTH, costOverloadScatter, policyColour } from './charts';
import { type ChartSeries, clock, type DecisionMark, formatNumber } from './chartWindow';
import { escapeHtml, htmlPage, htmlTable, type PageData, type PageSection, toRuns } from './page';
import { peakDay } from './peakDay';
import { ratioText } from './ratioText';
import { type Chart, stackCharts } from './render';
import { tableChart } from './tableChart';
import { timelineDecisions } from './timelineDecisions';

export const unitNames: Record<TargetKind, string> = {
  asg: 'instances',
  'rds-replicas': 'read replicas',
  'cache-shards': 'shards',
};

export interface BacktestReportOptions {
  /** The trace (file name or metric) the backtest ran on. */
  readonly trace: string;
  readonly kind: TargetKind;
  /** The load's unit, e.g. `requests/min` (`--load-unit`); "as recorded" when not given. */
  readonly loadUnit?: string;
  /** Page heading; `Backtest: <trace> (<kind>)` by default. */
  readonly title?: string;
  /**
   * Decisions with their reasons, by policy (e.g. the functions' own in the emulator's run); otherwise a
   * timeline's own `decisions`, or reasons read off its capacity.
   */
  readonly decisions?: Readonly<Record<string, readonly DecisionMark[]>>;
  /** Per-minute load forecast and the load its floors planned for, by policy (predictive runs). */
  readonly forecasts?: Readonly<
    Record<string, { readonly value: ArrayLike<number>; readonly upper: ArrayLike<number> }>
  >;
}

export interface BacktestReport {
  /** The self-contained report.html. */
  readonly html: string;
  /** What the PNG shows: the figures table, then each policy over the whole run and over the peak day. */
  readonly overview: Chart;
}

/**
 * The backtest report: the comparison table (cost, overload, their ratios to target tracking and to the
 * oracle), a cost-versus-overload scatter, one chart per policy over the whole run (per hour or day with
 * min/max bands when long; live in the page: a brush to zoom every chart to a window, a crosshair reading
 * every series) and, for runs over three days, the same for the 24 hours around the peak load. Every
 * decision mark names its reason code and message. The PNG holds the table, the whole run and the peak day.
 */
export async function backtestReport(
  result: BacktestResult,
  series: MinuteSeries,
  options: BacktestReportOptions,
): Promise<BacktestReport> {
  const n = series.load.length;
  const unitName = unitNames[options.kind];
  const title = options.title ?? `Backtest: ${options.trace} (${options.kind})`;
  const byPolicy = new Map(result.figures.map((f) => [f.policy, f]));
  const reference = byPolicy.get('target-tracking');
  let peak = 0;
  for (let m = 1; m < n; m += 1) if ((series.load[m] as number) > (series.load[peak] as number)) peak = m;
  const chartSeries = chartSeriesOf(result, series, options);
  // Each chart's value axes span its own data (the load's axis beside each reads the same load).
  const chartsFor = (window: { from: number; to: number }, label: string, group: string) =>
    Promise.all(
      result.timelines.map((t) =>
        capacityChart({
          title: `${options.trace} · ${options.kind} · ${t.policy}${label}`,
          subtitle: figuresLine(byPolicy.get(t.policy), reference, unitName),
          series: chartSeries.get(t.policy) as ChartSeries,
          window,
          live: { series: t.policy, group },
        }),
      ),
    );
  const overview = await chartsFor({ from: 0, to: n }, '', 'run');
  const strip = await overviewChart({
    title: `${options.trace} · the load over the whole run`,
    series: chartSeries.values().next().value as ChartSeries,
    group: 'run',
  });
  const zoomWindow = peakDay(peak, n);
  const zoom = zoomWindow ? await chartsFor(zoomWindow, ' · the 24 hours around the peak', 'peak') : [];
  const scatter = await costOverloadScatter(
    `${options.trace} · ${options.kind} · cost against overload, every policy`,
    result.figures.map((f) => ({
      name: f.policy,
      cost: f.cost,
      overloadMinutes: f.overloadMinutes,
      detail: ratiosText(f, reference),
    })),
    `${singular(unitName)}-hours`,
  );
  const table = figuresRows(result, unitName);
  const scenario = scenarioLine(result, series, peak, unitName, options.loadUnit ?? 'as recorded');
  const sections: PageSection[] = [
    { html: `<p>${escapeHtml(scenario)}</p>` },
    {
      heading: 'Policies compared',
      html: htmlTable(table.headers, table.rows, { swatches: table.swatches }),
      charts: [scatter],
    },
    {
      heading: 'Every policy over the whole run',
      html: howToRead(result, unitName, options.loadUnit ?? 'as recorded'),
      charts: [strip, ...overview],
    },
    ...(zoomWindow
      ? [{ heading: `The 24 hours around the peak (${clock(series.start, peak)} UTC)`, charts: zoom }]
      : []),
  ];
  const figuresChart = tableChart({ title, subtitle: scenario, ...table, width: CHART_WIDTH });
  return {
    html: htmlPage(title, sections, pageData(chartSeries, series.load)),
    overview: stackCharts([figuresChart, ...overview, ...zoom]),
  };
}

/** What each policy's chart draws: its run minute by minute, its forecast, its decisions with their reasons. */
function chartSeriesOf(
  result: BacktestResult,
  series: MinuteSeries,
  options: BacktestReportOptions,
): Map<string, ChartSeries> {
  const s = result.scenario;
  const loadUnit = options.loadUnit ?? 'as recorded';
  return new Map(
    result.timelines.map((t) => {
      const forecast = options.forecasts?.[t.policy] ?? t.forecast;
      const one: ChartSeries = {
        start: series.start,
        unitCapacity: s.unitCapacity,
        targetUtilisation: s.targetUtilisation,
        unitName: unitNames[options.kind],
        loadUnit,
        load: series.load,
        ordered: t.ordered,
        serving: t.serving,
        ...(forecast ? { forecast: forecast.value, upper: forecast.upper } : {}),
        decisions: timelineDecisions(t, series.load, s, loadUnit, options.decisions?.[t.policy]),
      };
      return [t.policy, one];
    }),
  );
}

/** The run in one paragraph: its span, its peak, what one unit serves, the scenario's settings. */
function scenarioLine(
  result: BacktestResult,
  series: MinuteSeries,
  peak: number,
  unitName: string,
  loadUnit: string,
): string {
  const s = result.scenario;
  const n = series.load.length;
  return `${n.toLocaleString('en')} minutes from ${clock(series.start, 0)} to ${clock(series.start, n)} UTC. The load peaked at ${formatNumber(series.load[peak] as number)} ${loadUnit} on ${clock(series.start, peak)} UTC. One ${singular(unitName)} serves ${formatNumber(s.unitCapacity)} ${loadUnit} at 100%; target utilisation ${s.targetUtilisation}; range ${s.min}–${s.max}; provisioning delay ${s.delay} min.`;
}

/** How to read the charts, above them. */
function howToRead(result: BacktestResult, unitName: string, loadUnit: string): string {
  const target = Math.round(result.scenario.targetUtilisation * 100);
  return `<p class="note">Each chart: capacity serving (blue, filled) and ordered (dark dashed line); the load (red) drawn as the ${escapeHtml(unitName)} it needs at the target utilisation of ${target}% (left axis), its own value in ${escapeHtml(loadUnit)} on the right axis, tick for tick; the forecast and the load its floors planned for (orange) where a policy forecasts; overload shaded. Below, the utilisation of what served against the target line (green). A long run is drawn per stretch of minutes (an hour, a day): the line is the stretch's peak load, ordered capacity and least serving capacity, the band its least to most. ▲ scale-out, ▼ scale-in, ◆ several decisions: hover a mark for its reason code and message (a ◆ counts its decisions by reason). Drag across the strip above the charts to zoom every chart to that window (double-click: the whole run again); move over a chart to read every series at one time. The oracle is perfect foresight: it knows each minute's load and its capacity serves at once, a yardstick, not a policy. Load far above any capacity is cut at the top, its highest peaks written there (↑).</p>`;
}

/** The live charts' data: the load once, each policy's run as runs of equal values, its decisions as rows. */
function pageData(chartSeries: ReadonlyMap<string, ChartSeries>, load: ArrayLike<number>): PageData {
  const series: Record<string, unknown> = {};
  for (const [policy, c] of chartSeries) {
    const { load: _, ordered, serving, forecast, upper, decisions, ...rest } = c;
    series[policy] = {
      ...rest,
      decisions: decisions.map((d) => [d.minute, d.from, d.to, d.reason, d.message]),
      ordered: toRuns(ordered),
      serving: toRuns(serving),
      ...(forecast ? { forecast: toRuns(forecast) } : {}),
      ...(upper ? { upper: toRuns(upper) } : {}),
    };
  }
  return { points: CHART_POINTS, maxMarks: MAX_MARKS, load: toRuns(load), series };
}

/** The comparison table: a row per policy, with its colour. */
function figuresRows(result: BacktestResult, unitName: string) {
  const byPolicy = new Map(result.figures.map((f) => [f.policy, f]));
  const reference = byPolicy.get('target-tracking');
  const oracle = byPolicy.get('oracle');
  return {
    headers: [
      'policy',
      `cost (${singular(unitName)}-hours)`,
      'cost ÷ oracle',
      'cost ÷ target tracking',
      'overload min',
      'overload ÷ target tracking',
      'unserved %',
      'SLO-risk min',
      'actions',
      'flaps',
    ],
    rows: result.figures.map((f) => [
      f.policy,
      Number(f.cost.toFixed(1)),
      ratioText(f.cost, oracle?.cost),
      ratioText(f.cost, reference?.cost),
      f.overloadMinutes,
      ratioText(f.overloadMinutes, reference?.overloadMinutes),
      Number(f.unservedPercent.toFixed(4)),
      f.sloRiskMinutes,
      f.actions,
      f.flaps,
    ]),
    swatches: result.figures.map((f) => policyColour(f.policy)),
  };
}

function singular(unitName: string): string {
  return unitName.replace(/s$/, '');
}

function ratiosText(f: Figures, reference: Figures | undefined): string {
  return `${Number.isFinite(f.costRatio) ? f.costRatio.toFixed(3) : '–'}× the oracle's cost; against target tracking: cost ${ratioText(f.cost, reference?.cost)}×, overload ${ratioText(f.overloadMinutes, reference?.overloadMinutes)}×.`;
}

function figuresLine(f: Figures | undefined, reference: Figures | undefined, unitName: string): string {
  if (!f) return '';
  return `cost ${f.cost.toFixed(1)} ${singular(unitName)}-hours (${Number.isFinite(f.costRatio) ? f.costRatio.toFixed(2) : '–'}× oracle, ${ratioText(f.cost, reference?.cost)}× target tracking) · ${f.overloadMinutes} overload minutes · ${f.actions} scaling actions · ${f.flaps} flaps`;
}
