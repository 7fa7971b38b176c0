import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withPage } from '../../bin/lib/chromium';
import { reportHtml } from '../../shared/simulate/reportHtml';
import { runBacktest } from '../../shared/simulate/runBacktest';

// The backtest report in Debian's headless Chromium, driven by playwright-core; the screenshot is kept
// in tests/artifacts/ for a person to look at.
describe('the backtest report in a browser', () => {
  it('draws a line per policy and the load, and zooms to a day', async () => {
    const load = Array.from(
      { length: 4 * 1440 },
      (_, m) => 60 + 40 * Math.sin((2 * Math.PI * m) / 1440) + (m % 37),
    );
    const series = { start: Date.parse('2026-01-01T00:00:00Z'), load, stepMinutes: 1 };
    const dir = mkdtempSync(join(tmpdir(), 'scalepilot-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, reportHtml(runBacktest(series, 'asg'), series, 'four synthetic days'));
    const artifacts = new URL('../artifacts/', import.meta.url).pathname;
    mkdirSync(artifacts, { recursive: true });
    const drawn = await withPage(file, async (page) => {
      const lines = await page.$$eval('#chart polyline', (nodes) =>
        nodes.map((n) => {
          const box = (n as unknown as { getBBox(): { width: number; height: number } }).getBBox();
          return { series: n.getAttribute('data-series'), width: box.width, height: box.height };
        }),
      );
      await page.screenshot({ path: join(artifacts, 'backtest-report.png'), fullPage: true });
      await page.click('#day');
      const viewBox = await page.getAttribute('#chart', 'viewBox');
      return { lines, viewBox };
    });
    expect(drawn.lines.map((l) => l.series)).toEqual([
      'load',
      'oracle',
      'static-peak',
      'step-seed',
      'target-tracking',
      'hpa',
      'scalepilot',
    ]);
    for (const line of drawn.lines) expect(line.width, line.series ?? '').toBeGreaterThan(1000);
    expect(drawn.lines.find((l) => l.series === 'load')?.height).toBeGreaterThan(50);
    const width = Number(drawn.viewBox?.split(' ')[2]);
    expect(width).toBeGreaterThan(250); // a day of four: a quarter of the 1200-unit chart
    expect(width).toBeLessThan(350);
  });
});
