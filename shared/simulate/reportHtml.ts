import type { BacktestResult } from './runBacktest';
import type { MinuteSeries } from './trace';

const COLOURS: Record<string, string> = {
  oracle: '#2ca02c',
  'static-peak': '#7f7f7f',
  'step-seed': '#ff7f0e',
  'target-tracking': '#9467bd',
  hpa: '#8c564b',
  scalepilot: '#1f77b4',
};
const WIDTH = 1200;
const HEIGHT = 360;
const MAX_POINTS = 2400;

/**
 * The backtest report: the figures table and an SVG chart of the load (in units at 100%) and each
 * policy's serving capacity, downsampled to at most 2,400 points a series (a bucket keeps its peak).
 * Buttons zoom the chart to one day and move through the trace.
 */
export function reportHtml(result: BacktestResult, series: MinuteSeries, title: string): string {
  const n = series.load.length;
  const bucket = Math.max(1, Math.ceil(n / MAX_POINTS));
  const peakOf = (values: ArrayLike<number>, scale = 1) => {
    const out: number[] = [];
    for (let i = 0; i < n; i += bucket) {
      let peak = Number.NEGATIVE_INFINITY;
      for (let j = i; j < Math.min(n, i + bucket); j += 1)
        peak = Math.max(peak, (values[j] as number) * scale);
      out.push(peak);
    }
    return out;
  };
  const loadUnits = peakOf(series.load, 1 / result.scenario.unitCapacity);
  const lines = result.timelines.map((t) => ({ name: t.policy, points: peakOf(t.serving) }));
  const top = Math.max(result.scenario.max, ...loadUnits) * 1.05;
  const x = (i: number) => ((i * bucket) / Math.max(1, n - 1)) * WIDTH;
  const y = (v: number) => HEIGHT - (v / top) * HEIGHT;
  const polyline = (name: string, points: number[], colour: string, width: number) =>
    `<polyline data-series="${name}" fill="none" stroke="${colour}" stroke-width="${width}" vector-effect="non-scaling-stroke" points="${points.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`;
  const legend = [
    ['load (units at 100%)', '#d62728'],
    ...lines.map((l) => [l.name, COLOURS[l.name] ?? '#000']),
  ]
    .map(([name, colour]) => `<span style="color:${colour}">■ ${name}</span>`)
    .join(' ');
  const rows = result.figures
    .map(
      (f) =>
        `<tr><td>${f.policy}</td><td>${f.cost.toFixed(1)}</td><td>${f.costRatio.toFixed(3)}</td><td>${f.overloadMinutes}</td><td>${f.unservedPercent.toFixed(4)}</td><td>${f.sloRiskMinutes}</td><td>${f.actions}</td><td>${f.flaps}</td></tr>`,
    )
    .join('\n');
  const dayWidth = (1440 / Math.max(1, n - 1)) * WIDTH;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}svg{border:1px solid #ddd;width:100%;height:auto}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p>${n} minutes from ${new Date(series.start).toISOString()}; unit capacity ${result.scenario.unitCapacity.toFixed(3)}, target utilisation ${result.scenario.targetUtilisation}, range ${result.scenario.min}..${result.scenario.max}, provisioning delay ${result.scenario.delay} min.</p>
<table><tr><th>policy</th><th>cost (unit-h)</th><th>cost ratio</th><th>overload min</th><th>unserved %</th><th>SLO-risk min</th><th>actions</th><th>flaps</th></tr>
${rows}</table>
<p>${legend}</p>
<p><button id="all">whole trace</button> <button id="day">one day</button> <button id="prev">◀</button> <button id="next">▶</button></p>
<svg id="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none">
${polyline('load', loadUnits, '#d62728', 1)}
${lines.map((l) => polyline(l.name, l.points, COLOURS[l.name] ?? '#000', 1.5)).join('\n')}
</svg>
<script>
const svg = document.getElementById('chart'); let from = 0; let width = ${WIDTH};
const show = () => svg.setAttribute('viewBox', from + ' 0 ' + width + ' ${HEIGHT}');
document.getElementById('all').onclick = () => { from = 0; width = ${WIDTH}; show(); };
document.getElementById('day').onclick = () => { width = Math.min(${WIDTH}, ${dayWidth.toFixed(3)}); show(); };
document.getElementById('prev').onclick = () => { from = Math.max(0, from - width); show(); };
document.getElementById('next').onclick = () => { from = Math.min(${WIDTH} - width, from + width); show(); };
</script></body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}
