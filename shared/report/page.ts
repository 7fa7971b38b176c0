import type { Chart } from './render';

/** One part of a report page: a heading, some HTML (tables, text) and charts. */
export interface PageSection {
  readonly heading?: string;
  readonly html?: string;
  readonly charts?: readonly Chart[];
}

/**
 * A self-contained HTML page: inline CSS, the charts as inline SVG, and a few lines of inline script for
 * the hover tooltips. Nothing is fetched: no fonts, scripts or images from anywhere, so it works offline
 * and from a file:// URL. Without scripts the SVG `<title>`s still show as the browser's own tooltips.
 */
export function htmlPage(title: string, sections: readonly PageSection[]): string {
  const body = sections
    .map((s) =>
      [
        s.heading ? `<h2>${escapeHtml(s.heading)}</h2>` : '',
        s.html ?? '',
        ...(s.charts ?? []).map(chartFigure),
      ].join('\n'),
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${CSS}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
<div id="tooltip" role="tooltip" hidden></div>
<script>${TOOLTIP_SCRIPT}</script>
</body></html>
`;
}

/** A chart as a figure; `data-title` lets tests and readers find it by its title. */
export function chartFigure(chart: Chart): string {
  return `<figure class="chart" data-title="${escapeHtml(chart.title)}">${chart.svg}</figure>`;
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
#tooltip{position:fixed;z-index:10;max-width:460px;padding:6px 9px;background:#222;color:#fff;font-size:13px;border-radius:4px;pointer-events:none;white-space:pre-wrap}
p.note{color:#555}`;

// Moves each mark's <title> into a tooltip that shows at once (the browser's own waits and cannot be
// styled), for decision marks and scatter points alike.
const TOOLTIP_SCRIPT = `(() => {
  const tip = document.getElementById('tooltip');
  for (const mark of document.querySelectorAll('.hover')) {
    const title = mark.querySelector('title');
    if (!title) continue;
    mark.dataset.reason = title.textContent;
    title.remove();
    mark.addEventListener('mouseenter', (e) => {
      tip.textContent = mark.dataset.reason;
      tip.hidden = false;
      tip.style.left = Math.min(e.clientX + 12, innerWidth - 480) + 'px';
      tip.style.top = e.clientY + 14 + 'px';
    });
    mark.addEventListener('mouseleave', () => { tip.hidden = true; });
  }
})();`;
