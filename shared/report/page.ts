import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CHART_WINDOW_SOURCE } from './chartWindow';
import type { Chart } from './render';

/** One part of a report page: a heading, some HTML (tables, text) and charts. */
export interface PageSection {
  readonly heading?: string;
  readonly html?: string;
  readonly charts?: readonly Chart[];
}

/** What a page's live charts are drawn from: the series per chart, minute by minute (see `pageData`). */
export interface PageData {
  /** Rows and marks per live chart at most (`CHART_POINTS`, `MAX_MARKS`). */
  readonly points: number;
  readonly maxMarks: number;
  /** The load every series shares, as runs (`toRuns`). */
  readonly load: readonly (number | null)[];
  /**
   * By key (`LiveChart.series`): a `ChartSeries` without its load, its arrays as runs, its decisions as rows
   * `[minute, from, to, reason, message]`.
   */
  readonly series: Readonly<Record<string, unknown>>;
}

/**
 * An array as runs of equal values, `[value, count, value, count, …]`, NaN as null (JSON has no NaN): a
 * year of minutes of capacity changes a few thousand times. The page expands them again.
 */
export function toRuns(values: ArrayLike<number | null>): (number | null)[] {
  const runs: (number | null)[] = [];
  let i = 0;
  while (i < values.length) {
    const v = values[i] ?? null;
    let j = i + 1;
    while (j < values.length && Object.is(values[j] ?? null, v)) j += 1;
    runs.push(v === null || Number.isNaN(v) ? null : v, j - i);
    i = j;
  }
  return runs;
}

/**
 * A self-contained HTML page: inline CSS, the charts as inline SVG, and inline scripts: the tooltips and,
 * when charts are live, the Vega runtime, their specs and data, so a reader can zoom to any window and read
 * every series at one time. Nothing is fetched: no fonts, scripts or images from anywhere, so it works
 * offline and from a file:// URL. Without scripts the SVGs stay, and their `<title>`s show as tooltips.
 */
export function htmlPage(title: string, sections: readonly PageSection[], data?: PageData): string {
  const body = sections
    .map((s) =>
      [
        s.heading ? `<h2>${escapeHtml(s.heading)}</h2>` : '',
        s.html ?? '',
        ...(s.charts ?? []).map(chartFigure),
      ].join('\n'),
    )
    .join('\n');
  const live = data && sections.some((s) => s.charts?.some((c) => c.live));
  const scripts = live
    ? [
        `<script type="application/json" id="report-data">${jsonForScript(data)}</script>`,
        `<script>${vegaRuntime()}</script>`,
        `<script>${TOOLTIP_SCRIPT}\n${LIVE_SCRIPT}</script>`,
      ]
    : [`<script>${TOOLTIP_SCRIPT}</script>`];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${CSS}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
<div id="tooltip" role="tooltip" hidden></div>
${scripts.join('\n')}
</body></html>
`;
}

/** A chart as a figure; `data-title` lets tests and readers find it by its title. */
export function chartFigure(chart: Chart): string {
  if (!chart.live)
    return `<figure class="chart" data-title="${escapeHtml(chart.title)}">${chart.svg}</figure>`;
  const { spec, ...where } = chart.live;
  return `<figure class="chart" data-title="${escapeHtml(chart.title)}" data-live="${escapeHtml(JSON.stringify(where))}">${chart.svg}<script type="application/json" class="live-spec">${jsonForScript(spec)}</script></figure>`;
}

/** JSON inside a <script> element: `<` escaped, so no `</script>` in the data can end it. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

let vegaSource: string | undefined;
/** The Vega runtime (vega.min.js of the installed package), read once. */
function vegaRuntime(): string {
  vegaSource ??= readFileSync(
    join(dirname(createRequire(import.meta.url).resolve('vega')), 'vega.min.js'),
    'utf8',
  );
  return vegaSource;
}

/** An HTML table; cells are escaped, `numeric` columns right-aligned. */
export function htmlTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  options: { swatches?: readonly string[] } = {},
): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row, r) => {
      const cells = row.map((cell, i) => {
        const swatch =
          i === 0 && options.swatches?.[r]
            ? `<span class="swatch" style="background:${options.swatches[r]}"></span>`
            : '';
        const numeric = typeof cell === 'number' || /^[\d.,–∞-]+$/.test(cell);
        return `<td${numeric ? ' class="num"' : ''}>${swatch}${escapeHtml(String(cell))}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

const CSS = `body{font:14px/1.45 system-ui,"DejaVu Sans",sans-serif;margin:24px;color:#222;max-width:1180px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px}th{background:#f4f4f4}
td:first-child{white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}.swatch{display:inline-block;width:10px;height:10px;margin-right:6px}
figure.chart{margin:16px 0}figure.chart svg{max-width:100%;height:auto}
.hover{cursor:help}
figure.chart .live svg{max-width:100%;height:auto}
#tooltip{position:fixed;z-index:10;max-width:460px;padding:6px 9px;background:#222;color:#fff;font-size:13px;border-radius:4px;pointer-events:none;white-space:pre-wrap}
p.note{color:#555}`;

// Moves each mark's <title> into a tooltip that shows at once (the browser's own waits and cannot be
// styled), for decision marks and scatter points alike; `showTip` is the live charts' tooltip too.
const TOOLTIP_SCRIPT = `const tip = document.getElementById('tooltip');
function showTip(text, event) {
  tip.textContent = text;
  tip.hidden = false;
  tip.style.left = Math.max(0, Math.min(event.clientX + 12, innerWidth - 480)) + 'px';
  tip.style.top = event.clientY + 14 + 'px';
}
function hideTip() { tip.hidden = true; }
for (const mark of document.querySelectorAll('.hover')) {
  const title = mark.querySelector('title');
  if (!title) continue;
  mark.dataset.reason = title.textContent;
  title.remove();
  mark.addEventListener('mouseenter', (e) => showTip(mark.dataset.reason, e));
  mark.addEventListener('mouseleave', hideTip);
}`;

// The live charts: each figure with data-live is drawn again by the Vega runtime from its spec, its data
// computed for the window shown by the functions of chartWindow.ts (their source is inlined here). A
// group's overview strip sets the window of the group's charts: brush to zoom, double-click for the whole
// run. The drawn SVG is replaced only once the live chart has rendered: a failure leaves the page as drawn.
const LIVE_SCRIPT = `function __name(f) { return f; }
${CHART_WINDOW_SOURCE}
const reportData = JSON.parse(document.getElementById('report-data').textContent);
const fromRuns = (runs) => {
  if (!Array.isArray(runs)) return undefined;
  const out = [];
  for (let i = 0; i < runs.length; i += 2) for (let k = 0; k < runs[i + 1]; k += 1) out.push(runs[i] ?? Number.NaN);
  return out;
};
const pageSeries = {};
for (const [key, s] of Object.entries(reportData.series))
  pageSeries[key] = {
    ...s,
    load: fromRuns(reportData.load),
    ordered: fromRuns(s.ordered),
    serving: fromRuns(s.serving),
    forecast: fromRuns(s.forecast),
    upper: fromRuns(s.upper),
    decisions: s.decisions.map(([minute, from, to, reason, message]) => ({ minute, from, to, reason, message })),
  };
const liveCharts = [];
const windows = new Map();
const replace = (view, name, values) =>
  view.change(name, vega.changeset().remove(() => true).insert(values));
async function drawGroup(group, from, to) {
  const members = liveCharts.filter((c) => c.where.group === group && c.where.series);
  const drawn = members.map((c) =>
    chartWindow(pageSeries[c.where.series], from, to, reportData.points, reportData.maxMarks),
  );
  windows.set(group, { from, to, drawn });
  await Promise.all(
    members.map((c, i) => {
      const s = pageSeries[c.where.series];
      const w = drawn[i];
      // Each chart's axes span its own data, as drawn on the server.
      const ymax = unitsAxisTop([w]);
      c.view.signal('window', [s.start + w.from * 60000, s.start + w.to * 60000]);
      c.view.signal('ymax', ymax).signal('umax', utilisationAxisTop([w]));
      replace(c.view, 'rows', w.rows);
      replace(c.view, 'overload', w.overload);
      replace(c.view, 'marks', w.marks);
      replace(c.view, 'cutoff', cutOffLabels(s, w.rows, ymax));
      return c.view.runAsync();
    }),
  );
}
async function goLive(figure) {
  const where = JSON.parse(figure.dataset.live);
  const spec = JSON.parse(figure.querySelector('script.live-spec').textContent);
  const holder = document.createElement('div');
  holder.className = 'live';
  const view = new vega.View(vega.parse(spec), { renderer: 'svg', container: holder, hover: true });
  view.tooltip((handler, event, item, value) => (value == null || value === '' ? hideTip() : showTip(String(value), event)));
  view.addEventListener('pointerout', hideTip);
  const chart = { figure, where, view, holder };
  liveCharts.push(chart);
  return chart;
}
(async () => {
  const charts = await Promise.all([...document.querySelectorAll('figure.chart[data-live]')].map(goLive));
  const groups = new Map();
  for (const c of charts) if (c.where.group && !groups.has(c.where.group)) groups.set(c.where.group, c.where.window);
  await Promise.all([...groups].map(([group, w]) => drawGroup(group, w[0], w[1])));
  for (const c of charts) {
    await c.view.runAsync();
    c.figure.querySelector(':scope > svg').replaceWith(c.holder);
    c.figure.dataset.drawn = 'live';
  }
  for (const c of charts.filter((x) => x.where.overview)) {
    const group = c.where.overview;
    const whole = groups.get(group) ?? c.where.window;
    const member = charts.find((x) => x.where.group === group && x.where.series);
    if (!member) continue;
    const start = pageSeries[member.where.series].start;
    let pending;
    c.view.addSignalListener('brush', (_, value) => {
      const t = value && value.t;
      const [from, to] = t && t.length === 2 ? [(+t[0] - start) / 60000, (+t[1] - start) / 60000] : whole;
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => drawGroup(group, Math.floor(from), Math.ceil(to)));
    });
  }
  document.body.dataset.live = 'ready';
})().catch((error) => {
  document.body.dataset.live = 'failed';
  console.warn('live charts: ' + error);
});
window.scalepilotReport = { liveCharts, windows, drawGroup, pageSeries };`;
