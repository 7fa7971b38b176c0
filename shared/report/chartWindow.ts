// What a capacity chart draws for a window of minutes: one row per stretch of minutes (with its min/max), the
// overload spans, the decision marks with their reasons. The report draws the page with these functions, and
// the page carries their source (CHART_WINDOW_SOURCE) to draw any window a reader zooms to in the browser with
// the very same code. So each function here uses nothing from outside this file (no imports, no module
// constants), only the others of this file, by name.

/** One scaling decision on a chart's minute grid, with its reason code and message. */
export interface DecisionMark {
  /** Minute of the decision (0 = the chart's start). */
  readonly minute: number;
  readonly from: number;
  readonly to: number;
  /** A reason code (`ScaleOut`, `ScaleInCooldown`, … or `PerfectForesight` for the oracle). */
  readonly reason: string;
  readonly message: string;
}

/** One policy's run, minute by minute: what its chart draws. Plain arrays, so the page can carry it as JSON. */
export interface ChartSeries {
  /** Epoch ms of minute 0. */
  readonly start: number;
  /** Load one unit serves at 100% utilisation. */
  readonly unitCapacity: number;
  /** The utilisation the policies aim at (0–1): load is drawn as the units it needs at it. */
  readonly targetUtilisation: number;
  /** `instances`, `read replicas`, `shards`. */
  readonly unitName: string;
  /** The load's unit as the operator gave it, e.g. `requests/min`. */
  readonly loadUnit: string;
  readonly load: ArrayLike<number>;
  readonly ordered: ArrayLike<number>;
  readonly serving: ArrayLike<number>;
  /** The load forecast in force each minute and the load its floors planned for (NaN or null: none). */
  readonly forecast?: ArrayLike<number | null>;
  readonly upper?: ArrayLike<number | null>;
  readonly decisions: readonly DecisionMark[];
}

/** One stretch of minutes as drawn: load and forecast in units needed at the target utilisation. */
export interface WindowRow {
  /** Epoch ms of the stretch's first minute and of the minute after its last. */
  readonly t: number;
  readonly t2: number;
  readonly needLo: number;
  readonly needHi: number;
  /** The most capacity ordered in the stretch. */
  readonly ordered: number;
  readonly servingLo: number;
  readonly servingHi: number;
  /** Utilisation of the serving capacity, percent (capped at 1000). */
  readonly utilLo: number;
  readonly utilHi: number;
  /** Highest forecast and planned-for load of the stretch, as units at the target (absent: no forecast). */
  readonly forecast?: number;
  readonly upper?: number;
  /** Every series at this time, in words: what the crosshair shows. */
  readonly readout: string;
}

/** A decision mark as drawn: one decision, or several decisions of one stretch with their reasons counted. */
export interface WindowMark {
  readonly t: number;
  readonly to: number;
  readonly action: 'scale-out' | 'scale-in' | 'several decisions';
  /** What hovering the mark shows: time, reason code(s), from → to, message. */
  readonly tip: string;
}

export interface ChartWindow {
  readonly from: number;
  readonly to: number;
  /** Minutes per row. */
  readonly bucket: number;
  readonly rows: WindowRow[];
  /** Minutes with load above what served, merged when closer than a row (epoch ms). */
  readonly overload: { t: number; t2: number }[];
  readonly marks: WindowMark[];
}

/** `2026-01-01 06:30` (UTC) for minute m of a chart starting at `start`. */
export function clock(start: number, m: number): string {
  return new Date(start + m * 60_000).toISOString().slice(0, 16).replace('T', ' ');
}

/** Three significant figures or so: `1234`, `56.7`, `0.89`. */
export function formatNumber(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/**
 * Minutes per row: one while the window has at most `points` minutes; then 5 or 15 minutes, an hour or a
 * day (a week, past 4 years), the first that keeps the rows at most `points`.
 */
export function bucketMinutes(minutes: number, points: number): number {
  if (minutes <= points) return 1;
  const found = [5, 15, 60, 1440, 10080].find((k) => minutes / k <= points);
  return found ?? Math.ceil(minutes / points);
}

/**
 * The rows, overload spans and decision marks of minutes [from, to): at most `points` rows, and at most
 * `maxMarks` marks (beyond, one mark per stretch of time naming how many decisions of each reason it holds).
 */
export function chartWindow(
  series: ChartSeries,
  from: number,
  to: number,
  points: number,
  maxMarks: number,
): ChartWindow {
  const n = series.load.length;
  const a = Math.max(0, Math.min(n - 1, Math.floor(from)));
  const b = Math.max(a + 1, Math.min(n, Math.ceil(to)));
  const bucket = bucketMinutes(b - a, points);
  return {
    from: a,
    to: b,
    bucket,
    rows: windowRows(series, a, b, bucket),
    overload: overloadSpans(series, a, b, bucket),
    marks: windowMarks(series, a, b, maxMarks),
  };
}

/** What one stretch of minutes held: each series' least and most (the forecasts' most; NaN: none). */
export interface StretchStats {
  readonly loadLo: number;
  readonly loadHi: number;
  readonly ordered: number;
  readonly servingLo: number;
  readonly servingHi: number;
  readonly utilLo: number;
  readonly utilHi: number;
  readonly forecast: number;
  readonly upper: number;
}

/** Per stretch of `bucket` minutes: load's and serving's least and most, ordered's most, utilisation's range. */
export function windowRows(series: ChartSeries, from: number, to: number, bucket: number): WindowRow[] {
  const perUnit = series.unitCapacity * series.targetUtilisation;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const rows: WindowRow[] = [];
  for (let m0 = from; m0 < to; m0 += bucket) {
    const m1 = Math.min(to, m0 + bucket);
    const s = stretchStats(series, m0, m1);
    rows.push({
      t: series.start + m0 * 60_000,
      t2: series.start + m1 * 60_000,
      needLo: round(s.loadLo / perUnit),
      needHi: round(s.loadHi / perUnit),
      ordered: s.ordered,
      servingLo: s.servingLo,
      servingHi: s.servingHi,
      utilLo: round(s.utilLo),
      utilHi: round(s.utilHi),
      ...(Number.isFinite(s.forecast) ? { forecast: round(s.forecast / perUnit) } : {}),
      ...(Number.isFinite(s.forecast) && Number.isFinite(s.upper) ? { upper: round(s.upper / perUnit) } : {}),
      readout: stretchReadout(series, m0, m1, s),
    });
  }
  return rows;
}

/** The least and most of each series over minutes [m0, m1). */
export function stretchStats(series: ChartSeries, m0: number, m1: number): StretchStats {
  const num = (v: number | null | undefined) => (v === null || v === undefined ? Number.NaN : v);
  let loadLo = Number.POSITIVE_INFINITY;
  let loadHi = Number.NEGATIVE_INFINITY;
  let ordered = 0;
  let servingLo = Number.POSITIVE_INFINITY;
  let servingHi = 0;
  let utilLo = Number.POSITIVE_INFINITY;
  let utilHi = 0;
  let forecast = Number.NaN;
  let upper = Number.NaN;
  for (let m = m0; m < m1; m += 1) {
    const load = num(series.load[m]);
    const serving = num(series.serving[m]);
    loadLo = Math.min(loadLo, load);
    loadHi = Math.max(loadHi, load);
    ordered = Math.max(ordered, num(series.ordered[m]));
    servingLo = Math.min(servingLo, serving);
    servingHi = Math.max(servingHi, serving);
    // Load with nothing serving is drawn at the cap (1000%), not as infinity.
    const util =
      load <= 0 ? 0 : serving > 0 ? Math.min(1000, (100 * load) / (serving * series.unitCapacity)) : 1000;
    utilLo = Math.min(utilLo, util);
    utilHi = Math.max(utilHi, util);
    const f = num(series.forecast?.[m]);
    const u = num(series.upper?.[m]);
    if (Number.isFinite(f)) forecast = Number.isFinite(forecast) ? Math.max(forecast, f) : f;
    if (Number.isFinite(u)) upper = Number.isFinite(upper) ? Math.max(upper, u) : u;
  }
  return { loadLo, loadHi, ordered, servingLo, servingHi, utilLo, utilHi, forecast, upper };
}

/** Every series of a stretch in words, for the crosshair: time, load (and the units it needs), capacity, utilisation, forecast. */
export function stretchReadout(series: ChartSeries, m0: number, m1: number, s: StretchStats): string {
  const perUnit = series.unitCapacity * series.targetUtilisation;
  const target = Math.round(series.targetUtilisation * 100);
  const range = (lo: number, hi: number, f: (v: number) => string) =>
    lo === hi ? f(lo) : `${f(lo)}–${f(hi)}`;
  const startsAt = clock(series.start, m0);
  const end = clock(series.start, m1);
  // The end's day is written only when it is another day than the start's.
  const when =
    m1 - m0 === 1
      ? startsAt
      : `${startsAt}–${end.slice(0, 10) === startsAt.slice(0, 10) ? end.slice(11) : end}`;
  return [
    `${when} UTC`,
    `load ${range(s.loadLo, s.loadHi, formatNumber)} ${series.loadUnit} (needs ${range(s.loadLo / perUnit, s.loadHi / perUnit, formatNumber)} ${series.unitName} at ${target}%)`,
    `ordered ${m1 - m0 === 1 ? s.ordered : `up to ${s.ordered}`}`,
    `serving ${range(s.servingLo, s.servingHi, String)}`,
    `utilisation ${range(Math.round(s.utilLo), Math.round(s.utilHi), String)}% (target ${target}%)`,
    ...(Number.isFinite(s.forecast)
      ? [
          `forecast ${formatNumber(s.forecast)} ${series.loadUnit}${Number.isFinite(s.upper) ? `, floors planned for ${formatNumber(s.upper)}` : ''}`,
        ]
      : []),
  ].join(' · ');
}

/** Minute spans with load above what served, merged when closer than a row, each at least a row wide. */
export function overloadSpans(
  series: ChartSeries,
  from: number,
  to: number,
  bucket: number,
): { t: number; t2: number }[] {
  const spans: { from: number; to: number }[] = [];
  for (let m = from; m < to; m += 1) {
    if ((series.load[m] as number) <= (series.serving[m] as number) * series.unitCapacity) continue;
    const last = spans[spans.length - 1];
    if (last && m - last.to < bucket) last.to = m + 1;
    else spans.push({ from: m, to: m + 1 });
  }
  // A one-minute span of a week-long chart would be thinner than a pixel.
  return spans.map((s) => ({
    t: series.start + s.from * 60_000,
    t2: series.start + Math.max(s.to, Math.min(to, s.from + bucket)) * 60_000,
  }));
}

/**
 * The decisions inside [from, to), each a mark naming its reason code and message; when there are more than
 * `maxMarks`, one mark per stretch of time, listing how many decisions of each reason it holds.
 */
export function windowMarks(series: ChartSeries, from: number, to: number, maxMarks: number): WindowMark[] {
  const inside = series.decisions.filter((d) => d.minute >= from && d.minute < to && d.to !== d.from);
  const at = (m: number) => series.start + m * 60_000;
  const action = (d: DecisionMark) => (d.to > d.from ? 'scale-out' : 'scale-in');
  const one = (d: DecisionMark): WindowMark => ({
    t: at(d.minute),
    to: d.to,
    action: action(d),
    tip: `${clock(series.start, d.minute)} ${d.reason} ${d.from} → ${d.to} ${series.unitName}: ${d.message}`,
  });
  if (inside.length <= maxMarks) return inside.map(one);
  const span = bucketMinutes(to - from, maxMarks);
  const groups = new Map<number, DecisionMark[]>();
  for (const d of inside) {
    const key = from + Math.floor((d.minute - from) / span) * span;
    const group = groups.get(key);
    if (group) group.push(d);
    else groups.set(key, [d]);
  }
  return [...groups].map(([start, ds]) => {
    const first = ds[0] as DecisionMark;
    const last = ds[ds.length - 1] as DecisionMark;
    if (ds.length === 1) return one(first);
    const outs = ds.filter((d) => d.to > d.from).length;
    const counts = new Map<string, number>();
    for (const d of ds) counts.set(d.reason, (counts.get(d.reason) ?? 0) + 1);
    const reasons = [...counts]
      .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
      .map(([reason, count]) => `${reason} ×${count}`)
      .join(', ');
    return {
      t: at(first.minute),
      to: Math.max(...ds.map((d) => d.to)),
      action: 'several decisions',
      tip: `${ds.length} decisions ${clock(series.start, start)}–${clock(series.start, Math.min(to, start + span))} (${outs} out, ${ds.length - outs} in), ${first.from} → ${last.to} ${series.unitName}: ${reasons}. First: ${first.reason}: ${first.message}`,
    };
  });
}

/**
 * The top of the units axis for charts compared side by side: the most any of them draws, plus 5%; but when
 * the load outgrows every capacity by far (a flash crowd past the maximum), 1.5 × the most capacity, so
 * capacity stays readable (the load's peaks above are written at the top: `cutOffLabels`).
 */
export function unitsAxisTop(windows: readonly { rows: readonly WindowRow[] }[]): number {
  let capacity = 0;
  let top = 0;
  for (const w of windows)
    for (const r of w.rows) {
      capacity = Math.max(capacity, r.ordered, r.servingHi);
      top = Math.max(top, r.needHi, r.ordered, r.servingHi, r.upper ?? 0, r.forecast ?? 0);
    }
  const v = Math.min(top * 1.05, Math.max(capacity * 1.5, 1));
  if (!(v > 0)) return 1;
  return v <= 10 ? Math.ceil(v) : Math.ceil(v / 2) * 2;
}

/** The top of the utilisation axis: at least 100%, at most 300%, above the highest drawn. */
export function utilisationAxisTop(windows: readonly { rows: readonly WindowRow[] }[]): number {
  let top = 100;
  for (const w of windows) for (const r of w.rows) top = Math.max(top, Math.min(300, r.utilHi));
  return Math.ceil((top * 1.05) / 10) * 10;
}

/** The highest few load peaks above the axis, far enough apart, each with its value written at the top. */
export function cutOffLabels(
  series: ChartSeries,
  rows: readonly WindowRow[],
  unitsMax: number,
): { t: number; label: string; right: boolean }[] {
  const perUnit = series.unitCapacity * series.targetUtilisation;
  const first = rows[0]?.t ?? 0;
  const last = rows[rows.length - 1]?.t2 ?? first;
  const apart = (last - first) * 0.06;
  const labels: { t: number; label: string; right: boolean }[] = [];
  for (const r of rows.filter((x) => x.needHi > unitsMax).sort((x, y) => y.needHi - x.needHi)) {
    if (labels.length === 4) break;
    if (labels.some((l) => Math.abs(l.t - r.t) < apart)) continue;
    // Right-aligned near the right edge, so the text stays inside the chart.
    labels.push({
      t: r.t,
      label: `↑ ${formatNumber(r.needHi * perUnit)} ${series.loadUnit}`,
      right: r.t > first + 0.8 * (last - first),
    });
  }
  return labels;
}

/** The source of this file's functions, for the report page (see the note at the top). */
export const CHART_WINDOW_SOURCE = [
  clock,
  formatNumber,
  bucketMinutes,
  chartWindow,
  windowRows,
  stretchStats,
  stretchReadout,
  overloadSpans,
  windowMarks,
  unitsAxisTop,
  utilisationAxisTop,
  cutOffLabels,
]
  .map((f) => f.toString())
  .join('\n');
