import type { PlanBacktestResult } from '../simulate/planBacktest';
import type { PlanFigures } from '../simulate/planFigures';
import type { MinuteSeries } from '../simulate/trace';
import { unitNames } from './backtestReport';
import { clock, formatNumber } from './chartWindow';
import { escapeHtml, htmlPage, htmlTable, type PageSection } from './page';
import { peakDay } from './peakDay';
import { planCharts } from './planCharts';
import { ratioText } from './ratioText';
import { type Chart, stackCharts } from './render';

export interface PlanReportOptions {
  /** The trace (file name or metric) the backtest ran on. */
  readonly trace: string;
  /** The demand's unit, e.g. `requests/min`; "trace value" when unknown. */
  readonly loadUnit?: string;
}

/** The policy the others are compared with (the goal is stated against it). */
export const PLAN_REFERENCE = 'independent-scalepilot';
/**
 * The plan backtest's report: the members' scenario (unit capacity, range, delay, lead time, price), the
 * figures of every policy with their ratios to independent Scalepilot, and per policy the members' charts
 * stacked on one time axis, over the whole run and, for runs over three days, the 24 hours around the peak.
 */
export async function planReport(
  result: PlanBacktestResult,
  series: MinuteSeries,
  options: PlanReportOptions,
): Promise<{ html: string; overview: Chart }> {
  const n = series.load.length;
  const loadUnit = options.loadUnit ?? 'trace value';
  let peak = 0;
  for (let m = 1; m < n; m += 1) if ((series.load[m] as number) > (series.load[peak] as number)) peak = m;
  const reference = result.figures.find((f) => f.policy === PLAN_REFERENCE);
  const unitsMax = membersUnitsMax(result);
  const chartsOf = (window: { from: number; to: number }, label: string) =>
    policyCharts(result, series, { ...options, loadUnit }, { window, label, unitsMax });
  const whole = await chartsOf({ from: 0, to: n }, '');
  const zoomWindow = peakDay(peak, n);
  const zoom = zoomWindow ? await chartsOf(zoomWindow, ' · the 24 hours around the peak') : [];

  const members = membersTable(result, loadUnit);
  const figures = figuresTable(result, reference);
  const intro = `<p>${n.toLocaleString('en')} minutes from ${escapeHtml(clock(series.start, 0))} to ${escapeHtml(clock(series.start, n))} UTC. The demand peaked at <b>${escapeHtml(formatNumber(series.load[peak] as number))} ${escapeHtml(loadUnit)}</b> on <b>${escapeHtml(clock(series.start, peak))} UTC</b>. The entry (${escapeHtml(result.scenario.members[0]?.name ?? '')}) sees the demand; every other member sees what the entry served. System overload: a minute in which any member is above 100%; downstream overload: those in which the entry was not. Cost in USD from the bundled on-demand prices (us-east-1).</p>`;
  const howToRead = `<p class="note">Per policy, one chart per member on one time axis: the load it saw (red, right axis), the capacity ordered (dashed) and serving (solid), shaded where the load was above what served. ▲ scale-out, ▼ scale-in: hover a mark for the decision and its reason. The entry's chart of the coordinated policy also draws the demand forecast and the demand its floors planned for.</p>`;
  const sections: PageSection[] = [
    { html: intro },
    { heading: 'Members', html: members },
    { heading: 'Policies compared', html: figures },
    ...result.timelines.map((t, i) => ({
      heading: `${t.policy} over the whole run`,
      ...(i === 0 ? { html: howToRead } : {}),
      charts: whole[i] ?? [],
    })),
    ...(zoomWindow
      ? result.timelines.map((t, i) => ({
          heading: `${t.policy}: the 24 hours around the peak (${clock(series.start, peak)} UTC)`,
          charts: zoom[i] ?? [],
        }))
      : []),
  ];
  return {
    html: htmlPage(`Plan backtest: ${options.trace} (plan ${result.plan})`, sections),
    overview: stackCharts(whole.flat()),
  };
}

/** Per policy, its members' charts on one time axis over `window`. */
function policyCharts(
  result: PlanBacktestResult,
  series: MinuteSeries,
  options: PlanReportOptions & { readonly loadUnit: string },
  draw: {
    readonly window: { readonly from: number; readonly to: number };
    readonly label: string;
    readonly unitsMax: Record<string, number>;
  },
): Promise<Chart[][]> {
  const reference = result.figures.find((f) => f.policy === PLAN_REFERENCE);
  const { window, label, unitsMax } = draw;
  const loadUnit = options.loadUnit;
  return Promise.all(
    result.timelines.map((t) =>
      planCharts({
        title: `${options.trace} · plan ${result.plan} · ${t.policy}${label}`,
        subtitle: figuresLine(
          result.figures.find((f) => f.policy === t.policy),
          reference,
        ),
        start: series.start,
        loadUnit,
        window,
        unitsMax,
        members: t.members.map((k, i) => {
          const s = result.scenario.members[i];
          return {
            name: k.name,
            kind: s?.kind ?? 'asg',
            unitName: unitNames[s?.kind ?? 'asg'],
            unitCapacity: s?.unitCapacity ?? 1,
            targetUtilisation: s?.targetUtilisation ?? 0.7,
            load: k.load,
            ordered: k.ordered,
            serving: k.serving,
            decisions: k.decisions,
            ...(i === 0 && t.policy === 'coordinated' ? { forecast: result.forecast } : {}),
          };
        }),
      }),
    ),
  );
}

/** One value axis per member across the policies (charts meant to be compared share it). */
function membersUnitsMax(result: PlanBacktestResult): Record<string, number> {
  // Load far above any capacity (a spike, a forecast band past the maximum) is cut at 1.5 × the most
  // capacity the member had, so capacity stays readable.
  return Object.fromEntries(
    result.scenario.members.map((s, i) => {
      let capacity = s.max;
      let load = 0;
      for (const t of result.timelines) {
        const k = t.members[i];
        if (!k) continue;
        for (const v of k.ordered) capacity = Math.max(capacity, v);
        for (const v of k.load) load = Math.max(load, v / s.unitCapacity);
      }
      return [s.name, Math.ceil(Math.min(Math.max(load, capacity) * 1.05, capacity * 1.5))];
    }),
  );
}

/** The members as the backtest ran them: unit capacity, range, delay, lead time, how they follow, price. */
function membersTable(result: PlanBacktestResult, loadUnit: string): string {
  return htmlTable(
    [
      'member',
      'kind',
      'unit serves (100%)',
      'range',
      'delay',
      'lead time',
      'follows (as backtested)',
      'price',
    ],
    result.scenario.members.map((s, i) => {
      const m = result.model.members[i];
      const follows = !m
        ? '–'
        : 'unitsPerDemand' in m.follows
          ? `${formatNumber(m.follows.unitsPerDemand)} per unit of demand (1 ÷ (u × T))`
          : `${m.follows.units} per ${m.follows.per} of ${m.follows.member}`;
      return [
        s.name,
        s.kind,
        `${formatNumber(s.unitCapacity)} ${loadUnit}`,
        `${s.min}–${s.max}`,
        `${s.delay} min`,
        `${m?.leadMinutes ?? '–'} min (${m?.leadSource ?? '–'})`,
        follows,
        `$${s.usdPerUnitHour}/h a unit (${s.unitType})`,
      ];
    }),
  );
}

/** The rows with their ratios to the reference and each member's cost. */
function figuresTable(result: PlanBacktestResult, reference: PlanFigures | undefined): string {
  return htmlTable(
    [
      'policy',
      'system overload min',
      'downstream overload min',
      'unserved %',
      'cost USD',
      `cost ÷ ${PLAN_REFERENCE}`,
      `system overload ÷ ${PLAN_REFERENCE}`,
      `downstream overload ÷ ${PLAN_REFERENCE}`,
      'cost per member USD',
      'actions',
    ],
    result.figures.map((f) => [
      f.policy,
      f.overloadMinutes,
      f.downstreamOverloadMinutes,
      Number(f.unservedPercent.toFixed(4)),
      Number(f.cost.toFixed(2)),
      ratioText(f.cost, reference?.cost),
      ratioText(f.overloadMinutes, reference?.overloadMinutes),
      ratioText(f.downstreamOverloadMinutes, reference?.downstreamOverloadMinutes),
      f.members.map((k) => `${k.member} ${k.cost.toFixed(2)}`).join(', '),
      f.actions,
    ]),
  );
}

function figuresLine(f: PlanFigures | undefined, reference: PlanFigures | undefined): string {
  if (!f) return '';
  return `cost $${f.cost.toFixed(2)} (${ratioText(f.cost, reference?.cost)}× ${PLAN_REFERENCE}) · ${f.overloadMinutes} system overload minutes, ${f.downstreamOverloadMinutes} downstream · ${f.actions} actions`;
}
