import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayDecisionMarks } from '../../../bin/lib/backtestOutput';
import type { ReplayedDecision } from '../../../bin/lib/replay';
import { backtestReport } from '../../../shared/report/backtestReport';
import { capacityChart } from '../../../shared/report/capacityChart';
import { CHART_WIDTH, costOverloadScatter } from '../../../shared/report/charts';
import { htmlPage, toRuns } from '../../../shared/report/page';
import { pngFromSvg, pngSize, stackCharts } from '../../../shared/report/render';
import { tableChart } from '../../../shared/report/tableChart';
import { PERFECT_FORESIGHT, timelineDecisions } from '../../../shared/report/timelineDecisions';
import type { Timeline } from '../../../shared/simulate/engine';
import { runBacktest } from '../../../shared/simulate/runBacktest';
import { fromXml, texts, titles } from './svgText';

// The backtest report as a whole: the comparison, a chart per policy whose every decision names its reason,
// the PNG that can go in a ticket on its own (figures table, whole run, peak day), and the page's data.
const START = Date.parse('2026-01-01T00:00:00Z');
const sine = (days: number) =>
  Array.from({ length: days * 1440 }, (_, m) => 60 + 40 * Math.sin((2 * Math.PI * m) / 1440));

describe('the backtest report', () => {
  const series = { start: START, load: sine(2), stepMinutes: 1 };

  it('compares the policies with ratios to target tracking and to the oracle, one chart each', async () => {
    const result = runBacktest(series, 'rds-replicas');
    const report = await backtestReport(result, series, { trace: 'sine.csv', kind: 'rds-replicas' });
    const headers = [...report.html.matchAll(/<th>([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(headers).toEqual([
      'policy',
      'cost (read replica-hours)',
      'cost ÷ oracle',
      'cost ÷ target tracking',
      'overload min',
      'overload ÷ target tracking',
      'unserved %',
      'SLO-risk min',
      'actions',
      'flaps',
    ]);
    const figures = [...report.html.matchAll(/<figure class="chart" data-title="([^"]*)"/g)].map((m) => m[1]);
    expect(figures).toEqual([
      'sine.csv · rds-replicas · cost against overload, every policy',
      'sine.csv · the load over the whole run',
      ...result.timelines.map((t) => `sine.csv · rds-replicas · ${t.policy}`),
    ]);
    expect(report.html).toContain('capacity (read replicas)');
    // No --load-unit: the load is "as recorded", never "trace value".
    expect(report.html).toContain('load (as recorded)');
    expect(report.html).not.toContain('trace value');
  });

  it('names a reason code on every decision mark; the oracle’s as perfect foresight', async () => {
    const result = runBacktest(series, 'asg');
    const report = await backtestReport(result, series, {
      trace: 'sine.csv',
      kind: 'asg',
      loadUnit: 'requests/min',
    });
    const marks = titles(report.html).filter((t) => / → \d+ instances:|decisions /.test(t));
    expect(marks.length).toBeGreaterThan(20);
    for (const mark of marks)
      expect(mark).toMatch(
        /^(\d{4}-\d\d-\d\d \d\d:\d\d [A-Z][A-Za-z]+ |\d+ decisions .*: (\w+ ×\d+)(, \w+ ×\d+)*\. First: )/,
      );
    expect(marks.some((m) => m.includes('PerfectForesight') && m.includes('perfect foresight'))).toBe(true);
  });

  it('puts in its PNG the figures table, then every policy over the whole run and over the peak day', async () => {
    const long = { start: START, load: sine(4), stepMinutes: 1 };
    const result = runBacktest(long, 'asg');
    const report = await backtestReport(result, long, {
      trace: 'sine.csv',
      kind: 'asg',
      loadUnit: 'requests/min',
    });
    const svg = report.overview.svg;
    const table = /<svg [^>]*class="table-chart"[^>]*>(.*?)<\/svg>/.exec(svg)?.[1] ?? '';
    const tableText = [...table.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => fromXml(m[1] ?? ''));
    expect(tableText[0]).toBe('Backtest: sine.csv (asg)');
    expect(tableText).toEqual(expect.arrayContaining(['policy', 'overload', 'min', 'flaps']));
    for (const f of result.figures) {
      expect(tableText).toContain(f.policy);
      expect(tableText).toContain(String(Number(f.cost.toFixed(1))));
    }
    const chartTitles = texts(svg, 'title-text');
    expect(chartTitles).toEqual([
      ...result.timelines.map((t) => `sine.csv · asg · ${t.policy}`),
      ...result.timelines.map((t) => `sine.csv · asg · ${t.policy} · the 24 hours around the peak`),
    ]);
    expect(pngSize(pngFromSvg(report.overview))).toEqual({
      width: report.overview.width,
      height: report.overview.height,
    });
  });

  it('carries every policy’s run for the live charts, as runs the page expands again (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(Number.NaN)), { maxLength: 60 }),
        (values) => {
          const runs = toRuns(values);
          const back: number[] = [];
          for (let i = 0; i < runs.length; i += 2)
            for (let k = 0; k < (runs[i + 1] as number); k += 1)
              back.push((runs[i] as number | null) ?? Number.NaN);
          expect(back).toEqual(values);
          for (let i = 2; i < runs.length; i += 2) expect(Object.is(runs[i], runs[i - 2])).toBe(false);
        },
      ),
      { numRuns: 100, seed: 25 },
    );
  });
});

describe('the decisions a chart marks', () => {
  const load = [100, 100, 300, 300, 100];
  const timeline = (policy: string, ordered: number[], decisions?: Timeline['decisions']): Timeline => ({
    policy,
    ordered: Int32Array.from(ordered),
    serving: Int32Array.from(ordered),
    utilisation: new Float64Array(ordered.length),
    ...(decisions ? { decisions } : {}),
  });
  const scenario = { unitCapacity: 50, targetUtilisation: 0.7 };

  it.each([
    {
      name: 'the oracle: perfect foresight, not a reaction',
      t: timeline('oracle', [3, 3, 9, 9, 3]),
      want: [
        { minute: 2, from: 3, to: 9, reason: PERFECT_FORESIGHT },
        { minute: 4, from: 9, to: 3, reason: PERFECT_FORESIGHT },
      ],
    },
    {
      name: 'a baseline without reasons: read off its capacity',
      t: timeline('target-tracking', [3, 3, 3, 9, 3]),
      want: [
        { minute: 3, from: 3, to: 9, reason: 'ScaleOut' },
        { minute: 4, from: 9, to: 3, reason: 'ScaleIn' },
      ],
    },
    {
      name: 'a policy that explains itself: its own reasons',
      t: timeline(
        'scalepilot',
        [3, 3, 3, 9, 9],
        [{ minute: 3, from: 3, to: 9, reason: 'PredictiveFloor', message: 'floor 9' }],
      ),
      want: [{ minute: 3, from: 3, to: 9, reason: 'PredictiveFloor', message: 'floor 9' }],
    },
  ])('$name', ({ t, want }) => {
    const marks = timelineDecisions(t, load, scenario, 'requests/min');
    expect(marks).toEqual(want.map((w) => expect.objectContaining(w)));
  });

  it('says what the oracle is, and what a baseline had seen', () => {
    const [oracle] = timelineDecisions(timeline('oracle', [3, 3, 9, 9, 3]), load, scenario, 'requests/min');
    expect(oracle?.message).toMatch(/^perfect foresight: knows this minute's load \(300 requests\/min\)/);
    const [hpa] = timelineDecisions(timeline('hpa', [3, 3, 3, 9, 3]), load, scenario, 'requests/min');
    expect(hpa?.message).toBe(
      'read off its capacity: utilisation 200% the minute before, against 70% (load 300 requests/min)',
    );
  });

  it('marks the emulator’s run with the reasons the functions gave (npm start)', () => {
    const decision = (
      minute: number,
      current: number,
      desired: number,
      applied = true,
    ): ReplayedDecision => ({
      minute,
      functionName: 'scale-asg',
      trigger: 'alarm',
      alarmName: 'api-cpu-out',
      evaluation: {
        applied,
        dryRun: false,
        decision: {
          target: 'api',
          kind: 'asg',
          current,
          desired,
          recommendation: desired,
          direction: desired > current ? 'out' : desired < current ? 'in' : 'none',
          reason: desired === current ? 'WithinTolerance' : 'ScaleOut',
          message: `cpu 91% above 70%: ${current} → ${desired}`,
          metrics: { cpu: 91 },
        },
      } as ReplayedDecision['evaluation'],
    });
    const recorded = replayDecisionMarks(
      [decision(30, 4, 6), decision(31, 6, 6), decision(32, 6, 8, false)],
      'api',
    );
    expect(recorded).toEqual([
      {
        minute: 30,
        from: 4,
        to: 6,
        reason: 'ScaleOut',
        message: 'cpu 91% above 70%: 4 → 6 (via alarm api-cpu-out)',
      },
    ]);
    // Given, they win over what the timeline says.
    expect(
      timelineDecisions(timeline('scalepilot-emulator', [4, 6]), [1, 1], scenario, 'u', recorded),
    ).toEqual(recorded);
  });
});

describe('the scatter, the table, the page and the PNG', () => {
  it('plots each policy with its figures on hover', async () => {
    const chart = await costOverloadScatter('t · asg · cost against overload', [
      { name: 'oracle', cost: 100, overloadMinutes: 0, detail: '1.000× the oracle.' },
      { name: 'hpa', cost: 90, overloadMinutes: 40, detail: '0.900× the oracle.' },
    ]);
    expect(texts(chart.svg, 'axis-title')).toEqual(['cost (unit-hours)', 'overload (minutes)']);
    expect(texts(chart.svg, 'legend-label')).toEqual(['oracle', 'hpa']);
    expect(titles(chart.svg)).toEqual([
      'oracle: cost 100 unit-hours, 0 overload minutes. 1.000× the oracle.',
      'hpa: cost 90.0 unit-hours, 40 overload minutes. 0.900× the oracle.',
    ]);
  });

  it('draws a table for the PNG: headers split when wide, numbers right-aligned, a swatch per row', () => {
    const chart = tableChart({
      title: 'Backtest',
      headers: ['policy', 'overload ÷ target tracking'],
      rows: [
        ['oracle', '0.000'],
        ['hpa', '0.750'],
      ],
      swatches: ['#2ca02c', '#8c564b'],
      width: CHART_WIDTH,
    });
    expect([...chart.svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => fromXml(m[1] ?? ''))).toEqual([
      'Backtest',
      'policy',
      'overload ÷',
      'target tracking',
      'oracle',
      '0.000',
      'hpa',
      '0.750',
    ]);
    expect(chart.svg).toMatch(/text-anchor="end"[^>]*>0\.750</);
    expect(chart.svg).toContain('fill="#8c564b"');
    expect(chart.width).toBe(CHART_WIDTH);
  });

  it('writes a page that loads nothing from anywhere', async () => {
    const series = { start: START, load: sine(1), stepMinutes: 1 };
    const result = runBacktest(series, 'asg');
    const { html } = await backtestReport(result, series, { trace: 'A <report>.csv', kind: 'asg' });
    expect(html).toContain('<title>Backtest: A &lt;report&gt;.csv (asg)</title>');
    // The inline Vega runtime names URLs in its strings; what loads them (src, href, @import, url()) is absent.
    const withoutScripts = html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, '');
    expect(withoutScripts).not.toMatch(/\b(src|href)\s*=|@import|url\((?!#)|https?:\/\/(?!www\.w3\.org\/)/);
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  it('gives each chart of a page its own clip-path ids', async () => {
    const series = {
      start: START,
      unitCapacity: 10,
      targetUtilisation: 0.7,
      unitName: 'instances',
      loadUnit: 'requests/min',
      load: sine(1),
      ordered: Array(1440).fill(8),
      serving: Array(1440).fill(8),
      decisions: [],
    };
    const one = await capacityChart({ title: 'one', series });
    const two = await capacityChart({ title: 'two', series });
    const ids = (svg: string) => [...svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids(one.svg).length).toBeGreaterThan(0);
    expect(ids(one.svg).filter((id) => ids(two.svg).includes(id))).toEqual([]);
    for (const ref of one.svg.matchAll(/url\(#([^)]+)\)/g)) expect(ids(one.svg)).toContain(ref[1]);
    const page = htmlPage('p', [{ charts: [one, two] }]);
    expect(page).not.toContain('report-data'); // not live: no data, no runtime
  });

  it('draws a PNG of stacked charts at their pixel size, and twice that at scale 2', () => {
    const one = tableChart({ title: 't', headers: ['a'], rows: [['b']], width: 300 });
    const stacked = stackCharts([one, one, one]);
    expect(pngSize(pngFromSvg(stacked))).toEqual({ width: 300, height: 3 * one.height });
    expect(pngSize(pngFromSvg(one, 2))).toEqual({ width: 600, height: 2 * one.height });
  });

  it('refuses bytes that are not a PNG', () => {
    expect(() => pngSize(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toThrow(
      'not a PNG',
    );
  });
});
