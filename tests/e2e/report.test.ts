import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../bin/lib/backtestOutput';
import { withPage } from '../../bin/lib/chromium';
import { CAPACITY_HEIGHT, CHART_WIDTH } from '../../shared/report/charts';
import { pngSize } from '../../shared/report/render';
import { type BacktestResult, runBacktest } from '../../shared/simulate/runBacktest';

// The backtest report as `scalepilot backtest --out` writes it, opened in Debian's headless Chromium
// (playwright-core, started and stopped here) as a reader would: offline, every chart with its title, axes
// and legend, the reason of a decision on hover. Screenshots go to tests/artifacts/ for a person to look at.
const artifacts = new URL('../artifacts/', import.meta.url).pathname;
// Four days of a daily cycle with a sudden surge on day 2: overload for the reactive policies, a peak
// day to zoom on, and scaling decisions both ways.
const load = Array.from(
  { length: 4 * 1440 },
  (_, m) => 60 + 40 * Math.sin((2 * Math.PI * m) / 1440) + (m % 37) + (m >= 2000 && m < 2090 ? 110 : 0),
);
const series = { start: Date.parse('2026-01-01T00:00:00Z'), load, stepMinutes: 1 };

interface Seen {
  requests: string[];
  errors: string[];
  charts: {
    title: string;
    axisTitles: string[];
    axisLabels: string[];
    legend: string[];
    visible: boolean;
  }[];
  tooltip: { before: boolean; after: boolean; text: string };
}

describe('the backtest report in a browser', () => {
  let result: BacktestResult;
  let out: string;
  let seen: Seen;

  beforeAll(async () => {
    result = runBacktest(series, 'asg');
    out = mkdtempSync(join(tmpdir(), 'scalepilot-report-'));
    const file = await writeReport(out, result, series, {
      trace: 'synthetic.csv',
      kind: 'asg',
      loadUnit: 'requests/min',
    });
    mkdirSync(artifacts, { recursive: true });
    const requests: string[] = [];
    const errors: string[] = [];
    seen = await withPage(
      file,
      async (page) => {
        await page.screenshot({ path: join(artifacts, 'backtest-report.png'), fullPage: true });
        const charts = await page.$$eval('figure.chart', (figures) =>
          figures.map((f) => {
            const texts = (selector: string) =>
              [...f.querySelectorAll(`${selector} text`)]
                .filter((t) => {
                  const box = (t as any).getBoundingClientRect();
                  return box.width > 0 && box.height > 0 && (t.textContent ?? '').trim() !== '';
                })
                .map((t) => t.textContent ?? '');
            const box = f.getBoundingClientRect();
            return {
              title: texts('.role-title-text').join(' '),
              axisTitles: texts('.role-axis-title'),
              axisLabels: texts('.role-axis-label'),
              legend: texts('.role-legend-label'),
              visible: box.width > 500 && box.height > 200,
            };
          }),
        );
        // The peak day's target-tracking chart: its first decision mark.
        const chart = page.locator('figure.chart[data-title*="target-tracking · the 24 hours"]');
        const mark = chart.locator('.hover').first();
        const tip = page.locator('#tooltip');
        const before = await tip.isVisible();
        await mark.scrollIntoViewIfNeeded();
        await mark.hover({ force: true });
        const after = await tip.isVisible();
        const text = (await tip.textContent()) ?? '';
        await chart.screenshot({ path: join(artifacts, 'backtest-report-hover.png') });
        return { requests, errors, charts, tooltip: { before, after, text } };
      },
      async (page) => {
        page.on('request', (r) => requests.push(r.url()));
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        page.on('pageerror', (e) => errors.push(e.message));
        // Anything but the file itself is refused, so a fetch would also fail loudly.
        await page.route(/^(?!file:)/, (route) => route.abort());
      },
    );
  });

  it('loads with no console errors and no network request but the file itself', () => {
    expect(seen.errors).toEqual([]);
    expect(seen.requests).toEqual([pathToFileURL(join(out, 'report.html')).href]);
  });

  it('has the scatter, then a chart per policy over the run and per policy over the peak day', () => {
    const policies = result.timelines.map((t) => t.policy);
    expect(seen.charts.map((c) => c.title)).toEqual([
      expect.stringContaining('synthetic.csv · asg · cost against overload'),
      ...policies.map((p) => expect.stringContaining(`synthetic.csv · asg · ${p}`)),
      ...policies.map((p) =>
        expect.stringContaining(`synthetic.csv · asg · ${p} · the 24 hours around the peak`),
      ),
    ]);
  });

  it('gives every chart a visible title, axis titles with units, axis labels and a legend', () => {
    for (const chart of seen.charts) {
      expect(chart.visible, chart.title).toBe(true);
      expect(chart.title, chart.title).not.toBe('');
      expect(chart.axisLabels.length, chart.title).toBeGreaterThan(5);
      expect(chart.legend.length, chart.title).toBeGreaterThan(0);
    }
    const [scatter, ...capacity] = seen.charts;
    expect(scatter?.axisTitles).toEqual(['cost (instance-hours)', 'overload (minutes)']);
    expect(scatter?.legend).toEqual(result.timelines.map((t) => t.policy));
    for (const chart of capacity) {
      expect(chart.axisTitles, chart.title).toEqual([
        expect.stringMatching(/^time \(UTC\), \d+ \w{3} 2026 to \d+ \w{3} 2026$/),
        'capacity (instances)',
        'load (requests/min)',
      ]);
      expect(chart.legend, chart.title).toEqual(
        expect.arrayContaining(['load', 'capacity ordered', 'capacity serving']),
      );
      // The time axis names days at midnight and hours otherwise, in UTC.
      expect(chart.axisLabels.filter((l) => /^\d\d:\d\d$|^\w{3} \d\d \w{3}$/.test(l)).length).toBeGreaterThan(
        3,
      );
    }
    // The surge overloads target tracking: shaded and in its legend; static-peak never is.
    const legendOf = (policy: string) => capacity.find((c) => c.title.includes(`· ${policy}`))?.legend;
    expect(legendOf('target-tracking')).toContain('overload (load above serving)');
    expect(legendOf('static-peak')).not.toContain('overload (load above serving)');
    // Each decision of the peak day has its mark; over four days, nearby ones share one.
    const peakDay = capacity.find((c) => c.title.includes('target-tracking · the 24 hours'))?.legend;
    expect(peakDay).toEqual(expect.arrayContaining(['scale-out', 'scale-in']));
    expect(legendOf('target-tracking')).toContain('several decisions');
  });

  it('shows the reason of a decision when its mark is hovered', () => {
    expect(seen.tooltip.before).toBe(false);
    expect(seen.tooltip.after).toBe(true);
    expect(seen.tooltip.text).toMatch(
      /^2026-01-0\d \d\d:\d\d scale-(out|in) \d+ → \d+ instances: utilisation the minute before \d+% \(load [\d.]+ requests\/min\)$/,
    );
  });

  it('writes chart.png that decodes, at the size of the per-policy charts stacked', async () => {
    const png = readFileSync(join(out, 'chart.png'));
    const expected = { width: CHART_WIDTH, height: result.timelines.length * CAPACITY_HEIGHT };
    expect(pngSize(png)).toEqual(expected);
    // Decoded by a real PNG decoder (the browser's), not only its header read.
    const decoded = await withPage(join(out, 'chart.png'), (page) =>
      page.$eval('img', (img) => ({
        width: (img as any).naturalWidth,
        height: (img as any).naturalHeight,
        complete: (img as any).complete,
      })),
    );
    expect(decoded).toEqual({ ...expected, complete: true });
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

  it("writes the report and chart.png and ends by printing the report's path", async () => {
    const out = join(dir, 'table');
    const args = ['backtest', '--trace', trace, '--per-interval-count', '--load-unit', 'requests/min'];
    const { stdout } = await run(CLI, [...args, '--out', out]);
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toBe(`report: ${join(out, 'report.html')}`);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<title>Backtest: two-days.csv (asg)</title>');
    expect(html).toContain('load (requests/min)');
    expect(existsSync(join(out, 'chart.png'))).toBe(true);
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
