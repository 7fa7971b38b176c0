import type { TargetKind } from '../policy/schema';
import type { Figures } from '../simulate/engine';
import type { BacktestResult } from '../simulate/runBacktest';
import type { MinuteSeries } from '../simulate/trace';
import {
  CAPACITY_HEIGHT,
  capacityChart,
  clock,
  costOverloadScatter,
  type DecisionMark,
  formatNumber,
  policyColour,
} from './charts';
import { escapeHtml, htmlPage, htmlTable, type PageSection } from './page';
import { type Chart, stackCharts } from './render';

export const unitNames: Record<TargetKind, string> = {
  asg: 'instances',
  'rds-replicas': 'read replicas',
  'cache-shards': 'shards',
};

export interface BacktestReportOptions {
  /** The trace (file name or metric) the backtest ran on. */
  readonly trace: string;
  readonly kind: TargetKind;
  /** The load's unit, e.g. `requests/min`; says "trace value" when unknown. */
  readonly loadUnit?: string;
  /** Page heading; `Backtest: <trace> (<kind>)` by default. */
  readonly title?: string;
  /** Decisions with their real reasons, by policy (e.g. the emulator's run); others are read off the timeline. */
  readonly decisions?: Readonly<Record<string, readonly DecisionMark[]>>;
  /** Per-minute load forecast and the load its floors planned for, by policy (predictive runs). */
  readonly forecasts?: Readonly<
    Record<string, { readonly value: ArrayLike<number>; readonly upper: ArrayLike<number> }>
  >;
}

export interface BacktestReport {
  /** The self-contained report.html. */
  readonly html: string;
  /** One chart per policy over the whole run, stacked: what the PNG shows. */
  readonly overview: Chart;
}

/** The busiest day gets its own charts when the run is longer than this. */
const ZOOM_ABOVE_MINUTES = 3 * 1440;

/**
 * The backtest report: the comparison table (cost, overload, their ratios to target tracking and to the
 * oracle), a cost-versus-overload scatter, one chart per policy over the whole run on a shared time and
 * units axis and, for runs over three days, the same for the 24 hours around the peak load.
 */
export async function backtestReport(
  result: BacktestResult,
  series: MinuteSeries,
  options: BacktestReportOptions,
): Promise<BacktestReport> {
  const s = result.scenario;
  const n = series.load.length;
  const unitName = unitNames[options.kind];
  const loadUnit = options.loadUnit ?? 'trace value';
  const title = options.title ?? `Backtest: ${options.trace} (${options.kind})`;
  const byPolicy = new Map(result.figures.map((f) => [f.policy, f]));
  const reference = byPolicy.get('target-tracking');
  const oracle = byPolicy.get('oracle');
  let peak = 0;
  for (let m = 1; m < n; m += 1) if ((series.load[m] as number) > (series.load[peak] as number)) peak = m;

  // One value axis for every policy: what one chart shows high, another does not show low.
  let top = 0;
  for (let m = 0; m < n; m += 1) top = Math.max(top, (series.load[m] as number) / s.unitCapacity);
  for (const t of result.timelines) for (const v of t.ordered) top = Math.max(top, v);
  const forecasts = [
    ...Object.values(options.forecasts ?? {}),
    ...result.timelines.flatMap((t) => (t.forecast ? [t.forecast] : [])),
  ];
  for (const f of forecasts)
    for (let m = 0; m < f.upper.length; m += 1) {
      const v = f.upper[m] as number;
      if (Number.isFinite(v)) top = Math.max(top, v / s.unitCapacity);
    }
  // Unless the load outgrows the capacity by far (a flash crowd past the maximum): then the axis stops at
  // 1.5 × the most capacity any policy had, so capacity stays readable; the load's peaks above are written.
  let capacityTop = s.max;
  for (const t of result.timelines) for (const v of t.ordered) capacityTop = Math.max(capacityTop, v);
  const unitsMax = Math.ceil(Math.min(top * 1.05, Math.max(capacityTop * 1.5, 1)));

  const chartsFor = (window: { from: number; to: number }, label: string) =>
    Promise.all(
      result.timelines.map((t) =>
        capacityChart({
          title: `${options.trace} · ${options.kind} · ${t.policy}${label}`,
          subtitle: figuresLine(byPolicy.get(t.policy), reference, unitName),
          start: series.start,
          unitName,
          loadUnit,
          unitCapacity: s.unitCapacity,
          load: series.load,
          ordered: t.ordered,
          serving: t.serving,
          forecast: options.forecasts?.[t.policy] ?? t.forecast,
          decisions: options.decisions?.[t.policy],
          window,
          unitsMax,
        }),
      ),
    );
  const overview = await chartsFor({ from: 0, to: n }, '');
  const zoomWindow = n > ZOOM_ABOVE_MINUTES ? aroundPeak(peak, n) : undefined;
  const zoom = zoomWindow ? await chartsFor(zoomWindow, ' · the 24 hours around the peak') : [];
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

  const rows = result.figures.map((f) => [
    f.policy,
    Number(f.cost.toFixed(1)),
    ratio(f.cost, oracle?.cost),
    ratio(f.cost, reference?.cost),
    f.overloadMinutes,
    ratio(f.overloadMinutes, reference?.overloadMinutes),
    Number(f.unservedPercent.toFixed(4)),
    f.sloRiskMinutes,
    f.actions,
    f.flaps,
  ]);
  const table = htmlTable(
    [
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
    rows,
    { swatches: result.figures.map((f) => policyColour(f.policy)) },
  );
  const scenario = `<p>${n.toLocaleString('en')} minutes from ${escapeHtml(clock(series.start, 0))} to ${escapeHtml(clock(series.start, n))} UTC. The load peaked at <b>${escapeHtml(formatNumber(series.load[peak] as number))} ${escapeHtml(loadUnit)}</b> on <b>${escapeHtml(clock(series.start, peak))} UTC</b>. One ${escapeHtml(singular(unitName))} serves ${escapeHtml(formatNumber(s.unitCapacity))} ${escapeHtml(loadUnit)} at 100%; target utilisation ${s.targetUtilisation}; range ${s.min}–${s.max}; provisioning delay ${s.delay} min.</p>`;
  const howToRead = `<p class="note">Each chart: the load (red, right axis in ${escapeHtml(loadUnit)}, left axis in the ${escapeHtml(unitName)} it needs at 100%), the capacity ordered (dashed) and serving (solid), shaded where the load was above what served (overload). The value axis is shared by every chart; load far above any capacity is cut at the top, with its highest peaks written there (↑). ▲ scale-out, ▼ scale-in: hover a mark for the decision and its reason. Long runs show, per point, the peak load and ordered capacity and the least serving capacity of its stretch of minutes.</p>`;
  const sections: PageSection[] = [
    { html: scenario },
    { heading: 'Policies compared', html: table, charts: [scatter] },
    { heading: 'Every policy over the whole run', html: howToRead, charts: overview },
    ...(zoomWindow
      ? [
          {
            heading: `The 24 hours around the peak (${clock(series.start, peak)} UTC)`,
            charts: zoom,
          },
        ]
      : []),
  ];
  return { html: htmlPage(title, sections), overview: stackCharts(overview) };
}

/** Pixel height of the report's PNG (the overview charts stacked) for a number of policies. */
export function overviewHeight(policies: number): number {
  return policies * CAPACITY_HEIGHT;
}

function singular(unitName: string): string {
  return unitName.replace(/s$/, '');
}

function aroundPeak(peak: number, n: number): { from: number; to: number } {
  const from = Math.max(0, Math.min(n - 1440, peak - 720));
  return { from, to: Math.min(n, from + 1440) };
}

function ratio(value: number, reference: number | undefined): string {
  if (reference === undefined) return '–';
  if (reference === 0) return value === 0 ? '1.000' : '∞';
  return (value / reference).toFixed(3);
}

function ratiosText(f: Figures, reference: Figures | undefined): string {
  return `${Number.isFinite(f.costRatio) ? f.costRatio.toFixed(3) : '–'}× the oracle's cost; against target tracking: cost ${ratio(f.cost, reference?.cost)}×, overload ${ratio(f.overloadMinutes, reference?.overloadMinutes)}×.`;
}

function figuresLine(f: Figures | undefined, reference: Figures | undefined, unitName: string): string {
  if (!f) return '';
  return `cost ${f.cost.toFixed(1)} ${singular(unitName)}-hours (${Number.isFinite(f.costRatio) ? f.costRatio.toFixed(2) : '–'}× oracle, ${ratio(f.cost, reference?.cost)}× target tracking) · ${f.overloadMinutes} overload minutes · ${f.actions} scaling actions · ${f.flaps} flaps`;
}
