import { Resvg } from '@resvg/resvg-js';
import { logger, None, parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A chart drawn to SVG: what a page embeds and what a PNG is made from. */
export interface Chart {
  /** The chart's title, as drawn on it. */
  readonly title: string;
  /** Self-contained SVG markup (no scripts, no external references). */
  readonly svg: string;
  /** Pixel size of the SVG, title, axes and legend included. */
  readonly width: number;
  readonly height: number;
  /** How the page draws the chart live (zoom, crosshair, tooltips); absent: the page shows the SVG as it is. */
  readonly live?: LiveChart;
}

/** A chart the report page redraws in the browser with the Vega runtime it carries. */
export interface LiveChart {
  /** The compiled Vega spec; the datasets the page fills are empty in it. */
  readonly spec: object;
  /** The chart's series in the page's data (`htmlPage`'s `data.series`). */
  readonly series?: string;
  /** Charts of one group are zoomed together and share their axes' tops. */
  readonly group?: string;
  /** An overview strip: brushing it zooms this group. */
  readonly overview?: string;
  /** Minutes first shown, [from, to). */
  readonly window: readonly [number, number];
}

/** The font every chart names; the PNG renderer resolves it to a system font (see `pngFromSvg`). */
export const CHART_FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/**
 * Compiles a Vega-Lite spec and renders it to SVG on the server (headless view, no DOM, no canvas).
 * Marks that carry a `description` get a `<title>` child: browsers show it on hover, and the report's
 * tooltip script reads it. The size is the spec's, fixed: specs use `autosize: fit` with padding included.
 */
export async function renderChart(spec: TopLevelSpec, title: string): Promise<Chart> {
  // Vega-Lite warns about scale merges across layers that are intended (shared domains): not for operators.
  const view = new View(parse(compile(spec, { logger: logger(None) }).spec), { renderer: 'none' });
  try {
    const svg = withUniqueIds(withHoverTitles(await view.toSVG()));
    const size = /<svg[^>]*\swidth="([\d.]+)"\s+height="([\d.]+)"/.exec(svg);
    return { title, svg, width: Number(size?.[1]), height: Number(size?.[2]) };
  } finally {
    view.finalize();
  }
}

/**
 * The Vega spec a page draws a chart with in the browser: the Vega-Lite spec compiled here (the page carries
 * the Vega runtime only), with the datasets named in `filled` emptied: the page computes them per window.
 */
export function liveSpec(spec: TopLevelSpec, filled: readonly string[]): object {
  const vega = compile(spec, { logger: logger(None) }).spec;
  return {
    ...vega,
    data: (vega.data ?? []).map((d) => (filled.includes(d.name) && 'values' in d ? { ...d, values: [] } : d)),
  };
}

// Vega's SVG renderer writes a mark's `description` as the item's aria-label (a graphics-symbol); it
// writes no <title>. Guides and titles are labelled too, but on groups, never on symbol items.
const SYMBOL_ITEM = /<(path|rect|circle)(\s[^<>]*?)\/>/g;

function withHoverTitles(svg: string): string {
  return svg.replace(SYMBOL_ITEM, (item, tag: string, attrs: string) => {
    const label = /\saria-label="([^"]*)"/.exec(attrs)?.[1];
    if (label === undefined || !attrs.includes('role="graphics-symbol"')) return item;
    return `<${tag} class="hover"${attrs}><title>${label}</title></${tag}>`;
  });
}

// Vega numbers its clip paths from 1 in every SVG; in a page of many charts, url(#clip1) would resolve to
// the first chart's. Each rendered chart gets its own prefix.
let rendered = 0;
function withUniqueIds(svg: string): string {
  rendered += 1;
  const prefix = `chart${rendered}-`;
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`).replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`);
}

/** Stacks charts of one width into one SVG, top to bottom (for one PNG of several charts). */
export function stackCharts(charts: readonly Chart[]): Chart {
  const width = Math.max(...charts.map((c) => c.width));
  let y = 0;
  const parts = charts.map((c) => {
    const part = c.svg.replace(/^<svg /, `<svg x="0" y="${y}" `);
    y += c.height;
    return part;
  });
  return {
    title: charts.map((c) => c.title).join(' / '),
    svg: `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}"><rect width="${width}" height="${y}" fill="white"/>${parts.join('')}</svg>`,
    width,
    height: y,
  };
}

/**
 * PNG of a chart through resvg (no browser), at the chart's own pixel size times `scale`. Text needs a
 * system font: resvg loads the system's fonts and takes DejaVu Sans (Debian `fonts-dejavu-core`) for
 * sans-serif, the first font it finds otherwise.
 */
export function pngFromSvg(chart: Pick<Chart, 'svg' | 'width'>, scale = 1): Buffer {
  const resvg = new Resvg(chart.svg, {
    fitTo: { mode: 'width', value: Math.round(chart.width * scale) },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** Width and height from a PNG's IHDR chunk; an error when the bytes are not a PNG. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (png.length < 24 || signature.some((b, i) => png[i] !== b) || view.getUint32(12) !== 0x49484452)
    throw new Error('not a PNG (no signature and IHDR chunk)');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
