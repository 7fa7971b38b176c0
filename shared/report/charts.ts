import type { TopLevelSpec } from 'vega-lite';
import { formatNumber } from './chartWindow';
import { CHART_FONT, type Chart, renderChart } from './render';

// What every report's charts share (backtest, bench, npm start, forecast): Vega-Lite specs rendered to SVG on
// the server, time in epoch ms shown in UTC, a title, axes with units and a legend; and the scatter.

/** Width of a full-width chart, in pixels. */
export const CHART_WIDTH = 1100;

/** What every chart shares: the font, titles at the start, a light frame. */
export const baseConfig = {
  font: CHART_FONT,
  aria: false, // only decision marks carry a description: they become the hover titles
  title: { fontSize: 15, subtitleFontSize: 12, subtitleColor: '#444', anchor: 'start' as const },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 12, symbolType: 'square', labelLimit: 0 },
  view: { stroke: '#ccc' },
};

/**
 * The time axis for a span of minutes, in UTC: up to two days, hours with the day named at midnight;
 * up to a few weeks, one tick a day (or two); beyond, weeks or months. Tick spacing is chosen here
 * because label-overlap removal would otherwise keep the noon labels and drop the days.
 */
export function timeAxis(from: number, to: number) {
  const days = (to - from) / 86_400_000;
  const hourly =
    "utchours(datum.value) === 0 && utcminutes(datum.value) === 0 ? utcFormat(datum.value, '%a %d %b') : utcFormat(datum.value, '%H:%M')";
  const [tickCount, labelExpr] =
    days <= 2
      ? [undefined, hourly]
      : days <= 16
        ? [{ interval: 'day', step: 1 }, "utcFormat(datum.value, '%a %d %b')"]
        : days <= 35
          ? [{ interval: 'day', step: 2 }, "utcFormat(datum.value, '%d %b')"]
          : days <= 120
            ? [{ interval: 'week', step: 1 }, "utcFormat(datum.value, '%d %b')"]
            : [{ interval: 'month', step: 1 }, "utcFormat(datum.value, '%b %Y')"];
  return {
    title: day(from) === day(to) ? `time (UTC), ${day(from)}` : `time (UTC), ${day(from)} to ${day(to)}`,
    labelExpr,
    ...(tickCount ? { tickCount } : {}),
    labelOverlap: true,
    grid: true,
  };
}

export interface ScatterPoint {
  readonly name: string;
  readonly cost: number;
  readonly overloadMinutes: number;
  /** Shown on hover, e.g. the ratios. */
  readonly detail: string;
}

/** Cost against overload minutes, one labelled point per policy: the lower left corner is best. */
export async function costOverloadScatter(
  title: string,
  points: readonly ScatterPoint[],
  costUnit = 'unit-hours',
): Promise<Chart> {
  const values = points.map((p) => ({
    ...p,
    description: `${p.name}: cost ${formatNumber(p.cost)} ${costUnit}, ${p.overloadMinutes} overload minutes. ${p.detail}`,
  }));
  const x = {
    field: 'cost',
    type: 'quantitative' as const,
    title: `cost (${costUnit})`,
    scale: { zero: false, padding: 30 },
  };
  const y = {
    field: 'overloadMinutes',
    type: 'quantitative' as const,
    title: 'overload (minutes)',
    scale: { domainMin: 0, nice: true },
    axis: { tickMinStep: 1, format: ',d' },
  };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 720,
    height: 380,
    autosize: { type: 'fit', contains: 'padding' },
    title: { text: title, subtitle: 'lower left is better: less cost, fewer minutes of overload' },
    config: baseConfig,
    data: { values },
    layer: [
      {
        mark: { type: 'point', filled: true, size: 110, aria: true },
        encoding: {
          x,
          y,
          color: {
            field: 'name',
            type: 'nominal',
            title: 'policy',
            scale: { domain: values.map((v) => v.name), range: values.map((v) => policyColour(v.name)) },
          },
          description: { field: 'description' },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 8, dy: -8, fontSize: 11 },
        encoding: { x, y, text: { field: 'name' } },
      },
    ],
  } as TopLevelSpec;
  return renderChart(spec, title);
}

const POLICY_COLOURS: Record<string, string> = {
  oracle: '#2ca02c',
  'static-peak': '#7f7f7f',
  'step-seed': '#ff7f0e',
  'target-tracking': '#9467bd',
  hpa: '#8c564b',
  scalepilot: '#1f77b4',
  'scalepilot-reactive': '#17becf',
  'scalepilot-emulator': '#e377c2',
};
const OTHER_COLOURS = ['#bcbd22', '#17becf', '#e377c2', '#393b79', '#637939'];

/** A policy's colour, the same in every chart and table. */
export function policyColour(name: string): string {
  const known = POLICY_COLOURS[name];
  if (known) return known;
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return OTHER_COLOURS[hash % OTHER_COLOURS.length] as string;
}

/** `1 Jan 2026` (UTC). */
export function day(ms: number): string {
  return new Date(ms).toUTCString().slice(5, 16).replace(/^0/, '');
}
