#!/usr/bin/env node
// A second, independent backtest engine: docs/backtest.md's grid, scenario, five baselines and figures,
// written from that page alone in plain JavaScript (no project code, no dependencies). Two uses: the speed
// yardstick of `npm run bench:speed` (the project's engine with every policy must not take longer than this
// one with its five baselines), and a correctness check (tests/unit/simulate/referenceEngine.test.ts: both
// engines must print the same figures).
//
//   node bench/referenceEngine.mjs --trace FILE [--per-interval-count] [--kind asg|rds-replicas|cache-shards]
//
// Prints the figures as JSON, one object per baseline, like `scalepilot backtest --json`.
import { readFileSync } from 'node:fs';

const KINDS = {
  asg: { delay: 5, min: 2, max: 20, units: 10 },
  'rds-replicas': { delay: 15, min: 1, max: 6, units: 3 },
  'cache-shards': { delay: 10, min: 3, max: 15, units: 6 },
};
const T = 0.7;

function parseArgs(argv) {
  const args = { perIntervalCount: false, kind: 'asg' };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--trace') args.trace = argv[++i];
    else if (argv[i] === '--kind') args.kind = argv[++i];
    else if (argv[i] === '--per-interval-count') args.perIntervalCount = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!args.trace) throw new Error('give --trace FILE');
  if (!KINDS[args.kind]) throw new Error(`unknown kind ${args.kind}`);
  return args;
}

// Rule 1: minute m holds the last row at or before t0 + m; the last row lasts one nominal step (the median
// interval); counts are divided by that step.
function minuteLoad(text, perIntervalCount) {
  const rows = [];
  for (const line of text.split('\n')) {
    const [ts, value] = line.trim().split(',');
    if (!ts || ts === 'timestamp') continue;
    rows.push({ time: Date.parse(ts), value: Number(value) });
  }
  const gaps = [];
  for (let i = 1; i < rows.length; i += 1) gaps.push(rows[i].time - rows[i - 1].time);
  gaps.sort((a, b) => a - b);
  const mid = Math.floor(gaps.length / 2);
  const step = gaps.length === 0 ? 60000 : gaps.length % 2 ? gaps[mid] : (gaps[mid - 1] + gaps[mid]) / 2;
  const first = rows[0].time;
  const minutes = Math.floor((rows[rows.length - 1].time + step - first) / 60000);
  const load = [];
  let r = 0;
  for (let m = 0; m < minutes; m += 1) {
    while (r + 1 < rows.length && rows[r + 1].time <= first + m * 60000) r += 1;
    load.push(perIntervalCount ? rows[r].value / (step / 60000) : rows[r].value);
  }
  return load;
}

// Rule 2: linear interpolation between closest ranks.
function p99(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * 0.99;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

// Rule 3.
const ceil = (x) => Math.ceil(x - 1e-9);

function run(name, load, k, u) {
  const n = load.length;
  const clamp = (x) => Math.min(k.max, Math.max(k.min, x));
  const need = (l) => ceil(l / (u * T));
  const ordered = new Array(n);
  const serving = new Array(n);
  const util = new Array(n);
  let peak = 0;
  for (const l of load) peak = Math.max(peak, l);
  const start = name === 'static-peak' ? clamp(need(peak)) : clamp(need(load[0]));
  const delay = name === 'oracle' ? 0 : k.delay;
  // Policy state.
  let lastOut = -Infinity;
  let lastIn = -Infinity;
  const recommendations = [];
  for (let m = 0; m < n; m += 1) {
    if (m === 0) ordered[0] = start;
    else {
      const current = ordered[m - 1];
      let want = current;
      if (name === 'oracle') want = need(load[m]);
      else if (name === 'static-peak') want = start;
      else if (name === 'step-seed') {
        // Rule 8.
        const x = util[m - 1];
        if (x > 0.7 && (m - lastOut) * 60 >= 300) {
          want = clamp(current + 2);
          if (want !== current) lastOut = m;
        } else if (x < 0.3 && (m - lastIn) * 60 >= 600) {
          want = clamp(current - 1);
          if (want !== current) lastIn = m;
        }
      } else if (name === 'target-tracking') {
        let high = m >= 3;
        for (let j = m - 3; high && j < m; j += 1) high = util[j] > T;
        let low = m >= 15 && m - 15 >= lastIn;
        for (let j = m - 15; low && j < m; j += 1) low = util[j] < 0.9 * T;
        if (high) want = Math.max(current, need(load[m - 1]));
        else if (low) {
          const next = clamp(Math.max(current - Math.max(1, Math.floor(0.1 * current)), need(load[m - 1])));
          if (next < current) {
            want = next;
            lastIn = m;
          }
        }
      } else if (name === 'hpa') {
        // Rules 7 and 9.
        const ratio = load[m - 1] / (current * u * T);
        const rec = Math.abs(ratio - 1) <= 0.1 ? current : need(load[m - 1]);
        recommendations[m] = rec;
        if (rec > current) {
          let limit = current;
          for (let i = 0; i < 4; i += 1) limit = Math.max(2 * limit, limit + 4);
          want = Math.min(rec, limit);
        } else {
          let highest = rec;
          for (let j = Math.max(1, m - 4); j <= m; j += 1) highest = Math.max(highest, recommendations[j]);
          want = Math.min(current, highest);
        }
      }
      ordered[m] = clamp(want); // rule 11
    }
    // Rule 5: the least ordered over the delay window, before minute 0 the start.
    let s = ordered[m];
    for (let j = m - delay; j < m; j += 1) s = Math.min(s, j < 0 ? start : ordered[j]);
    serving[m] = s;
    util[m] = load[m] / (s * u);
  }
  return { ordered, serving, util };
}

function figures(name, load, t, u, oracleCost) {
  let orderedSum = 0;
  let overload = 0;
  let slo = 0;
  let unserved = 0;
  let total = 0;
  let actions = 0;
  let flaps = 0;
  let last;
  for (let m = 0; m < load.length; m += 1) {
    orderedSum += t.ordered[m];
    if (t.util[m] > 1) overload += 1;
    if (t.util[m] > 0.85) slo += 1;
    total += load[m];
    unserved += Math.max(0, load[m] - t.serving[m] * u);
    if (m > 0 && t.ordered[m] !== t.ordered[m - 1]) {
      actions += 1;
      const direction = Math.sign(t.ordered[m] - t.ordered[m - 1]);
      if (last && last.direction !== direction && m - last.m <= 15) flaps += 1; // rule 10
      last = { m, direction };
    }
  }
  const cost = orderedSum / 60;
  return {
    policy: name,
    cost,
    costRatio: oracleCost === undefined ? 1 : cost / oracleCost,
    overloadMinutes: overload,
    unserved,
    unservedPercent: total > 0 ? (100 * unserved) / total : 0,
    sloRiskMinutes: slo,
    actions,
    flaps,
  };
}

const args = parseArgs(process.argv.slice(2));
const load = minuteLoad(readFileSync(args.trace, 'utf8'), args.perIntervalCount);
const kind = KINDS[args.kind];
const u = p99(load) / (kind.units * T);
const rows = [];
for (const name of ['oracle', 'static-peak', 'step-seed', 'target-tracking', 'hpa'])
  rows.push(figures(name, load, run(name, load, kind, u), u, rows[0]?.cost));
console.log(JSON.stringify(rows, null, 2));
