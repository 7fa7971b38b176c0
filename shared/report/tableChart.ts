import { CHART_FONT, type Chart } from './render';

const FONT_SIZE = 12;
/** DejaVu Sans is about 0.6 em a character: column widths are reckoned from it. */
const CHAR_WIDTH = FONT_SIZE * 0.62;
const ROW_HEIGHT = 20;
const PAD = 8;

/**
 * A table drawn as SVG text, for the PNG of a report (which has no HTML): a title, a line of text under it,
 * headers (split over two lines when wider than their column's figures), one row per line, a colour
 * swatch before each row's first cell, numbers right-aligned.
 */
export function tableChart(input: {
  readonly title: string;
  readonly subtitle?: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
  readonly swatches?: readonly string[];
  readonly width: number;
}): Chart {
  const cells = input.rows.map((r) => r.map(String));
  const { headerLines, columnWidths, lefts, numeric, tableWidth } = columnsOf(input.headers, cells);
  const headerRows = Math.max(...headerLines.map((l) => l.length));
  let y = 24;
  const parts: string[] = [
    `<text x="0" y="${y}" font-size="15" font-weight="bold">${xml(input.title)}</text>`,
  ];
  for (const line of wrap(input.subtitle ?? '', Math.floor(input.width / CHAR_WIDTH))) {
    y += 17;
    parts.push(`<text x="0" y="${y}" font-size="12" fill="#444">${xml(line)}</text>`);
  }
  y += 14;
  const top = y;
  parts.push(
    `<rect x="0" y="${top}" width="${tableWidth}" height="${headerRows * 16 + 10}" fill="#f4f4f4"/>`,
  );
  headerLines.forEach((lines, i) => {
    lines.forEach((line, k) => {
      parts.push(
        cell(
          line,
          lefts[i] as number,
          columnWidths[i] as number,
          top + 16 + k * 16,
          numeric[i] ?? false,
          true,
        ),
      );
    });
  });
  y = top + headerRows * 16 + 10;
  cells.forEach((row, r) => {
    row.forEach((text, i) => {
      const swatch = i === 0 ? input.swatches?.[r] : undefined;
      if (swatch) parts.push(`<rect x="${PAD}" y="${y + 5}" width="10" height="10" fill="${xml(swatch)}"/>`);
      parts.push(
        cell(
          text,
          (lefts[i] as number) + (swatch ? 16 : 0),
          (columnWidths[i] as number) - (swatch ? 16 : 0),
          y + 14,
          numeric[i] ?? false,
          false,
        ),
      );
    });
    parts.push(
      `<line x1="0" x2="${tableWidth}" y1="${y + ROW_HEIGHT}" y2="${y + ROW_HEIGHT}" stroke="#ddd"/>`,
    );
    y += ROW_HEIGHT;
  });
  const height = Math.ceil(y + 12);
  const width = Math.max(input.width, Math.ceil(tableWidth));
  return {
    title: input.title,
    width,
    height,
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${CHART_FONT}" font-size="${FONT_SIZE}" class="table-chart"><rect width="${width}" height="${height}" fill="white"/>${parts.join('')}</svg>`,
  };
}

/**
 * The columns of a table: each header's lines (split in two when much wider than its figures), each column's
 * width and left edge, whether it holds numbers (right-aligned; never the first), and the whole table's width.
 */
function columnsOf(headers: readonly string[], cells: readonly string[][]) {
  const headerLines = headers.map((h, i) => {
    const widest = Math.max(0, ...cells.map((r) => (r[i] ?? '').length));
    return h.length > widest + 2 && h.includes(' ') ? splitInTwo(h) : [h];
  });
  const columnWidths = headers.map((_, i) => {
    const text = Math.max(
      ...(headerLines[i] ?? []).map((l) => l.length),
      ...cells.map((r) => (r[i] ?? '').length),
    );
    return text * CHAR_WIDTH + 2 * PAD + (i === 0 ? 16 : 0);
  });
  const numeric = headers.map((_, i) => i > 0 && cells.every((r) => /^[\d.,–∞×-]*$/.test(r[i] ?? '')));
  let x = 0;
  const lefts = columnWidths.map((w) => {
    const left = x;
    x += w;
    return left;
  });
  return { headerLines, columnWidths, lefts, numeric, tableWidth: x };
}

function cell(
  text: string,
  left: number,
  width: number,
  y: number,
  numeric: boolean,
  header: boolean,
): string {
  const x = numeric ? left + width - PAD : left + PAD;
  return `<text x="${x.toFixed(1)}" y="${y}"${numeric ? ' text-anchor="end"' : ''}${header ? ' font-weight="bold"' : ''}>${xml(text)}</text>`;
}

/** Lines of at most `columns` characters, broken at spaces. */
function wrap(text: string, columns: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter(Boolean)) {
    if (line && line.length + 1 + word.length > columns) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

/** Two lines, broken at the space nearest the middle. */
function splitInTwo(text: string): string[] {
  const middle = text.length / 2;
  let best = -1;
  for (let i = 0; i < text.length; i += 1)
    if (text[i] === ' ' && (best < 0 || Math.abs(i - middle) < Math.abs(best - middle))) best = i;
  return best < 0 ? [text] : [text.slice(0, best), text.slice(best + 1)];
}

function xml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
