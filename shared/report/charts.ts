import type { TopLevelSpec } from 'vega-lite';
import { CHART_FONT, type Chart, renderChart } from './render';

// Chart components of every report (backtest, bench, npm start, forecast): Vega-Lite specs rendered to
// SVG on the server. Time is epoch ms shown in UTC; every chart has a title, axes with units and a legend.

/** A value at an instant (epoch ms). */
export interface TimePoint {
  readonly time: number;
  readonly value: number;
}

/** One scaling decision to mark on a capacity chart; `reason` is what hovering the mark shows. */
export interface DecisionMark {
  /** Minute of the decision on the chart's grid (0 = `start`). */
  readonly minute: number;
  readonly from: number;
  readonly to: number;
  readonly reason: string;
}

export interface CapacityChartInput {
  /** Names the trace, the kind and the policy. */
  readonly title: string;
  readonly subtitle?: string;
  /** Epoch ms of minute 0. */
  readonly start: number;
  /** What one unit of capacity is: `instances`, `read replicas`, `shards`. */
  readonly unitName: string;
  /** The load's own unit for the right-hand axis, e.g. `requests/min`, `% CPU`. */
  readonly loadUnit: string;
  /** Load one unit serves at 100% utilisation (the backtest's u). */
  readonly unitCapacity: number;
  /** Per-minute load, in the load's unit. */
  readonly load: ArrayLike<number>;
  readonly ordered: ArrayLike<number>;
  readonly serving: ArrayLike<number>;
  /** Per-minute forecast of the load and the load the floors planned for (its band), in the load's unit (NaN where there is none). */
  readonly forecast?: { readonly value: ArrayLike<number>; readonly upper: ArrayLike<number> };
  /** The decisions with their reasons; derived from the changes of `ordered` when not given. */
  readonly decisions?: readonly DecisionMark[];
  /** Minutes drawn, [from, to); the whole series by default. Charts meant to be compared share it. */
  readonly window?: { readonly from: number; readonly to: number };
  /** Top of the value axis in units; charts meant to be compared share it. */
  readonly unitsMax?: number;
  readonly width?: number;
  readonly height?: number;
}

export const CHART_WIDTH = 1100;
export const CAPACITY_HEIGHT = 330;
/** At most this many decision marks per chart; beyond it, nearby changes share one mark. */
const MAX_MARKS = 100;

const SERIES = {
  load: 'load',
  ordered: 'capacity ordered',
  serving: 'capacity serving',
  forecast: 'forecast',
  band: 'forecast × headroom',
  overload: 'overload (load above serving)',
} as const;
const SERIES_COLOURS: Record<string, string> = {
  [SERIES.load]: '#d62728',
  [SERIES.ordered]: '#9ecae1',
  [SERIES.serving]: '#08519c',
  [SERIES.forecast]: '#ff7f0e',
  [SERIES.band]: '#fdd0a2',
  [SERIES.overload]: '#fcbba1',
};
const MARK_SHAPES: Record<string, string> = {
  'scale-out': 'triangle-up',
  'scale-in': 'triangle-down',
  'several decisions': 'diamond',
};

const baseConfig = {
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

/** Load, capacity ordered and serving (and the forecast with its band), overload shaded, decisions marked. */
export async function capacityChart(input: CapacityChartInput): Promise<Chart> {
  const width = input.width ?? CHART_WIDTH;
  const height = input.height ?? CAPACITY_HEIGHT;
  const u = input.unitCapacity;
  const { from, to, lines, band, overload, marks, cutOff, unitsMax, interpolate } = capacityData(input);
  const at = (m: number) => input.start + m * 60_000;

  const present = [
    SERIES.load,
    SERIES.ordered,
    SERIES.serving,
    ...(band.length > 0 ? [SERIES.forecast, SERIES.band] : []),
    ...(overload.length > 0 ? [SERIES.overload] : []),
  ];
  const colour = {
    scale: { domain: present, range: present.map((s) => SERIES_COLOURS[s] as string) },
    legend: { title: null, orient: 'top' as const, direction: 'horizontal' as const },
  };
  // The time domain is set once (first layer); the other layers share the scale.
  const x = { field: 't', type: 'temporal' as const, axis: timeAxis(at(from), at(to)) };
  const xDomain = { ...x, scale: { type: 'utc' as const, domain: [at(from), at(Math.max(from + 1, to))] } };
  const y = (field: string, axis: object | null) => ({
    field,
    type: 'quantitative' as const,
    scale: { domain: [0, unitsMax], nice: false },
    axis,
  });
  const line = (series: string, mark: object, axis: object | null) => ({
    data: { values: lines.filter((l) => l.series === series) },
    mark: { type: 'line', interpolate, clip: true, ...mark },
    encoding: { x, y: y('v', axis), color: { field: 'series', ...colour } },
  });
  const actions = Object.keys(MARK_SHAPES).filter((a) => marks.some((m) => m.action === a));
  const loadTicks = niceTicks(unitsMax * u, 6);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width,
    height,
    autosize: { type: 'fit', contains: 'padding' },
    title: { text: input.title, ...(input.subtitle ? { subtitle: input.subtitle } : {}) },
    config: baseConfig,
    resolve: { axis: { y: 'independent' } },
    layer: [
      {
        data: { values: overload },
        mark: { type: 'rect', opacity: 0.6 },
        encoding: { x: xDomain, x2: { field: 't2' }, color: { datum: SERIES.overload, ...colour } },
      },
      {
        data: { values: band },
        mark: { type: 'area', opacity: 0.7, interpolate, clip: true },
        encoding: { x, y: y('lo', null), y2: { field: 'hi' }, color: { datum: SERIES.band, ...colour } },
      },
      line(SERIES.forecast, { strokeWidth: 1.2, strokeDash: [2, 2] }, null),
      line(SERIES.ordered, { strokeWidth: 1.6, strokeDash: [5, 3] }, null),
      line(
        SERIES.serving,
        { strokeWidth: 1.8 },
        { orient: 'left', title: `capacity (${input.unitName})`, tickMinStep: 1 },
      ),
      line(
        SERIES.load,
        { strokeWidth: 1.2 },
        {
          orient: 'right',
          title: `load (${input.loadUnit})`,
          values: loadTicks.map((v) => v / u),
          labelExpr: `format(datum.value * ${u}, '~s')`,
          grid: false,
        },
      ),
      // Below the row of ◆ marks; right-aligned near the right edge so the text stays inside.
      ...(['left', 'right'] as const).map((align) => ({
        data: { values: cutOff.filter((c) => c.t > at(from + 0.8 * (to - from)) === (align === 'right')) },
        mark: {
          type: 'text',
          color: SERIES_COLOURS[SERIES.load],
          align,
          dx: align === 'left' ? 4 : -4,
          dy: 20,
          fontSize: 11,
        },
        encoding: { x, y: { datum: unitsMax, type: 'quantitative', axis: null }, text: { field: 'label' } },
      })),
      ...(marks.length === 0
        ? []
        : [
            {
              name: 'decisions',
              data: { values: marks },
              mark: { type: 'point', filled: true, size: 50, opacity: 0.85, color: '#222', aria: true },
              encoding: {
                x,
                y: y('y', null),
                shape: {
                  field: 'action',
                  scale: { domain: actions, range: actions.map((a) => MARK_SHAPES[a] as string) },
                  // Below the chart: beside the six series at the top it would run past the chart's width.
                  legend: { title: null, orient: 'bottom', direction: 'horizontal', symbolFillColor: '#222' },
                },
                description: { field: 'reason' },
              },
            },
          ]),
    ],
  } as TopLevelSpec;
  return renderChart(spec, input.title);
}

/** What a capacity chart draws, before it is drawn: the points of each line, the shaded spans, the marks. */
export function capacityData(input: CapacityChartInput) {
  const n = input.load.length;
  const from = Math.max(0, input.window?.from ?? 0);
  const to = Math.min(n, input.window?.to ?? n);
  const u = input.unitCapacity;
  // About a point per pixel and a half: a day stays at one point a minute on a full-width chart.
  const bucket = bucketMinutes(to - from, Math.round((input.width ?? CHART_WIDTH) * 1.4));
  const at = (m: number) => input.start + m * 60_000;

  const lines: { t: number; v: number; series: string }[] = [];
  const band: { t: number; lo: number; hi: number }[] = [];
  let top = 0;
  for (let b = from; b < to; b += bucket) {
    // A stretch of several minutes is drawn at its minute of peak load, with the capacity of that very
    // minute: the line pair a reader compares (did capacity meet the peak?) stays true. Overload anywhere
    // in the stretch is still shaded (overloadSpans).
    let p = b;
    for (let m = b + 1; m < Math.min(to, b + bucket); m += 1)
      if ((input.load[m] as number) > (input.load[p] as number)) p = m;
    const load = (input.load[p] as number) / u;
    const ordered = input.ordered[p] as number;
    const serving = input.serving[p] as number;
    const forecast = input.forecast?.value[p] ?? Number.NaN;
    const upper = input.forecast?.upper[p] ?? Number.NaN;
    const t = at(p);
    lines.push(
      { t, v: round(load), series: SERIES.load },
      { t, v: ordered, series: SERIES.ordered },
      { t, v: serving, series: SERIES.serving },
    );
    if (Number.isFinite(forecast)) lines.push({ t, v: round(forecast / u), series: SERIES.forecast });
    if (Number.isFinite(forecast) && Number.isFinite(upper))
      band.push({ t, lo: round(forecast / u), hi: round(upper / u) });
    top = Math.max(top, load, ordered, Number.isFinite(upper) ? upper / u : 0);
  }
  // Minute data steps; a stretch's peak is a sample, joined by straight lines.
  const interpolate = bucket === 1 ? 'step-after' : 'linear';
  const unitsMax = input.unitsMax ?? niceTop(top * 1.05);
  const overload = overloadSpans(input, from, to, bucket).map((s) => ({ t: at(s.from), t2: at(s.to) }));
  // A mark standing for several decisions sits on the top edge, out of the lines' way.
  const marks = decisionMarks(input, from, to).map((d) => ({
    ...d,
    t: at(d.minute),
    y: d.action === 'several decisions' ? unitsMax * 0.97 : d.to,
  }));
  // Load above the axis is cut off at the top; the highest few of those peaks get their value written there.
  const cutOff: { t: number; label: string }[] = [];
  const loadPoints = lines.filter((l) => l.series === SERIES.load);
  const apart = (to - from) * 60_000 * 0.06;
  for (const point of [...loadPoints].filter((l) => l.v > unitsMax).sort((a, b) => b.v - a.v)) {
    if (cutOff.length === 4) break;
    if (cutOff.some((c) => Math.abs(c.t - point.t) < apart)) continue;
    cutOff.push({ t: point.t, label: `↑ ${formatNumber(point.v * u)} ${input.loadUnit}` });
  }
  return { from, to, bucket, lines, band, overload, marks, cutOff, unitsMax, interpolate };
}

/** Minute spans with utilisation above 1 (load above what serves), merged when closer than a bucket. */
function overloadSpans(input: CapacityChartInput, from: number, to: number, bucket: number) {
  const spans: { from: number; to: number }[] = [];
  for (let m = from; m < to; m += 1) {
    if ((input.load[m] as number) <= (input.serving[m] as number) * input.unitCapacity) continue;
    const last = spans[spans.length - 1];
    if (last && m - last.to < bucket) last.to = m + 1;
    else spans.push({ from: m, to: m + 1 });
  }
  // A one-minute span of a week-long chart would be thinner than a pixel: at least one bucket wide.
  for (const s of spans) s.to = Math.max(s.to, Math.min(to, s.from + bucket));
  return spans;
}

/** The decisions inside the window; when there are too many to see, one mark per stretch of time. */
function decisionMarks(input: CapacityChartInput, from: number, to: number) {
  const all = (input.decisions ?? derivedDecisions(input)).filter(
    (d) => d.minute >= from && d.minute < to && d.to !== d.from,
  );
  const action = (d: DecisionMark) => (d.to > d.from ? 'scale-out' : 'scale-in');
  if (all.length <= MAX_MARKS)
    return all.map((d) => ({ minute: d.minute, to: d.to, action: action(d), reason: d.reason }));
  const span = bucketMinutes(to - from, MAX_MARKS);
  const groups = new Map<number, DecisionMark[]>();
  for (const d of all) {
    const key = from + Math.floor((d.minute - from) / span) * span;
    const group = groups.get(key);
    if (group) group.push(d);
    else groups.set(key, [d]);
  }
  return [...groups].map(([start, ds]) => {
    const first = ds[0] as DecisionMark;
    const last = ds[ds.length - 1] as DecisionMark;
    if (ds.length === 1)
      return { minute: first.minute, to: first.to, action: action(first), reason: first.reason };
    const outs = ds.filter((d) => d.to > d.from).length;
    return {
      minute: first.minute,
      to: Math.max(...ds.map((d) => d.to)),
      action: 'several decisions',
      reason: `${ds.length} changes ${clock(input.start, start)}–${clock(input.start, start + span)} (${outs} out, ${ds.length - outs} in), ${first.from} → ${last.to} ${input.unitName}. First: ${first.reason}`,
    };
  });
}

/** Decisions read off the ordered capacity, with what the policy had seen the minute before. */
function derivedDecisions(input: CapacityChartInput): DecisionMark[] {
  const marks: DecisionMark[] = [];
  for (let m = 1; m < input.ordered.length; m += 1) {
    const before = input.ordered[m - 1] as number;
    const after = input.ordered[m] as number;
    if (after === before) continue;
    const seen = (input.load[m - 1] as number) / ((input.serving[m - 1] as number) * input.unitCapacity);
    marks.push({
      minute: m,
      from: before,
      to: after,
      reason: `${clock(input.start, m)} ${after > before ? 'scale-out' : 'scale-in'} ${before} → ${after} ${input.unitName}: utilisation the minute before ${(100 * seen).toFixed(0)}% (load ${formatNumber(input.load[m - 1] as number)} ${input.loadUnit})`,
    });
  }
  return marks;
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

export interface ForecastChartInput {
  /** Names what is forecast: trace (or metric), kind, forecaster. */
  readonly title: string;
  readonly subtitle?: string;
  /** The value axis title with its unit, e.g. `load (requests/min)`. */
  readonly valueLabel: string;
  /** What the forecaster saw. */
  readonly history: readonly TimePoint[];
  /** The point forecast, at the data's own step. */
  readonly forecast: readonly TimePoint[];
  /** The upper quantile of the forecast, same instants as `forecast`. */
  readonly upper: readonly TimePoint[];
  /** Legend name of the band, e.g. `upper quantile (p90)`. */
  readonly upperLabel?: string;
  /** What really happened over the forecast horizon, when it is known (scoring a forecast). */
  readonly actual?: readonly TimePoint[];
  readonly width?: number;
  readonly height?: number;
}

/** Time points from parallel arrays of epoch ms and values (a `LoadHistory`). */
export function pointsAt(times: readonly number[], values: readonly number[]): TimePoint[] {
  return times.map((time, i) => ({ time, value: values[i] as number }));
}

/** Time points from a start (epoch ms), a step in minutes and one value per step (a `LoadForecast`). */
export function pointsFrom(start: number, stepMinutes: number, values: readonly number[]): TimePoint[] {
  return values.map((value, i) => ({ time: start + i * stepMinutes * 60_000, value }));
}

/**
 * History, forecast and its upper band on one time axis; the forecast's start is marked. For
 * `scalepilot forecast`: `forecastChart({ title, valueLabel, history: pointsAt(h.times, h.values),
 * forecast: pointsFrom(f.start, f.stepMinutes, f.point), upper: pointsFrom(f.start, f.stepMinutes,
 * f.upper), upperLabel: 'upper quantile (p90)' })`, then `htmlPage(title, [{ charts: [chart] }])` and
 * `pngFromSvg(chart)`.
 */
export async function forecastChart(input: ForecastChartInput): Promise<Chart> {
  const width = input.width ?? CHART_WIDTH;
  const height = input.height ?? CAPACITY_HEIGHT;
  const upperLabel = input.upperLabel ?? 'forecast upper band';
  const names = { history: 'history', forecast: 'forecast', actual: 'actual (after the forecast was made)' };
  const thin = (points: readonly TimePoint[]) => {
    // One point per pixel or so: a bucket keeps its peak, as everywhere else in the reports. Gaps (NaN)
    // are left out.
    const finite = points.filter((p) => Number.isFinite(p.value));
    const bucket = Math.max(1, Math.ceil(finite.length / Math.round(width * 1.4)));
    const out: TimePoint[] = [];
    for (let i = 0; i < finite.length; i += bucket) {
      let peak = finite[i] as TimePoint;
      for (let j = i + 1; j < Math.min(finite.length, i + bucket); j += 1)
        if ((finite[j] as TimePoint).value > peak.value) peak = finite[j] as TimePoint;
      out.push(peak);
    }
    return out;
  };
  const upperAt = new Map(input.upper.map((p) => [p.time, p.value]));
  const lines = [
    ...thin(input.history).map((p) => ({ t: p.time, v: round(p.value), series: names.history })),
    ...thin(input.forecast).map((p) => ({ t: p.time, v: round(p.value), series: names.forecast })),
    ...thin(input.actual ?? []).map((p) => ({ t: p.time, v: round(p.value), series: names.actual })),
  ];
  const band = input.forecast
    .filter((p) => Number.isFinite(p.value) && Number.isFinite(upperAt.get(p.time)))
    .map((p) => ({ t: p.time, lo: round(p.value), hi: round(upperAt.get(p.time) as number) }));
  const origin = input.forecast[0]?.time;
  const present = [
    names.history,
    names.forecast,
    upperLabel,
    ...(input.actual?.length ? [names.actual] : []),
  ];
  const palette: Record<string, string> = {
    [names.history]: '#555555',
    [names.forecast]: '#ff7f0e',
    [upperLabel]: '#fdd0a2',
    [names.actual]: '#d62728',
  };
  const colour = {
    scale: { domain: present, range: present.map((s) => palette[s] as string) },
    legend: { title: null, orient: 'top' as const, direction: 'horizontal' as const },
  };
  const times = [...input.history, ...input.forecast].map((p) => p.time);
  const x = {
    field: 't',
    type: 'temporal' as const,
    scale: { type: 'utc' as const },
    axis: timeAxis(
      times.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY),
      times.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY),
    ),
  };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width,
    height,
    autosize: { type: 'fit', contains: 'padding' },
    title: { text: input.title, ...(input.subtitle ? { subtitle: input.subtitle } : {}) },
    config: baseConfig,
    layer: [
      {
        data: { values: band },
        mark: { type: 'area', opacity: 0.8 },
        encoding: {
          x,
          y: { field: 'lo', type: 'quantitative', title: input.valueLabel },
          y2: { field: 'hi' },
          color: { datum: upperLabel, ...colour },
        },
      },
      {
        data: { values: lines },
        mark: { type: 'line', strokeWidth: 1.4 },
        encoding: {
          x,
          y: { field: 'v', type: 'quantitative', title: input.valueLabel },
          color: { field: 'series', ...colour },
        },
      },
      ...(origin === undefined
        ? []
        : [
            {
              data: { values: [{ t: origin, label: 'forecast made' }] },
              mark: { type: 'rule', strokeDash: [4, 4], color: '#333' },
              encoding: { x },
            },
            {
              data: { values: [{ t: origin, label: 'forecast made' }] },
              mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 4, y: 0, fontSize: 11 },
              encoding: { x, text: { field: 'label' } },
            },
          ]),
    ],
  } as TopLevelSpec;
  return renderChart(spec, input.title);
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
function day(ms: number): string {
  return new Date(ms).toUTCString().slice(5, 16).replace(/^0/, '');
}

/** `2026-01-01 06:30` (UTC) for minute m of a chart starting at `start`. */
export function clock(start: number, m: number): string {
  return new Date(start + m * 60_000).toISOString().slice(0, 16).replace('T', ' ');
}

export function formatNumber(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Round tick values from 0 to at most `top`. */
function niceTicks(top: number, count: number): number[] {
  if (!(top > 0)) return [0];
  const raw = top / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((k) => k * power >= raw) ?? 10) * power;
  return Array.from({ length: Math.floor(top / step + 1e-9) + 1 }, (_, i) => i * step);
}

/** Minutes per point: one, or the smallest clock-aligned stretch that keeps the points under `points`. */
export function bucketMinutes(minutes: number, points: number): number {
  if (minutes <= points) return 1;
  const steps = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080];
  return steps.find((k) => minutes / k <= points) ?? Math.ceil(minutes / points);
}

/** A round top for a units axis. */
function niceTop(v: number): number {
  if (!(v > 0)) return 1;
  return v <= 10 ? Math.ceil(v) : Math.ceil(v / 2) * 2;
}
