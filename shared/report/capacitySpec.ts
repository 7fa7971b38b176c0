import type { TopLevelSpec } from 'vega-lite';
import { baseConfig, CHART_WIDTH } from './charts';
import { type ChartSeries, type ChartWindow, cutOffLabels } from './chartWindow';

// The Vega-Lite spec of a capacity chart: a capacity plot over a utilisation plot, their layers named (a
// layer's marks are `<name>_marks` in the SVG, what tests and readers find them by). The window shown and
// the axes' tops are params (`window`, `ymax`, `umax`), so the page can zoom the very same spec.

/** Pixel size of the two plots. */
export const PLOT_WIDTH = CHART_WIDTH - 130;
const CAPACITY_PLOT_HEIGHT = 240;
const UTILISATION_PLOT_HEIGHT = 70;

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
export const SERIES_COLOURS: Record<string, string> = {
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

export interface CapacitySpecInput {
  readonly title: string;
  readonly subtitle?: string;
  readonly series: ChartSeries;
}

/** The spec of a capacity chart for a window; `interactive` adds the crosshair (the page's live charts). */
export function capacitySpec(
  input: CapacitySpecInput,
  w: ChartWindow,
  axes: { unitsMax: number; utilisationMax: number },
  interactive: boolean,
): TopLevelSpec {
  const s = input.series;
  const kit = layerKit(w);
  const at = (m: number) => s.start + m * 60_000;
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
    vconcat: [capacityPlot(kit, s, interactive), utilisationPlot(kit, s, interactive)],
    spacing: 6,
    resolve: { scale: { color: 'shared', x: 'shared' } },
  } as TopLevelSpec;
}

type Kit = ReturnType<typeof layerKit>;

/** The encodings and layer shapes every layer of one chart shares. */
function layerKit(w: ChartWindow) {
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
  const quantity =
    (top: string) =>
    (field: string, axis: object | null = null) => ({
      field,
      type: 'quantitative' as const,
      scale: { domain: { expr: `[0, ${top}]` }, nice: false },
      axis,
    });
  const units = quantity('ymax');
  const rows = { name: 'rows' };
  return {
    hasForecast,
    x,
    colour,
    units,
    percent: quantity('umax'),
    rows,
    band: (name: string, lo: string, hi: string, series: string, opacity: number) => ({
      name,
      data: rows,
      mark: { type: 'area', opacity, interpolate: 'step-after', clip: true },
      encoding: { x, y: units(lo), y2: { field: hi }, color: { datum: series, ...colour } },
    }),
    line: (name: string, field: string, series: string, mark: object, y: object = units(field)) => ({
      name,
      data: rows,
      mark: { type: 'line', interpolate: 'step-after', clip: true, ...mark },
      encoding: { x, y, color: { datum: series, ...colour } },
    }),
  };
}

/** Capacity serving and ordered, the load as units at the target, the forecast, overload, the decisions. */
function capacityPlot(kit: Kit, s: ChartSeries, interactive: boolean) {
  const { x, colour, units, band, line } = kit;
  // The time axis is written under the utilisation plot; this one keeps its grid lines.
  const xGrid = {
    ...x,
    axis: { ...liveTimeAxis(), title: null, labels: false, ticks: false, domain: false },
  };
  return {
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
      ...forecastLayers(kit),
      band('loadBand', 'needLo', 'needHi', SERIES.load, 0.12),
      band('servingBand', 'servingLo', 'servingHi', SERIES.serving, 0.3),
      {
        name: 'serving',
        data: kit.rows,
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
      // The load's own unit on the right, on the capacity's ticks: a unit needs u × T of load.
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
          labelExpr: `format(datum.value * ${s.unitCapacity * s.targetUtilisation}, '.2~s')`,
          grid: false,
        }),
      ),
      line('ordered', 'ordered', SERIES.ordered, { strokeWidth: 1.6, strokeDash: [6, 3] }),
      ...cutOffLayers(kit),
      // Under the decision marks: hovering a mark shows its reason, anywhere else the readout.
      ...crosshairLayers(kit, 'capacity', interactive),
      decisionLayer(kit),
    ],
  };
}

function forecastLayers(kit: Kit) {
  if (!kit.hasForecast) return [];
  return [
    {
      ...kit.band('forecastBand', 'forecast', 'upper', SERIES.band, 0.7),
      transform: [{ filter: 'isValid(datum.upper)' }],
    },
    {
      ...kit.line('forecast', 'forecast', SERIES.forecast, { strokeWidth: 1.2, strokeDash: [2, 2] }),
      transform: [{ filter: 'isValid(datum.forecast)' }],
    },
  ];
}

/** The load's peaks above the axis, written at the top; right-aligned near the right edge to stay inside. */
function cutOffLayers(kit: Kit) {
  return (['left', 'right'] as const).map((align) => ({
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
      x: kit.x,
      y: { datum: { expr: 'ymax' }, type: 'quantitative', axis: null },
      text: { field: 'label' },
    },
  }));
}

/** ▲ ▼ ◆ with the reason as description (the drawn SVG's hover title) and tooltip (the live chart's). */
function decisionLayer(kit: Kit) {
  return {
    name: 'decisions',
    data: { name: 'marks' },
    // A mark standing for several decisions sits on the top edge, out of the lines' way.
    transform: [{ calculate: "datum.action === 'several decisions' ? ymax * 0.97 : datum.to", as: 'y' }],
    mark: { type: 'point', filled: true, size: 55, opacity: 0.9, color: '#222', aria: true },
    encoding: {
      x: kit.x,
      y: kit.units('y'),
      shape: {
        field: 'action',
        type: 'nominal',
        scale: { domain: Object.keys(MARK_SHAPES), range: Object.values(MARK_SHAPES) },
        // Below the chart: beside the series at the top it would run past the chart's width.
        legend: { title: null, orient: 'bottom', direction: 'horizontal', symbolFillColor: '#222' },
      },
      description: { field: 'tip' },
      tooltip: { field: 'tip' },
    },
  };
}

/** The crosshair of the live chart: the nearest row's readout on hover, and a rule at its time in both plots. */
function crosshairLayers(kit: Kit, panel: 'capacity' | 'utilisation', interactive: boolean) {
  if (!interactive) return [];
  const hover = {
    name: 'hover',
    select: { type: 'point', encodings: ['x'], nearest: true, on: 'pointermove', clear: 'pointerout' },
  };
  return [
    ...(panel === 'capacity'
      ? [
          {
            name: 'readout',
            data: kit.rows,
            params: [hover],
            mark: { type: 'point', opacity: 0, size: 1 },
            encoding: { x: kit.x, y: kit.units('needHi'), tooltip: { field: 'readout' } },
          },
        ]
      : []),
    {
      name: `${panel}Crosshair`,
      data: kit.rows,
      transform: [{ filter: { param: 'hover', empty: false } }],
      mark: { type: 'rule', color: '#444', strokeWidth: 1 },
      encoding: { x: kit.x },
    },
  ];
}

/** The utilisation of what served, its band, against the target line and 100%. */
function utilisationPlot(kit: Kit, s: ChartSeries, interactive: boolean) {
  const { x, colour, percent } = kit;
  return {
    width: PLOT_WIDTH,
    height: UTILISATION_PLOT_HEIGHT,
    resolve: { axis: { y: 'independent' } },
    layer: [
      {
        name: 'utilisationBand',
        data: kit.rows,
        mark: { type: 'area', opacity: 0.25, interpolate: 'step-after', clip: true },
        encoding: {
          x: { ...x, axis: liveTimeAxis() },
          y: percent('utilLo', { title: 'utilisation (%)', tickCount: 3, orient: 'left' }),
          y2: { field: 'utilHi' },
          color: { datum: SERIES.utilisation, ...colour },
        },
      },
      kit.line('utilisation', 'utilHi', SERIES.utilisation, { strokeWidth: 1.2 }, percent('utilHi')),
      {
        name: 'target',
        data: { values: [{ v: Math.round(s.targetUtilisation * 100) }] },
        mark: { type: 'rule', strokeDash: [5, 3], strokeWidth: 1.4 },
        encoding: { y: percent('v'), color: { datum: SERIES.target, ...colour } },
      },
      {
        name: 'fullUtilisation',
        data: { values: [{ v: 100 }] },
        mark: { type: 'rule', color: '#999', strokeDash: [1, 2] },
        encoding: { y: percent('v') },
      },
      ...crosshairLayers(kit, 'utilisation', interactive),
    ],
  };
}

/**
 * A time axis that follows the window shown (the `window` param, epoch ms), in UTC: up to two days, hours
 * with the day named at midnight; up to a few weeks, days; beyond, weeks or months.
 */
export function liveTimeAxis() {
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
