import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../bin/lib/backtestOutput';
import { withPage } from '../../bin/lib/chromium';
import { backtestReport } from '../../shared/report/backtestReport';
import { pngSize } from '../../shared/report/render';
import { type BacktestResult, runBacktest } from '../../shared/simulate/runBacktest';

// The backtest report as `scalepilot backtest --out` writes it, opened in Debian's headless Chromium
// (playwright-core, started and stopped here) as a reader would: offline, the charts drawn live by the
// inline Vega runtime, every decision mark naming its reason code, a brush that zooms every chart of the run,
// a crosshair that reads every series. Screenshots go to tests/artifacts/ for a person to look at.
const artifacts = new URL('../artifacts/', import.meta.url).pathname;
// The functions passed to page.evaluate run in the browser (the project compiles without the DOM's types).
declare const window: any;
declare const document: any;
// Four days of a daily cycle with a sudden surge on day 2: overload for the reactive policies, a peak
// day to zoom on, and scaling decisions both ways.
const load = Array.from(
  { length: 4 * 1440 },
  (_, m) => 60 + 40 * Math.sin((2 * Math.PI * m) / 1440) + (m % 37) + (m >= 2000 && m < 2090 ? 110 : 0),
);
const series = { start: Date.parse('2026-01-01T00:00:00Z'), load, stepMinutes: 1 };
const REASON =
  /^(\d{4}-\d\d-\d\d \d\d:\d\d ([A-Z]\w+) \d+ → \d+ instances: .+|\d+ decisions .*: ([A-Z]\w+ ×\d+)(, [A-Z]\w+ ×\d+)*\. First: [A-Z]\w+: .+)$/;

interface LiveChart {
  title: string;
  axisTitles: string[];
  axisLabels: string[];
  legend: string[];
  visible: boolean;
  /** The units axis: its top (the `ymax` signal), its highest label, and the most the chart draws. */
  ymax: number;
  topLabel: number;
  drawnMax: number;
  capacityMax: number;
  /** Every decision mark's tooltip, from Vega's scene graph. */
  tips: string[];
  ordered: { stroke: string | null; dash: string | null };
  serving: { fill: string | null; stroke: string | null; dash: string | null };
}

/** What a page shows of each live chart, read in the browser. */
function readCharts(): LiveChart[] {
  const report = (window as any).scalepilotReport;
  const visibleTexts = (root: any, selector: string) =>
    [...root.querySelectorAll(`${selector} text`)]
      .filter((t) => {
        const box = (t as any).getBoundingClientRect();
        return box.width > 0 && box.height > 0 && (t.textContent ?? '').trim() !== '';
      })
      .map((t: any) => t.textContent ?? '');
  const tipsOf = (view: any): string[] => {
    const tips: string[] = [];
    const walk = (node: any) => {
      if (!node) return;
      if (node.marktype && node.name === 'decisions_marks')
        for (const item of node.items ?? []) tips.push(String(item.tooltip ?? ''));
      for (const child of node.items ?? []) if (child.items) walk(child);
    };
    walk(view.scenegraph().root);
    return tips;
  };
  return report.liveCharts
    .filter((c: any) => c.where.series)
    .map((c: any) => {
      const f = c.figure;
      const box = f.getBoundingClientRect();
      const rows = [...c.view.data('rows')];
      const labels = visibleTexts(f, '.role-axis-label');
      const ordered = f.querySelector('g.ordered_marks path');
      const serving = f.querySelector('g.serving_marks path');
      return {
        title: visibleTexts(f, '.role-title-text').join(' '),
        axisTitles: visibleTexts(f, '.role-axis-title'),
        axisLabels: labels,
        legend: visibleTexts(f, '.role-legend-label'),
        visible: box.width > 500 && box.height > 200,
        ymax: c.view.signal('ymax'),
        topLabel: Math.max(...labels.slice(0, labels.indexOf('0', 1)).map(Number)),
        drawnMax: Math.max(...rows.map((r: any) => Math.max(r.needHi, r.ordered, r.servingHi, r.upper ?? 0))),
        capacityMax: Math.max(...rows.map((r: any) => Math.max(r.ordered, r.servingHi))),
        tips: tipsOf(c.view),
        ordered: {
          stroke: ordered?.getAttribute('stroke') ?? null,
          dash: ordered?.getAttribute('stroke-dasharray') ?? null,
        },
        serving: {
          fill: serving?.getAttribute('fill') ?? null,
          stroke: serving?.getAttribute('stroke') ?? null,
          dash: serving?.getAttribute('stroke-dasharray') ?? null,
        },
      };
    });
}

describe('the backtest report in a browser', () => {
  let result: BacktestResult;
  let out: string;
  const requests: string[] = [];
  const errors: string[] = [];
  let before: LiveChart[];
  let zoomed: {
    charts: LiveChart[];
    window: { from: number; to: number; bucket: number };
    axisTitle: string;
  };
  let reset: { from: number; to: number };
  let hovered: { mark: string; tooltip: string }[];
  let crosshair: { tooltip: string; rules: number };
  let staticMarks: { marks: number; titled: number };

  beforeAll(async () => {
    result = runBacktest(series, 'asg');
    out = mkdtempSync(join(tmpdir(), 'scalepilot-report-'));
    const file = await writeReport(out, result, series, {
      trace: 'synthetic.csv',
      kind: 'asg',
      loadUnit: 'requests/min',
    });
    // The drawn SVG the page starts with (and keeps without scripts): every decision mark has its title.
    const html = readFileSync(file, 'utf8');
    const groups = [...html.matchAll(/<g class="mark-symbol role-mark decisions_marks"[^>]*>(.*?)<\/g>/g)];
    staticMarks = {
      marks: groups.reduce((n, g) => n + [...(g[1] ?? '').matchAll(/<path /g)].length, 0),
      titled: groups.reduce((n, g) => n + [...(g[1] ?? '').matchAll(/<title>[^<]+<\/title>/g)].length, 0),
    };
    mkdirSync(artifacts, { recursive: true });
    await withPage(
      file,
      async (page) => {
        await page.waitForFunction(() => document.body.dataset.live === 'ready', null, { timeout: 60_000 });
        await page.screenshot({ path: join(artifacts, 'backtest-report.png'), fullPage: true });
        before = await page.evaluate(readCharts);

        // Hover the first marks of the peak day's charts: the page's tooltip shows what the scene graph holds.
        hovered = [];
        for (const policy of ['target-tracking', 'scalepilot']) {
          const chart = page.locator(`figure.chart[data-title$="${policy} · the 24 hours around the peak"]`);
          await chart.scrollIntoViewIfNeeded();
          for (let k = 0; k < 3; k += 1) {
            const mark = chart.locator('g.decisions_marks path').nth(k);
            await mark.hover({ force: true });
            await page.waitForTimeout(50);
            hovered.push({
              mark: `${policy} #${k}`,
              tooltip: (await page.locator('#tooltip').isVisible())
                ? ((await page.locator('#tooltip').textContent()) ?? '')
                : '',
            });
          }
        }

        // Brush a stretch of the overview strip: every chart of the run shows that window.
        const strip = page.locator('figure.chart[data-title$="the load over the whole run"] svg');
        await strip.scrollIntoViewIfNeeded();
        const box = await strip.boundingBox();
        if (!box) throw new Error('no overview strip');
        const y = box.y + box.height - 45;
        await page.mouse.move(box.x + 300, y);
        await page.mouse.down();
        await page.mouse.move(box.x + 420, y, { steps: 6 });
        await page.mouse.up();
        await page.waitForFunction(
          () => {
            const w = (window as any).scalepilotReport.windows.get('run');
            return w && w.to - w.from < 2000;
          },
          null,
          { timeout: 10_000 },
        );
        await page.waitForTimeout(300);
        const first = page.locator('figure.chart[data-title$="synthetic.csv · asg · target-tracking"]');
        await first.screenshot({ path: join(artifacts, 'backtest-report-zoomed.png') });
        zoomed = await page.evaluate(() => {
          const w = (window as any).scalepilotReport.windows.get('run');
          const figure = document.querySelector(
            'figure.chart[data-title$="synthetic.csv · asg · target-tracking"]',
          );
          const titles = [...(figure?.querySelectorAll('.role-axis-title text') ?? [])].map(
            (t: any) => t.textContent ?? '',
          );
          return {
            window: { from: w.from, to: w.to, bucket: w.drawn[0].bucket },
            axisTitle: titles.find((t) => t.startsWith('time')) ?? '',
            charts: [],
          };
        });
        zoomed.charts = await page.evaluate(readCharts);

        // The crosshair: over a chart, one rule in each plot and every series read at that time.
        await first.scrollIntoViewIfNeeded();
        const chartBox = await first.locator('svg').first().boundingBox();
        if (!chartBox) throw new Error('no chart');
        await page.mouse.move(chartBox.x + chartBox.width * 0.45, chartBox.y + chartBox.height * 0.4);
        await page.waitForTimeout(300);
        crosshair = {
          tooltip: (await page.locator('#tooltip').textContent()) ?? '',
          rules: await first
            .locator('g.capacityCrosshair_marks line, g.utilisationCrosshair_marks line')
            .count(),
        };
        await first.screenshot({ path: join(artifacts, 'backtest-report-crosshair.png') });

        // A double-click on the strip: the whole run again.
        await strip.dblclick({ position: { x: 600, y: box.height - 45 } });
        await page.waitForTimeout(500);
        reset = await page.evaluate(() => {
          const w = (window as any).scalepilotReport.windows.get('run');
          return { from: w.from, to: w.to };
        });
      },
      async (page) => {
        page.on('request', (r) => requests.push(r.url()));
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
        });
        page.on('pageerror', (e) => errors.push(e.message));
        // Anything but the file itself is refused, so a fetch would also fail loudly.
        await page.route(/^(?!file:)/, (route) => route.abort());
      },
    );
  });

  it('loads with no console errors and no network request but the file itself', () => {
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(join(out, 'report.html')).href]);
  });

  it('draws every policy live over the run and over the peak day, each with a title, axes with units and a legend', () => {
    const policies = result.timelines.map((t) => t.policy);
    expect(before.map((c) => c.title)).toEqual([
      ...policies.map((p) => `synthetic.csv · asg · ${p}`),
      ...policies.map((p) => `synthetic.csv · asg · ${p} · the 24 hours around the peak`),
    ]);
    for (const chart of before) {
      expect(chart.visible, chart.title).toBe(true);
      expect(chart.axisTitles, chart.title).toEqual([
        'capacity (instances)',
        'load (requests/min)',
        expect.stringMatching(/^time \(UTC\), \d+ Jan 2026( to \d+ Jan 2026)?$/),
        'utilisation (%)',
      ]);
      expect(chart.legend, chart.title).toEqual(
        expect.arrayContaining(['load', 'capacity ordered', 'capacity serving', 'target utilisation']),
      );
      expect(chart.axisLabels.length, chart.title).toBeGreaterThan(5);
    }
    const legendOf = (policy: string) => before.find((c) => c.title.endsWith(`· ${policy}`))?.legend;
    expect(legendOf('target-tracking')).toContain('overload (load above serving)');
    expect(legendOf('static-peak')).not.toContain('overload (load above serving)');
  });

  it('names a reason code and message in every decision mark’s tooltip, live and drawn', () => {
    const tips = before.flatMap((c) => c.tips);
    expect(tips.length).toBeGreaterThan(200);
    for (const tip of tips) expect(tip).toMatch(REASON);
    // Over four days, nearby decisions share a mark that counts them by reason; the peak day shows each.
    expect(tips.some((t) => / decisions .*: \w+ ×\d+/.test(t))).toBe(true);
    expect(tips.some((t) => /^\S+ \S+ PerfectForesight \d+ → \d+ instances: perfect foresight/.test(t))).toBe(
      true,
    );
    expect(staticMarks.marks).toBeGreaterThan(200);
    expect(staticMarks.titled).toBe(staticMarks.marks);
    expect(hovered).toHaveLength(6);
    for (const h of hovered) expect(h.tooltip, h.mark).toMatch(REASON);
  });

  it('scales each units axis to its data, before and after a zoom', () => {
    for (const chart of [...before, ...zoomed.charts]) {
      // Above all the capacity drawn, and at most 10% (and a unit) above the highest drawn series.
      expect(chart.ymax, chart.title).toBeGreaterThanOrEqual(chart.capacityMax);
      expect(chart.ymax, chart.title).toBeLessThanOrEqual(Math.max(1, chart.drawnMax * 1.1) + 1);
      expect(chart.topLabel, chart.title).toBeGreaterThan(chart.ymax * 0.6);
    }
  });

  it('draws ordered capacity as a dark dashed line and serving capacity as a filled area of another colour', () => {
    for (const chart of before) {
      expect(chart.ordered.dash, chart.title).toBe('6,3');
      expect(chart.serving.fill, chart.title).toBeTruthy();
      expect(chart.serving.dash, chart.title).toBeNull();
      expect(chart.ordered.stroke, chart.title).not.toBe(chart.serving.fill);
    }
  });

  it('zooms every chart of the run to the window brushed on the strip, at a finer grain; a double-click shows the run', () => {
    expect(zoomed.window.to - zoomed.window.from).toBeLessThan(2000);
    expect(zoomed.window.bucket).toBeLessThan(15);
    expect(zoomed.axisTitle).toMatch(/^time \(UTC\), \d+ Jan 2026/);
    const run = zoomed.charts.slice(0, result.timelines.length);
    for (const chart of run) expect(chart.tips.length, chart.title).toBeLessThanOrEqual(100);
    // The peak day's charts are their own group: the strip leaves them as they were.
    expect(zoomed.charts.slice(result.timelines.length).map((c) => c.ymax)).toEqual(
      before.slice(result.timelines.length).map((c) => c.ymax),
    );
    expect(reset).toEqual({ from: 0, to: 4 * 1440 });
  });

  it('reads every series at one time under the crosshair, with a rule in both plots', () => {
    expect(crosshair.rules).toBe(2);
    expect(crosshair.tooltip).toMatch(
      /^2026-01-0\d \d\d:\d\d(–\d\d:\d\d)? UTC · load [\d.–]+ requests\/min \(needs [\d.–]+ instances at 70%\) · ordered (up to )?\d+ · serving [\d–]+ · utilisation [\d–]+% \(target 70%\)$/,
    );
  });

  it('writes chart.png, decoded by the browser, with the figures table drawn above the charts', async () => {
    const png = readFileSync(join(out, 'chart.png'));
    const report = await backtestReport(result, series, {
      trace: 'synthetic.csv',
      kind: 'asg',
      loadUnit: 'requests/min',
    });
    expect(pngSize(png)).toEqual({ width: report.overview.width, height: report.overview.height });
    const tableHeight = Number(
      /class="table-chart"/.test(report.overview.svg)
        ? /<svg x="0" y="0" [^>]*height="(\d+)"/.exec(report.overview.svg)?.[1]
        : 0,
    );
    expect(tableHeight).toBeGreaterThan(150);
    // Dark pixels (text) in every row band of the table's region: the table is in the image itself.
    const inked = await withPage(join(out, 'chart.png'), (page) =>
      page.$eval(
        'img',
        (img: any, height: number) => {
          const canvas = document.createElement('canvas');
          canvas.width = img.naturalWidth;
          canvas.height = img.naturalHeight;
          const ctx = canvas.getContext('2d');
          ctx.drawImage(img, 0, 0);
          const bands: boolean[] = [];
          for (let top = 0; top + 20 <= height; top += 20) {
            const pixels = ctx.getImageData(0, top, 600, 20).data;
            let dark = 0;
            for (let i = 0; i < pixels.length; i += 4) if ((pixels[i] as number) < 100) dark += 1;
            bands.push(dark > 20);
          }
          return { width: img.naturalWidth, bands };
        },
        tableHeight,
      ),
    );
    expect(inked.width).toBe(report.overview.width);
    expect(inked.bands.filter(Boolean).length).toBeGreaterThanOrEqual(result.figures.length + 2);
  });
});

describe('scalepilot backtest --out', () => {
  const CLI = new URL('../../bin/scalepilot', import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), 'scalepilot-backtest-'));
  const trace = join(dir, 'two-days.csv');
  // Two days at five-minute steps: requests per interval.
  const rows = Array.from({ length: 576 }, (_, i) => {
    const t = new Date(Date.parse('2026-03-02T00:00:00Z') + i * 300_000).toISOString();
    return `${t},${Math.round(500 + 400 * Math.sin((2 * Math.PI * i) / 288))}`;
  });
  writeFileSync(trace, `timestamp,value\n${rows.join('\n')}\n`);
  const run = promisify(execFile);

  it("writes the report and chart.png, no timelines unless asked, and ends by printing the report's path", async () => {
    const out = join(dir, 'table');
    const args = ['backtest', '--trace', trace, '--per-interval-count', '--load-unit', 'requests/min'];
    const { stdout } = await run(CLI, [...args, '--out', out]);
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toBe(`report: ${join(out, 'report.html')}`);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<title>Backtest: two-days.csv (asg)</title>');
    expect(html).toContain('load (requests/min)');
    expect(readdirSync(out).sort()).toEqual(['chart.png', 'report.html']);
  });

  it('writes each policy’s timeline compressed with --timelines', async () => {
    const out = join(dir, 'timelines');
    await run(CLI, ['backtest', '--trace', trace, '--timelines', '--out', out]);
    const csv = gunzipSync(readFileSync(join(out, 'target-tracking.csv.gz')))
      .toString()
      .split('\n');
    expect(csv[0]).toBe('minute,timestamp,load,ordered,serving,utilisation');
    expect(csv[1]).toMatch(/^0,2026-03-02T00:00:00\.000Z,/);
    expect(csv.filter(Boolean)).toHaveLength(1 + 576 * 5);
    expect(existsSync(join(out, 'target-tracking.csv'))).toBe(false);
  });

  it('keeps stdout JSON under --json: the path goes to stderr', async () => {
    const out = join(dir, 'json');
    const { stdout, stderr } = await run(CLI, ['backtest', '--trace', trace, '--json', '--out', out]);
    expect(JSON.parse(stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ policy: 'oracle' })]),
    );
    expect(stderr.trim().split('\n').at(-1)).toBe(`report: ${join(out, 'report.html')}`);
  });
});
