import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayDecisionMarks } from '../../../bin/lib/backtestOutput';
import type { ReplayedDecision } from '../../../bin/lib/replay';
import { backtestReport } from '../../../shared/report/backtestReport';
import {
  bucketMinutes,
  CAPACITY_HEIGHT,
  type CapacityChartInput,
  CHART_WIDTH,
  capacityChart,
  capacityData,
  costOverloadScatter,
  forecastChart,
  pointsAt,
  pointsFrom,
} from '../../../shared/report/charts';
import { htmlPage } from '../../../shared/report/page';
import { pngFromSvg, pngSize, stackCharts } from '../../../shared/report/render';
import { runBacktest } from '../../../shared/simulate/runBacktest';

// The chart components without a browser: what each chart says (title, axes, legend, hover titles) read
// from the SVG Vega renders, and what it draws (points, shaded spans, marks) from its data.
const START = Date.parse('2026-01-01T00:00:00Z');
const texts = (svg: string, role: string) =>
  [...svg.matchAll(new RegExp(`<g class="mark-text role-${role}[^"]*"[^>]*>(.*?)</g>`, 'g'))].flatMap((g) =>
    [...(g[1] ?? '').matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => fromXml(t[1] ?? '')),
  );
const titles = (svg: string) => [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((t) => fromXml(t[1] ?? ''));
const fromXml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** A day of load with a surge at 09:00 that capacity meets 5 minutes late. */
function surgeDay(): CapacityChartInput {
  const load = Array.from({ length: 1440 }, (_, m) => (m >= 540 && m < 600 ? 900 : 300));
  const ordered = load.map((_, m) => (m >= 541 && m < 610 ? 10 : 4));
  const serving = load.map((_, m) => (m >= 546 && m < 610 ? 10 : 4));
  return {
    title: 'day.csv · asg · late policy',
    start: START,
    unitName: 'instances',
    loadUnit: 'requests/min',
    unitCapacity: 100,
    load,
    ordered,
    serving,
  };
}

describe('the capacity chart', () => {
  it('says what it shows: title, time and both value axes with units, a legend', async () => {
    const chart = await capacityChart(surgeDay());
    expect(texts(chart.svg, 'title-text')).toEqual(['day.csv · asg · late policy']);
    expect(texts(chart.svg, 'axis-title')).toEqual([
      'time (UTC), 1 Jan 2026 to 2 Jan 2026',
      'capacity (instances)',
      'load (requests/min)',
    ]);
    expect(texts(chart.svg, 'legend-label')).toEqual([
      'load',
      'capacity ordered',
      'capacity serving',
      'overload (load above serving)',
      'scale-out',
      'scale-in',
    ]);
    expect({ width: chart.width, height: chart.height }).toEqual({
      width: CHART_WIDTH,
      height: CAPACITY_HEIGHT,
    });
  });

  it('labels time in UTC whatever the machine’s time zone: the day at midnight, hours between', async () => {
    const tz = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      const labels = texts((await capacityChart(surgeDay())).svg, 'axis-label');
      expect(labels).toContain('Thu 01 Jan');
      expect(labels).toContain('12:00');
      expect(labels.filter((l) => /^\d\d:\d\d$/.test(l)).length).toBeGreaterThan(4);
    } finally {
      process.env.TZ = tz;
    }
  });

  it('marks each decision with its reason as the mark’s hover title', async () => {
    const chart = await capacityChart(surgeDay());
    expect(titles(chart.svg)).toEqual([
      '2026-01-01 09:01 scale-out 4 → 10 instances: utilisation the minute before 225% (load 900 requests/min)',
      '2026-01-01 10:10 scale-in 10 → 4 instances: utilisation the minute before 30% (load 300 requests/min)',
    ]);
  });

  it('shows reasons given by the caller instead of reading them off the capacity', async () => {
    const chart = await capacityChart({
      ...surgeDay(),
      decisions: [{ minute: 541, from: 4, to: 10, reason: 'ScaleOut: cpu 92% above 70%' }],
    });
    expect(titles(chart.svg)).toEqual(['ScaleOut: cpu 92% above 70%']);
  });

  it('draws the forecast and the load its floors planned for, in the legend, only when given', async () => {
    const day = surgeDay();
    const value = Array.from(day.load, (v, m) => (m < 720 ? Number.NaN : v * 0.9));
    const upper = value.map((v) => v * 1.3);
    const withForecast = await capacityChart({ ...day, forecast: { value, upper } });
    expect(texts(withForecast.svg, 'legend-label')).toEqual(
      expect.arrayContaining(['forecast', 'forecast × headroom']),
    );
    const data = capacityData({ ...day, forecast: { value, upper } });
    expect(data.band.length).toBe(720);
    expect(data.band.every((b) => b.hi >= b.lo)).toBe(true);
    expect(texts((await capacityChart(day)).svg, 'legend-label')).not.toContain('forecast');
  });

  it('cuts load above the axis at the top and writes the peak there', async () => {
    const data = capacityData({ ...surgeDay(), unitsMax: 6 });
    expect(data.cutOff).toEqual([{ t: START + 540 * 60_000, label: '↑ 900 requests/min' }]);
    expect((await capacityChart({ ...surgeDay(), unitsMax: 6 })).svg).toContain('↑ 900 requests/min');
    expect(capacityData(surgeDay()).cutOff).toEqual([]);
  });

  it('shades every overload minute, and only those (the surge until capacity serves)', () => {
    const { overload } = capacityData(surgeDay());
    expect(overload).toEqual([{ t: START + 540 * 60_000, t2: START + 546 * 60_000 }]);
  });

  it('keeps the peak of a long run and the capacity at that very minute (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 30 }),
        fc.integer({ min: 1, max: 3000 }),
        (levels, repeat) => {
          // A step-held load of up to 90,000 minutes, capacity following it.
          const load = levels.flatMap((v) => Array(repeat).fill(v) as number[]);
          const ordered = load.map((v) => Math.max(1, Math.ceil(v / 70)));
          const data = capacityData({ ...surgeDay(), load, ordered, serving: ordered });
          const drawnLoad = data.lines.filter((l) => l.series === 'load');
          expect(Math.max(...drawnLoad.map((l) => l.v))).toBeCloseTo(Math.max(...load) / 100, 3);
          expect(drawnLoad.length).toBeLessThanOrEqual(Math.round(CHART_WIDTH * 1.4));
          const peak = load.indexOf(Math.max(...load));
          const top = Math.max(...drawnLoad.map((x) => x.v));
          const drawnPeak = drawnLoad.find((d) => d.v === top)?.t;
          const servingAtPeak = data.lines.find((l) => l.series === 'capacity serving' && l.t === drawnPeak);
          expect(servingAtPeak?.v).toBe(ordered[peak]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('gives each decision its own mark up to 100, then one mark per stretch of time (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), (changes) => {
        const n = 20_000;
        const every = Math.max(1, Math.floor(n / (changes + 1)));
        const ordered = Array.from({ length: n }, (_, m) =>
          Math.floor(m / every) <= changes ? 3 + (Math.floor(m / every) % 2) : 3 + (changes % 2),
        );
        let actual = 0;
        for (let m = 1; m < n; m += 1) if (ordered[m] !== ordered[m - 1]) actual += 1;
        const load = Array(n).fill(100) as number[];
        const { marks } = capacityData({ ...surgeDay(), load, ordered, serving: ordered });
        if (actual <= 100) expect(marks.length).toBe(actual);
        else {
          expect(marks.length).toBeLessThanOrEqual(100);
          expect(marks.some((m) => m.action === 'several decisions')).toBe(true);
        }
      }),
      { numRuns: 30 },
    );
  });

  it.each([
    { name: 'a day at one point a minute', minutes: 1440, points: 1540, bucket: 1 },
    { name: 'four days in 5-minute stretches', minutes: 5760, points: 1540, bucket: 5 },
    { name: 'two weeks in 15-minute stretches', minutes: 20160, points: 1540, bucket: 15 },
    { name: 'seven months in 6-hour stretches', minutes: 309_660, points: 1540, bucket: 360 },
    { name: 'decades beyond the list', minutes: 20_000_000, points: 1540, bucket: 12_988 },
  ])('stretches $name', ({ minutes, points, bucket }) => {
    expect(bucketMinutes(minutes, points)).toBe(bucket);
  });
});

describe('the forecast chart', () => {
  const hourly = (from: number, hours: number, f: (h: number) => number) =>
    Array.from({ length: hours }, (_, i) => ({ time: START + (from + i) * 3_600_000, value: f(from + i) }));
  const daily = (h: number) => 100 + 50 * Math.sin((2 * Math.PI * h) / 24);

  it('draws history, forecast and upper band with a title, axes, a legend and the forecast’s start', async () => {
    const chart = await forecastChart({
      title: 'nyc_taxi.csv · asg · forecast (seasonal)',
      valueLabel: 'load (passengers/min)',
      history: hourly(0, 72, daily),
      forecast: hourly(72, 48, daily),
      upper: hourly(72, 48, (h) => daily(h) * 1.2),
      upperLabel: 'upper quantile (p90)',
    });
    expect(texts(chart.svg, 'title-text')).toEqual(['nyc_taxi.csv · asg · forecast (seasonal)']);
    expect(texts(chart.svg, 'axis-title')).toEqual([
      'time (UTC), 1 Jan 2026 to 5 Jan 2026',
      'load (passengers/min)',
    ]);
    expect(texts(chart.svg, 'legend-label')).toEqual(['history', 'forecast', 'upper quantile (p90)']);
    expect(chart.svg).toContain('forecast made');
  });

  it('takes a history and a forecast as the forecaster gives them, gaps left out', async () => {
    const times = Array.from({ length: 72 }, (_, h) => START + h * 3_600_000);
    const values = times.map((_, h) => (h === 30 ? Number.NaN : daily(h)));
    const point = Array.from({ length: 48 }, (_, i) => daily(72 + i));
    const forecastStart = START + 72 * 3_600_000;
    expect(pointsFrom(forecastStart, 60, point)[1]).toEqual({
      time: forecastStart + 3_600_000,
      value: point[1],
    });
    const chart = await forecastChart({
      title: 'with a gap',
      valueLabel: 'load',
      history: pointsAt(times, values),
      forecast: pointsFrom(forecastStart, 60, point),
      upper: pointsFrom(
        forecastStart,
        60,
        point.map((v) => v * 1.2),
      ),
    });
    expect(chart.svg).not.toContain('NaN');
    expect(texts(chart.svg, 'legend-label')).toEqual(['history', 'forecast', 'forecast upper band']);
  });

  it('adds what really happened when it is known', async () => {
    const chart = await forecastChart({
      title: 't',
      valueLabel: 'v',
      history: hourly(0, 48, daily),
      forecast: hourly(48, 24, daily),
      upper: hourly(48, 24, daily),
      actual: hourly(48, 24, (h) => daily(h) + 5),
    });
    expect(texts(chart.svg, 'legend-label')).toContain('actual (after the forecast was made)');
  });
});

describe('the scatter, the page and the PNG', () => {
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

  it('writes a page that loads nothing from anywhere', async () => {
    const html = htmlPage('A <report>', [{ heading: 'h', charts: [await capacityChart(surgeDay())] }]);
    expect(html).toContain('<title>A &lt;report&gt;</title>');
    expect(html).not.toMatch(/\b(src|href)\s*=|@import|url\((?!#)|https?:\/\/(?!www\.w3\.org\/)/);
  });

  it('gives each chart of a page its own clip-path ids (the load is cut at the top of its own chart)', async () => {
    const one = await capacityChart(surgeDay());
    const two = await capacityChart(surgeDay());
    const ids = (svg: string) => [...svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids(one.svg).length).toBeGreaterThan(0);
    expect(ids(one.svg).filter((id) => ids(two.svg).includes(id))).toEqual([]);
    for (const ref of one.svg.matchAll(/url\(#([^)]+)\)/g)) expect(ids(one.svg)).toContain(ref[1]);
  });

  it('draws a PNG of the stacked charts at their pixel size, and twice that at scale 2', async () => {
    const one = await capacityChart(surgeDay());
    const stacked = stackCharts([one, one, one]);
    expect(pngSize(pngFromSvg(stacked))).toEqual({ width: CHART_WIDTH, height: 3 * CAPACITY_HEIGHT });
    expect(pngSize(pngFromSvg(one, 2))).toEqual({ width: 2 * CHART_WIDTH, height: 2 * CAPACITY_HEIGHT });
  });

  it('refuses bytes that are not a PNG', () => {
    expect(() => pngSize(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toThrow(
      'not a PNG',
    );
  });
});

describe('the backtest report', () => {
  const load = Array.from({ length: 2 * 1440 }, (_, m) => 60 + 40 * Math.sin((2 * Math.PI * m) / 1440));
  const series = { start: START, load, stepMinutes: 1 };

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
      ...result.timelines.map((t) => `sine.csv · rds-replicas · ${t.policy}`),
    ]);
    expect(report.html).toContain('capacity (read replicas)');
    expect(report.html).toContain('load (trace value)');
    expect(report.overview.height).toBe(result.timelines.length * CAPACITY_HEIGHT);
  });

  it('marks the emulator’s run with the reasons the functions gave (npm start)', async () => {
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
    const marks = replayDecisionMarks(
      [decision(30, 4, 6), decision(31, 6, 6), decision(32, 6, 8, false)],
      'api',
      START,
    );
    expect(marks).toEqual([
      {
        minute: 30,
        from: 4,
        to: 6,
        reason: '2026-01-01 00:30 4 → 6: ScaleOut. cpu 91% above 70%: 4 → 6 (via alarm api-cpu-out)',
      },
    ]);
    const ordered = load.map((_, m) => (m >= 30 ? 6 : 4));
    const live = {
      policy: 'scalepilot-emulator',
      ordered: Int32Array.from(ordered),
      serving: Int32Array.from(ordered),
      utilisation: Float64Array.from(load, (v, m) => v / ((ordered[m] as number) * 10)),
    };
    const result = runBacktest(series, 'asg');
    const report = await backtestReport({ ...result, timelines: [...result.timelines, live] }, series, {
      trace: 'sine.csv',
      kind: 'asg',
      decisions: { 'scalepilot-emulator': marks },
    });
    expect(report.html).toContain(
      '<title>2026-01-01 00:30 4 → 6: ScaleOut. cpu 91% above 70%: 4 → 6 (via alarm api-cpu-out)</title>',
    );
  });
});
