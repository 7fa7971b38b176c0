import { describe, expect, it } from 'vitest';
import { capacityChart, overviewChart } from '../../../shared/report/capacityChart';
import { capacitySpec } from '../../../shared/report/capacitySpec';
import { type ChartSeries, chartWindow, unitsAxisTop } from '../../../shared/report/chartWindow';
import { attribute, markItems, texts, titles } from './svgText';

// The capacity chart as Vega draws it on the server: what it says (title, axes, legend, hover titles), that
// its value axis spans its data, and that ordered and serving capacity are two different marks.
const START = Date.parse('2026-01-01T00:00:00Z');

function surgeDay(): ChartSeries {
  const load = Array.from({ length: 1440 }, (_, m) => (m >= 540 && m < 600 ? 900 : 300));
  const ordered = load.map((_, m) => (m >= 541 && m < 610 ? 10 : 4));
  const serving = load.map((_, m) => (m >= 546 && m < 610 ? 10 : 4));
  return {
    start: START,
    unitCapacity: 100,
    targetUtilisation: 0.7,
    unitName: 'instances',
    loadUnit: 'requests/min',
    load,
    ordered,
    serving,
    decisions: [
      { minute: 541, from: 4, to: 10, reason: 'ScaleOut', message: 'cpu 92% above 70%' },
      { minute: 610, from: 10, to: 4, reason: 'ScaleInRateLimited', message: 'one step of 6 at most' },
    ],
  };
}
const chartOf = (series = surgeDay(), window?: { from: number; to: number }) =>
  capacityChart({ title: 'day.csv · asg · late policy', series, ...(window ? { window } : {}) });

describe('the capacity chart', () => {
  it('says what it shows: title, time, capacity, load in its unit and utilisation, a legend', async () => {
    const chart = await chartOf();
    expect(texts(chart.svg, 'title-text')).toEqual(['day.csv · asg · late policy']);
    expect(texts(chart.svg, 'axis-title')).toEqual([
      'capacity (instances)',
      'load (requests/min)',
      'time (UTC), 1 Jan 2026 to 2 Jan 2026',
      'utilisation (%)',
    ]);
    expect(texts(chart.svg, 'legend-label')).toEqual([
      'load',
      'capacity ordered',
      'capacity serving',
      'overload (load above serving)',
      'utilisation of serving',
      'target utilisation',
      'scale-out',
      'scale-in',
      'several decisions',
    ]);
  });

  it('names each decision’s reason code and message on its mark', async () => {
    expect(titles((await chartOf()).svg)).toEqual([
      '2026-01-01 09:01 ScaleOut 4 → 10 instances: cpu 92% above 70%',
      '2026-01-01 10:10 ScaleInRateLimited 10 → 4 instances: one step of 6 at most',
    ]);
  });

  it('spans its own data on the units axis, the load’s ticks beside the capacity’s at the target', async () => {
    // The quiet morning: 300 requests/min need 300 / (100 × 0.7) = 4.3 instances; 4 serve.
    const chart = await chartOf(surgeDay(), { from: 0, to: 500 });
    const labels = texts(chart.svg, 'axis-label');
    const capacityTicks = labels.slice(0, labels.indexOf('0', 1));
    expect(capacityTicks.map(Number)).toEqual([0, 1, 2, 3, 4, 5]);
    const w = chartWindow(surgeDay(), 0, 500, 600, 100);
    expect(unitsAxisTop([w])).toBe(5); // 4.3 × 1.05, up
    // The right axis reads the same ticks as load at 70%: 1 instance = 70 requests/min.
    expect(labels).toEqual(expect.arrayContaining(['0', '70', '140', '210', '280', '350']));
  });

  it('draws ordered capacity as a dark dashed line and serving capacity as a filled area, in two colours', async () => {
    const chart = await chartOf();
    const [ordered] = markItems(chart.svg, 'ordered');
    const [serving] = markItems(chart.svg, 'serving');
    if (!ordered || !serving) throw new Error('no ordered or serving mark');
    expect(attribute(ordered, 'stroke')).toBe('#08306b');
    expect(attribute(ordered, 'stroke-dasharray')).toBe('6,3');
    expect(attribute(serving, 'fill')).toBe('#6baed6');
    expect(attribute(serving, 'stroke')).toBeUndefined();
    expect(attribute(serving, 'stroke-dasharray')).toBeUndefined();
  });

  it('draws the utilisation of what served against the target line', async () => {
    const chart = await chartOf();
    const [target] = markItems(chart.svg, 'target');
    expect(attribute(target ?? '', 'stroke')).toBe('#2ca02c');
    expect(markItems(chart.svg, 'utilisation')).toHaveLength(1);
  });

  it('adds the crosshair only to the live spec the page draws, with the readout of every series', () => {
    const input = { title: 't', series: surgeDay() };
    const w = chartWindow(input.series, 0, 1440, 600, 100);
    const layers = (spec: object) =>
      JSON.stringify(spec).match(/"name":"(readout|capacityCrosshair|utilisationCrosshair)"/g) ?? [];
    expect(layers(capacitySpec(input, w, { unitsMax: 20, utilisationMax: 240 }, false))).toEqual([]);
    expect(layers(capacitySpec(input, w, { unitsMax: 20, utilisationMax: 240 }, true))).toEqual([
      '"name":"readout"',
      '"name":"capacityCrosshair"',
      '"name":"utilisationCrosshair"',
    ]);
  });

  it('is live in the page only when given its series: its datasets emptied for the page to fill', async () => {
    expect((await chartOf()).live).toBeUndefined();
    const live = await capacityChart({ title: 't', series: surgeDay(), live: { series: 'p', group: 'run' } });
    expect(live.live).toMatchObject({ series: 'p', group: 'run', window: [0, 1440] });
    if (!live.live) throw new Error('not live');
    const data = (live.live.spec as { data: { name: string; values?: unknown[] }[] }).data;
    for (const name of ['rows', 'overload', 'marks', 'cutoff'])
      expect(data.find((d) => d.name === name)?.values).toEqual([]);
  });

  it('draws an overview strip of the load whose brush zooms its group', async () => {
    const strip = await overviewChart({ title: 'day.csv · the load', series: surgeDay(), group: 'run' });
    expect(texts(strip.svg, 'title-subtitle')[0]).toMatch(/^drag across the strip/);
    expect(strip.live).toMatchObject({ overview: 'run', window: [0, 1440] });
    expect(JSON.stringify(strip.live?.spec)).toContain('"brush_x"');
  });
});
