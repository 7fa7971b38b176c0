import type { TopLevelSpec } from 'vega-lite';
import { baseConfig, CHART_WIDTH } from './charts';
import {
  type ChartSeries,
  type ChartWindow,
  chartWindow,
  cutOffLabels,
  unitsAxisTop,
  utilisationAxisTop,
} from './chartWindow';
import { type Chart, liveSpec, renderChart } from './render';

/** Rows per chart at most: one per 1.6 pixels of the plot, finer than a line shows (a zoom shows every minute). */
export const CHART_POINTS = 600;
/** Decision marks per chart at most; beyond, one mark per stretch of time with its reasons counted. */
export const MAX_MARKS = 100;
/** Pixel size of a capacity chart's two plots (capacity above, utilisation below). */
const PLOT_WIDTH = CHART_WIDTH - 130;
const CAPACITY_PLOT_HEIGHT = 240;
const UTILISATION_PLOT_HEIGHT = 70;

/** The datasets a capacity chart draws; the page replaces them when the reader zooms. */
export const CAPACITY_DATA = ['rows', 'overload', 'marks', 'cutoff'] as const;

export const SERIES = {
  load: 'load',
  ordered: 'capacity ordered',
  serving: 'capacity serving',
  forecast: 'forecast',
  band: 'forecast × headroom',
  overload: 'overload (load above serving)',
  utilisation: 'utilisation of serving',
  target: 'target utilisation',
} as const;
const SERIES_COLOURS: Record<string, string> = {
  [SERIES.load]: '#d62728',
  [SERIES.ordered]: '#08306b',
  [SERIES.serving]: '#6baed6',
  [SERIES.forecast]: '#ff7f0e',
  [SERIES.band]: '#fdd0a2',
  [SERIES.overload]: '#fcbba1',
  [SERIES.utilisation]: '#756bb1',
  [SERIES.target]: '#2ca02c',
};
const MARK_SHAPES: Record<string, string> = {
  'scale-out': 'triangle-up',
  'scale-in': 'triangle-down',
  'several decisions': 'diamond',
};

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

/** The Vega-Lite spec of a capacity chart; `interactive` adds the crosshair (the page's live charts). */
export function capacitySpec(
  input: CapacityChartInput,
  w: ChartWindow,
  axes: { unitsMax: number; utilisationMax: number },
  interactive: boolean,
): TopLevelSpec {
  const s = input.series;
  const perUnit = s.unitCapacity * s.targetUtilisation;
  const target = Math.round(s.targetUtilisation * 100);
  const at = (m: number) => s.start + m * 60_000;
  const hasForecast = w.rows.some((r) => r.forecast !== undefined);
  const present = [
    SERIES.load,
    SERIES.ordered,
    SERIES.serving,
    ...(hasForecast ? [SERIES.forecast, SERIES.band] : []),
    ...(w.overload.length > 0 ? [SERIES.overload] : []),
    SERIES.utilisation,
    SERIES.target,
  ];
  const colour = {
    scale: { domain: present, range: present.map((x) => SERIES_COLOURS[x] as string) },
    legend: { title: null, orient: 'top' as const, direction: 'horizontal' as const, columns: 6 },
  };
  const x = {
    field: 't',
    type: 'temporal' as const,
    scale: { type: 'utc' as const, domain: { expr: 'window' } },
  };
  // The time axis is written under the utilisation plot; the capacity plot above keeps its grid lines.
  const xTitled = { ...x, axis: liveTimeAxis() };
  const xGrid = {
    ...x,
    axis: { ...liveTimeAxis(), title: null, labels: false, ticks: false, domain: false },
  };
  const units = (field: string, axis: object | null = null) => ({
    field,
    type: 'quantitative' as const,
    scale: { domain: { expr: '[0, ymax]' }, nice: false },
    axis,
  });
  const percent = (field: string, axis: object | null = null) => ({
    field,
    type: 'quantitative' as const,
    scale: { domain: { expr: '[0, umax]' }, nice: false },
    axis,
  });
  const rows = { name: 'rows' };
  // Each layer is named: its marks are `<name>_marks` in the SVG, what tests and readers find them by.
  const band = (name: string, lo: string, hi: string, series: string, opacity: number) => ({
    name,
    data: rows,
    mark: { type: 'area', opacity, interpolate: 'step-after', clip: true },
    encoding: { x, y: units(lo), y2: { field: hi }, color: { datum: series, ...colour } },
  });
  const line = (name: string, field: string, series: string, mark: object, y = units(field)) => ({
    name,
    data: rows,
    mark: { type: 'line', interpolate: 'step-after', clip: true, ...mark },
    encoding: { x, y, color: { datum: series, ...colour } },
  });
  const forecastLayers = hasForecast
    ? [
        {
          ...band('forecastBand', 'forecast', 'upper', SERIES.band, 0.7),
          transform: [{ filter: 'isValid(datum.upper)' }],
        },
        {
          ...line('forecast', 'forecast', SERIES.forecast, { strokeWidth: 1.2, strokeDash: [2, 2] }),
          transform: [{ filter: 'isValid(datum.forecast)' }],
        },
      ]
    : [];
  const crosshair = (panel: 'capacity' | 'utilisation') =>
    interactive
      ? [
          ...(panel === 'capacity'
            ? [
                {
                  name: 'readout',
                  data: rows,
                  params: [
                    {
                      name: 'hover',
                      select: {
                        type: 'point',
                        encodings: ['x'],
                        nearest: true,
                        on: 'pointermove',
                        clear: 'pointerout',
                      },
                    },
                  ],
                  mark: { type: 'point', opacity: 0, size: 1 },
                  encoding: { x, y: units('needHi'), tooltip: { field: 'readout' } },
                },
              ]
            : []),
          {
            name: `${panel}Crosshair`,
            data: rows,
            transform: [{ filter: { param: 'hover', empty: false } }],
            mark: { type: 'rule', color: '#444', strokeWidth: 1 },
            encoding: { x },
          },
        ]
      : [];
  const capacity = {
    width: PLOT_WIDTH,
    height: CAPACITY_PLOT_HEIGHT,
    resolve: { axis: { y: 'independent' } },
    layer: [
      {
        name: 'overload',
        data: { name: 'overload' },
        mark: { type: 'rect', opacity: 0.6, clip: true },
        encoding: { x, x2: { field: 't2' }, color: { datum: SERIES.overload, ...colour } },
      },
      ...forecastLayers,
      band('loadBand', 'needLo', 'needHi', SERIES.load, 0.12),
      band('servingBand', 'servingLo', 'servingHi', SERIES.serving, 0.3),
      {
        name: 'serving',
        data: rows,
        mark: { type: 'area', opacity: 0.45, interpolate: 'step-after', clip: true },
        encoding: {
          x: xGrid,
          y: units('servingLo', {
            orient: 'left',
            title: `capacity (${s.unitName})`,
            tickMinStep: 1,
            tickCount: 6,
          }),
          color: { datum: SERIES.serving, ...colour },
        },
      },
      line(
        'load',
        'needHi',
        SERIES.load,
        { strokeWidth: 1.2 },
        units('needHi', {
          orient: 'right',
          title: `load (${s.loadUnit})`,
          tickMinStep: 1,
          tickCount: 6,
          labelExpr: `format(datum.value * ${perUnit}, '.2~s')`,
          grid: false,
        }),
      ),
      line('ordered', 'ordered', SERIES.ordered, { strokeWidth: 1.6, strokeDash: [6, 3] }),
      ...(['left', 'right'] as const).map((align) => ({
        name: `cutoff${align === 'left' ? 'Left' : 'Right'}`,
        data: { name: 'cutoff' },
        transform: [{ filter: align === 'right' ? 'datum.right' : '!datum.right' }],
        mark: {
          type: 'text',
          color: SERIES_COLOURS[SERIES.load],
          align,
          dx: align === 'left' ? 4 : -4,
          dy: 20,
          fontSize: 11,
        },
        encoding: {
          x,
          y: { datum: { expr: 'ymax' }, type: 'quantitative', axis: null },
          text: { field: 'label' },
        },
      })),
      // Under the decision marks: hovering a mark shows its reason, anywhere else the readout.
      ...crosshair('capacity'),
      {
        name: 'decisions',
        data: { name: 'marks' },
        transform: [{ calculate: "datum.action === 'several decisions' ? ymax * 0.97 : datum.to", as: 'y' }],
        mark: { type: 'point', filled: true, size: 55, opacity: 0.9, color: '#222', aria: true },
        encoding: {
          x,
          y: units('y'),
          shape: {
            field: 'action',
            type: 'nominal',
            scale: { domain: Object.keys(MARK_SHAPES), range: Object.values(MARK_SHAPES) },
            legend: { title: null, orient: 'bottom', direction: 'horizontal', symbolFillColor: '#222' },
          },
          description: { field: 'tip' },
          tooltip: { field: 'tip' },
        },
      },
    ],
  };
  const utilisation = {
    width: PLOT_WIDTH,
    height: UTILISATION_PLOT_HEIGHT,
    resolve: { axis: { y: 'independent' } },
    layer: [
      {
        name: 'utilisationBand',
        data: rows,
        mark: { type: 'area', opacity: 0.25, interpolate: 'step-after', clip: true },
        encoding: {
          x: xTitled,
          y: percent('utilLo', { title: 'utilisation (%)', tickCount: 3, orient: 'left' }),
          y2: { field: 'utilHi' },
          color: { datum: SERIES.utilisation, ...colour },
        },
      },
      line('utilisation', 'utilHi', SERIES.utilisation, { strokeWidth: 1.2 }, percent('utilHi')),
      {
        name: 'target',
        data: { values: [{ v: target }] },
        mark: { type: 'rule', strokeDash: [5, 3], strokeWidth: 1.4 },
        encoding: { y: percent('v'), color: { datum: SERIES.target, ...colour } },
      },
      {
        name: 'fullUtilisation',
        data: { values: [{ v: 100 }] },
        mark: { type: 'rule', color: '#999', strokeDash: [1, 2] },
        encoding: { y: percent('v') },
      },
      ...crosshair('utilisation'),
    ],
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: input.title, ...(input.subtitle ? { subtitle: input.subtitle } : {}) },
    config: baseConfig,
    params: [
      { name: 'window', value: [at(w.from), at(w.to)] },
      { name: 'ymax', value: axes.unitsMax },
      { name: 'umax', value: axes.utilisationMax },
    ],
    datasets: {
      rows: w.rows,
      overload: w.overload,
      marks: w.marks,
      cutoff: cutOffLabels(s, w.rows, axes.unitsMax),
    },
    vconcat: [capacity, utilisation],
    spacing: 6,
    resolve: { scale: { color: 'shared', x: 'shared' } },
  } as TopLevelSpec;
}

/**
 * A time axis that follows the window shown (the `window` param, epoch ms), in UTC: up to two days, hours
 * with the day named at midnight; up to a few weeks, days; beyond, weeks or months.
 */
function liveTimeAxis() {
  const days = '((window[1] - window[0]) / 86400000)';
  const day = (t: string) => `utcFormat(${t}, '%-d %b %Y')`;
  return {
    title: {
      signal: `'time (UTC), ' + (${day('window[0]')} === ${day('window[1]')} ? ${day('window[0]')} : ${day('window[0]')} + ' to ' + ${day('window[1]')})`,
    },
    tickCount: {
      expr: `${days} <= 2 ? {interval: 'hours', step: ${days} <= 0.25 ? 1 : ${days} <= 1 ? 2 : 4} : ${days} <= 16 ? {interval: 'day', step: 1} : ${days} <= 35 ? {interval: 'day', step: 2} : ${days} <= 120 ? {interval: 'week', step: 1} : {interval: 'month', step: 1}`,
    },
    labelExpr: `${days} <= 2 ? (utchours(datum.value) === 0 && utcminutes(datum.value) === 0 ? utcFormat(datum.value, '%a %d %b') : utcFormat(datum.value, '%H:%M')) : ${days} <= 16 ? utcFormat(datum.value, '%a %d %b') : ${days} <= 120 ? utcFormat(datum.value, '%d %b') : utcFormat(datum.value, '%b %Y')`,
    labelOverlap: true,
    grid: true,
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
