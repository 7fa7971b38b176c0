import type { TopLevelSpec } from 'vega-lite';
import { capacitySpec, liveTimeAxis, PLOT_WIDTH, SERIES, SERIES_COLOURS } from './capacitySpec';
import { baseConfig } from './charts';
import { type ChartSeries, chartWindow, unitsAxisTop, utilisationAxisTop } from './chartWindow';
import { type Chart, liveSpec, renderChart } from './render';

/** Rows per chart at most: one per 1.6 pixels of the plot, finer than a line shows (a zoom shows every minute). */
export const CHART_POINTS = 600;
/** Decision marks per chart at most; beyond, one mark per stretch of time with its reasons counted. */
export const MAX_MARKS = 100;
/** The datasets a capacity chart draws; the page replaces them when the reader zooms. */
export const CAPACITY_DATA = ['rows', 'overload', 'marks', 'cutoff'] as const;

export interface CapacityChartInput {
  /** Names the trace, the kind and the policy. */
  readonly title: string;
  readonly subtitle?: string;
  readonly series: ChartSeries;
  /** Minutes drawn, [from, to); the whole series by default. */
  readonly window?: { readonly from: number; readonly to: number };
  /** Tops of the units and utilisation axes; by default, just above the chart's own data. */
  readonly unitsMax?: number;
  readonly utilisationMax?: number;
  /**
   * The chart's series in the page's data, and the group of charts that zoom together: with it, the page
   * draws the chart live (zoom, crosshair) from the same spec; without, it stays the drawn SVG.
   */
  readonly live?: { readonly series: string; readonly group?: string };
}

/**
 * Capacity against load, per stretch of minutes: the load as the units it needs at the target utilisation
 * (its min–max band and its peak; right axis in the operator's unit, ticks on the capacity's), capacity
 * serving (filled, with its band) and ordered (dark dashed line), the forecast with the load its floors
 * planned for, overload shaded, each decision marked with its reason; below, the utilisation of what served
 * against the target line.
 */
export async function capacityChart(input: CapacityChartInput): Promise<Chart> {
  const n = input.series.load.length;
  const w = chartWindow(
    input.series,
    input.window?.from ?? 0,
    input.window?.to ?? n,
    CHART_POINTS,
    MAX_MARKS,
  );
  const unitsMax = input.unitsMax ?? unitsAxisTop([w]);
  const utilisationMax = input.utilisationMax ?? utilisationAxisTop([w]);
  const spec = (interactive: boolean) => capacitySpec(input, w, { unitsMax, utilisationMax }, interactive);
  const chart = await renderChart(spec(false), input.title);
  if (!input.live) return chart;
  return {
    ...chart,
    live: {
      spec: liveSpec(spec(true), CAPACITY_DATA),
      series: input.live.series,
      ...(input.live.group ? { group: input.live.group } : {}),
      window: [w.from, w.to],
    },
  };
}

/**
 * The load over the whole run, per stretch, as a strip to brush: dragging on it picks the window the
 * group's charts show (in the page; drawn, it shows the run and says so).
 */
export async function overviewChart(input: {
  readonly title: string;
  readonly series: ChartSeries;
  readonly group: string;
}): Promise<Chart> {
  const n = input.series.load.length;
  const w = chartWindow({ ...input.series, decisions: [] }, 0, n, CHART_POINTS, 0);
  // The strip draws the load only: its rows carry nothing else (the page keeps them in its spec).
  const rows = w.rows.map((r) => ({ t: r.t, needLo: r.needLo, needHi: r.needHi }));
  const at = (m: number) => input.series.start + m * 60_000;
  const spec = (interactive: boolean) =>
    ({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: {
        text: input.title,
        subtitle:
          'drag across the strip to zoom every chart below to that window; double-click to see the whole run again',
      },
      config: baseConfig,
      width: PLOT_WIDTH,
      height: 50,
      params: [{ name: 'window', value: [at(0), at(n)] }],
      datasets: { rows },
      data: { name: 'rows' },
      layer: [
        {
          ...(interactive
            ? { params: [{ name: 'brush', select: { type: 'interval', encodings: ['x'] } }] }
            : {}),
          mark: {
            type: 'area',
            color: SERIES_COLOURS[SERIES.load],
            opacity: 0.35,
            interpolate: 'step-after',
          },
          encoding: {
            x: {
              field: 't',
              type: 'temporal',
              scale: { type: 'utc', domain: { expr: 'window' } },
              axis: liveTimeAxis(),
            },
            y: { field: 'needLo', type: 'quantitative', axis: null },
            y2: { field: 'needHi' },
          },
        },
      ],
    }) as TopLevelSpec;
  const chart = await renderChart(spec(false), input.title);
  return { ...chart, live: { spec: liveSpec(spec(true), []), overview: input.group, window: [0, n] } };
}
