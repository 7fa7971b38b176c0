import type { TopLevelSpec } from 'vega-lite';
import { baseConfig, CHART_WIDTH, timeAxis } from './charts';
import { formatNumber } from './chartWindow';
import { type Chart, renderChart } from './render';

/** A value at an instant (epoch ms). */
export interface TimePoint {
  readonly time: number;
  readonly value: number;
}

export interface ForecastChartInput {
  /** Names what is forecast (the trace's or metric's name, never a file path) and from when. */
  readonly title: string;
  readonly subtitle?: string;
  /** The value axis title with its unit, e.g. `load (requests/min)`. */
  readonly valueLabel: string;
  /** What the forecaster saw. */
  readonly history: readonly TimePoint[];
  /** The point forecast over the whole horizon, at the data's own step. */
  readonly forecast: readonly TimePoint[];
  /** The band's bounds, same instants as `forecast`: the lower and upper quantiles (p10 and p90). */
  readonly lower?: readonly TimePoint[];
  readonly upper: readonly TimePoint[];
  /** Legend name of the band, e.g. `p10–p90`. */
  readonly bandLabel?: string;
  /** What really happened over the horizon, when it is known (scoring a forecast). */
  readonly actual?: readonly TimePoint[];
  /** Lines of figures shown beside the chart (`forecastAccuracy`). */
  readonly figures?: readonly string[];
}

/** Time points from parallel arrays of epoch ms and values (a `LoadHistory`). */
export function pointsAt(times: readonly number[], values: readonly number[]): TimePoint[] {
  return times.map((time, i) => ({ time, value: values[i] as number }));
}

/** Time points from a start (epoch ms), a step in minutes and one value per step (a `LoadForecast`). */
export function pointsFrom(start: number, stepMinutes: number, values: readonly number[]): TimePoint[] {
  return values.map((value, i) => ({ time: start + i * stepMinutes * 60_000, value }));
}

const FIGURES_WIDTH = 270;
const PLOT_WIDTH = CHART_WIDTH - FIGURES_WIDTH - 110;

/**
 * A forecast as an operator checks it: above, all the history the forecaster saw and the whole horizon; below,
 * the horizon itself (after the last day of history) with the band, the point forecast and what came; beside,
 * the accuracy figures. Titled, every axis with its unit.
 */
export async function forecastChart(input: ForecastChartInput): Promise<Chart> {
  const origin = input.forecast[0]?.time ?? input.history.at(-1)?.time ?? 0;
  const first = input.history[0]?.time ?? origin;
  const figures = input.figures ?? [];
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: input.title, ...(input.subtitle ? { subtitle: input.subtitle } : {}) },
    config: baseConfig,
    hconcat: [
      {
        vconcat: [
          forecastPanel(input, first, 130),
          forecastPanel(input, Math.max(first, origin - 86_400_000), 230),
        ],
        spacing: 14,
      },
      ...(figures.length > 0 ? [figuresPanel(figures)] : []),
    ],
    resolve: { scale: { color: 'shared' } },
  } as TopLevelSpec;
  return renderChart(spec, input.title);
}

const SERIES_NAMES = {
  history: 'history',
  forecast: 'forecast',
  actual: 'actual (after the forecast was made)',
};

/** History from `from`, the forecast over the whole horizon with its band, what came, the forecast's origin. */
function forecastPanel(input: ForecastChartInput, from: number, height: number) {
  const bandLabel = input.bandLabel ?? 'forecast band';
  const band = bandValues(input);
  const origin = input.forecast[0]?.time ?? input.history.at(-1)?.time ?? 0;
  const end = input.forecast.at(-1)?.time ?? origin;
  const colour = seriesColours(bandLabel, Boolean(input.actual?.length));
  const points = (values: readonly TimePoint[], series: string) =>
    thin(values, from, PLOT_WIDTH).map((p) => ({ t: p.time, v: round(p.value), series }));
  const lines = [
    ...points(input.history, SERIES_NAMES.history),
    ...points(input.forecast, SERIES_NAMES.forecast),
    ...points(input.actual ?? [], SERIES_NAMES.actual),
  ];
  const x = {
    field: 't',
    type: 'temporal' as const,
    scale: { type: 'utc' as const, domain: [from, end] },
    axis: timeAxis(from, end),
  };
  const made = { values: [{ t: origin, label: 'forecast made' }] };
  return {
    width: PLOT_WIDTH,
    height,
    layer: [
      {
        data: { values: band },
        mark: { type: 'area', opacity: 0.8, clip: true },
        encoding: {
          x,
          y: { field: 'lo', type: 'quantitative', title: input.valueLabel },
          y2: { field: 'hi' },
          color: { datum: bandLabel, ...colour },
        },
      },
      {
        data: { values: lines },
        mark: { type: 'line', strokeWidth: 1.4, clip: true },
        encoding: {
          x,
          y: { field: 'v', type: 'quantitative', title: input.valueLabel },
          color: { field: 'series', ...colour },
        },
      },
      { data: made, mark: { type: 'rule', strokeDash: [4, 4], color: '#333' }, encoding: { x } },
      {
        data: made,
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 4, y: 0, fontSize: 11 },
        encoding: { x, text: { field: 'label' } },
      },
    ],
  };
}

/** The band's low and high at each forecast time where both are known. */
function bandValues(input: ForecastChartInput) {
  const lowerAt = new Map((input.lower ?? []).map((p) => [p.time, p.value]));
  const upperAt = new Map(input.upper.map((p) => [p.time, p.value]));
  return input.forecast
    .filter((p) => Number.isFinite(p.value) && Number.isFinite(upperAt.get(p.time)))
    .map((p) => ({
      t: p.time,
      lo: round(lowerAt.get(p.time) ?? p.value),
      hi: round(upperAt.get(p.time) as number),
    }));
}

/** One colour per series shown (the actual only when there is one), and the legend above the plot. */
function seriesColours(bandLabel: string, withActual: boolean) {
  const present = [
    SERIES_NAMES.history,
    SERIES_NAMES.forecast,
    bandLabel,
    ...(withActual ? [SERIES_NAMES.actual] : []),
  ];
  const palette: Record<string, string> = {
    [SERIES_NAMES.history]: '#555555',
    [SERIES_NAMES.forecast]: '#ff7f0e',
    [bandLabel]: '#fdd0a2',
    [SERIES_NAMES.actual]: '#d62728',
  };
  return {
    scale: { domain: present, range: present.map((s) => palette[s] as string) },
    legend: { title: null, orient: 'top' as const, direction: 'horizontal' as const },
  };
}

/** The accuracy figures beside the plots, a line each. */
function figuresPanel(figures: readonly string[]) {
  return {
    width: FIGURES_WIDTH,
    height: 360,
    title: { text: 'accuracy', anchor: 'start' as const, fontSize: 13 },
    data: { values: figures.map((line, row) => ({ line, row })) },
    mark: { type: 'text', align: 'left', baseline: 'top', fontSize: 12 },
    encoding: {
      x: { value: 0 },
      y: { field: 'row', type: 'quantitative', scale: { domain: [0, 20], range: [0, 360] }, axis: null },
      text: { field: 'line' },
    },
    view: { stroke: null },
  };
}

/**
 * The accuracy of a forecast against what came, as lines for the chart's side: how many steps were scored,
 * the mean absolute error (and as a share of the mean load), the bias, how often what came fell inside the
 * band and at or below its top, and the peaks. Without anything to score, says so.
 */
export function forecastAccuracy(input: {
  readonly forecast: readonly TimePoint[];
  readonly lower?: readonly TimePoint[];
  readonly upper: readonly TimePoint[];
  readonly actual: readonly TimePoint[];
  readonly unit: string;
  readonly bandLabel: string;
}): string[] {
  const at = (points: readonly TimePoint[] | undefined) =>
    new Map((points ?? []).map((p) => [p.time, p.value]));
  const point = at(input.forecast);
  const lower = at(input.lower);
  const upper = at(input.upper);
  const scored = input.actual.filter((a) => Number.isFinite(a.value) && Number.isFinite(point.get(a.time)));
  if (scored.length === 0) return ['not scored: nothing has come', 'over the horizon yet'];
  // Sums over the steps that came, each against the forecast for its own time.
  let error = 0;
  let bias = 0;
  let total = 0;
  let inside = 0;
  let below = 0;
  for (const a of scored) {
    const p = point.get(a.time) as number;
    error += Math.abs(a.value - p);
    bias += p - a.value;
    total += Math.abs(a.value);
    const lo = lower.get(a.time) ?? p;
    const hi = upper.get(a.time) ?? p;
    if (a.value >= lo && a.value <= hi) inside += 1;
    if (a.value <= hi) below += 1;
  }
  const n = scored.length;
  const peakActual = scored.reduce((m, a) => (a.value > m.value ? a : m));
  const peakForecast = input.forecast.reduce((m, p) => (p.value > m.value ? p : m));
  const share = (k: number) => `${Math.round((100 * k) / n)}%`;
  const hhmm = (t: number) => new Date(t).toISOString().slice(5, 16).replace('T', ' ');
  const top = input.bandLabel.split('–')[1] ?? 'its top';
  return [
    input.unit === 'as recorded' ? 'values as recorded:' : `in ${input.unit}:`,
    `${n} of ${input.forecast.length} steps scored`,
    `mean absolute error ${formatNumber(error / n)}`,
    `  = ${total > 0 ? ((100 * error) / total).toFixed(1) : '–'}% of the mean load`,
    `bias ${bias >= 0 ? '+' : '−'}${formatNumber(Math.abs(bias / n))} (forecast ${bias >= 0 ? 'over' : 'under'})`,
    `inside ${input.bandLabel}: ${share(inside)}`,
    `at or below ${top}: ${share(below)}`,
    `peak that came: ${formatNumber(peakActual.value)}`,
    `  at ${hhmm(peakActual.time)} UTC`,
    `peak forecast: ${formatNumber(peakForecast.value)}`,
    `  at ${hhmm(peakForecast.time)} UTC`,
  ];
}

/** The points from `from` on, at most about one per pixel and a half: a stretch keeps its peak; gaps (NaN) are left out. */
function thin(points: readonly TimePoint[], from: number, width: number): TimePoint[] {
  const finite = points.filter((p) => p.time >= from && Number.isFinite(p.value));
  const bucket = Math.max(1, Math.ceil(finite.length / Math.round(width * 1.4)));
  const out: TimePoint[] = [];
  for (let i = 0; i < finite.length; i += bucket) {
    let peak = finite[i] as TimePoint;
    for (let j = i + 1; j < Math.min(finite.length, i + bucket); j += 1)
      if ((finite[j] as TimePoint).value > peak.value) peak = finite[j] as TimePoint;
    out.push(peak);
  }
  return out;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
