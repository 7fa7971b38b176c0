// `npm run bench:speed`: how fast the backtest is, written to bench/speed-results.md.
//
// 1. The reference engine (bench/referenceEngine.mjs: backtest.md's five baselines in one plain file) and this
//    engine print the same five baselines' figures on the taxi trace (checked first; a speed figure of a wrong
//    engine means nothing).
// 2. Pair by pair, as whole processes: `scalepilot backtest --json` with every policy (the five baselines and
//    both Scalepilot rows) against the reference engine with its five, on the 215-day taxi trace, alternating
//    A B A B so both see the same machine; CPU time (user + system, from the kernel's accounting of each finished
//    child) and wall time per run, and the ratio A / B of each pair. The goal: a median ratio of at most 1.
// 3. Engine time, each series in a fresh process (as an operator's backtest starts: compilation included, with the
//    V8 compiler settings of `scalepilot backtest`): every policy on the taxi trace and on a year (the taxi trace
//    tiled), with the predict function's hourly runs (forecast, trust, headroom) made, and again with them already
//    made (runs are kept per trace): the engine alone. The goal: a year of every policy in under 2 s.
// 4. The decision memo checked on the whole taxi trace, and how many calls of decideCapacity it spared.
//
// Options: --pairs N (default 5), --trace FILE (default ../shared/traces/nyc_taxi.csv, a count per interval).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BACKTEST_V8_FLAGS } from '../bin/build.mjs';
import { scalepilot } from '../shared/simulate/baselines';
import { simulate } from '../shared/simulate/engine';
import { benchFloorSettings } from '../shared/simulate/predictive';
import { backtestScenario, runBacktest } from '../shared/simulate/runBacktest';
import { scalepilotTarget } from '../shared/simulate/scalepilotTarget';
import { type MinuteSeries, parseTraceCsv, toMinuteSeries } from '../shared/simulate/trace';

const ROOT = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    pairs: { type: 'string', default: '5' },
    /** Internal: time the engine on this series (taxi | year) in this fresh process, print it as JSON, stop. */
    engine: { type: 'string' },
    trace: {
      type: 'string',
      default: resolve(process.env.SCALEPILOT_TRACES ?? resolve(ROOT, '../shared/traces'), 'nyc_taxi.csv'),
    },
  },
});
const TRACE = resolve(args.trace);
const PAIRS = Number(args.pairs);

const ours = [join(ROOT, 'bin/scalepilot'), 'backtest', '--trace', TRACE, '--per-interval-count', '--json'];
const reference = [join(ROOT, 'bench/referenceEngine.mjs'), '--trace', TRACE, '--per-interval-count'];

/** Clock ticks per second of the kernel's CPU accounting (asked once: the question is a child process too). */
const HZ = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
  } catch {
    return Number.NaN;
  }
})();

/** CPU seconds of this process's finished children so far (Linux: /proc/self/stat cutime + cstime). */
function childCpuSeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    // After the command name: state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here.
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) && HZ > 0 ? ticks / HZ : undefined;
  } catch {
    return undefined;
  }
}

/** One whole run of a command: its CPU seconds (when the kernel tells) and wall seconds. */
function timed(command: readonly string[]): { cpu?: number; wall: number; stdout: string } {
  const before = childCpuSeconds();
  const started = performance.now();
  const run = spawnSync(process.execPath, command, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const wall = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`${command.join(' ')} failed: ${run.stderr}`);
  const after = childCpuSeconds();
  return {
    wall,
    stdout: run.stdout,
    ...(before !== undefined && after !== undefined ? { cpu: after - before } : {}),
  };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const spread = (xs: readonly number[], digits = 2) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

// 3 (in a child). Engine time in a fresh process, as an operator's backtest starts: compilation included.
// CPU counts every thread of the process (V8 compiles and collects on threads of its own); wall is the
// time the run took.
function engineSeconds(series: MinuteSeries): EngineTime {
  const once = () => {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    runBacktest(series, 'asg');
    const used = process.cpuUsage(cpu);
    return { cpu: (used.user + used.system) / 1e6, wall: (performance.now() - wall) / 1000 };
  };
  const cold = once();
  const warm = once();
  return { cold: cold.cpu, warm: warm.cpu, coldWall: cold.wall, warmWall: warm.wall };
}
interface EngineTime {
  readonly cold: number;
  readonly warm: number;
  readonly coldWall: number;
  readonly warmWall: number;
}
const taxi = toMinuteSeries(parseTraceCsv(readFileSync(TRACE, 'utf8'), TRACE), true);
const yearMinutes = 365 * 1440;
const year: MinuteSeries = {
  ...taxi,
  load: Array.from({ length: yearMinutes }, (_, m) => taxi.load[m % taxi.load.length] as number),
};
if (args.engine !== undefined) {
  console.log(JSON.stringify(engineSeconds(args.engine === 'year' ? year : taxi)));
  process.exit(0);
}
/**
 * This file compiled as `scalepilot backtest` is (one esbuild bundle, no TypeScript loader: the loader's
 * helpers run in the engine's hot code), for the engine-time children.
 */
const compiledSelf = await (async () => {
  const { build } = await import('esbuild');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const out = join(mkdtempSync(join(ROOT, 'dist', 'bench-speed-')), 'speed.mjs');
  await build({
    entryPoints: [process.argv[1] as string],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: out,
    external: ['esbuild'],
    // bin/build.mjs builds when it is the main module: it stays a module of its own.
    plugins: [
      {
        name: 'build-script-external',
        setup(b) {
          b.onResolve({ filter: /build\.mjs$/ }, (a) => ({
            path: pathToFileURL(resolve(a.resolveDir, a.path)).href,
            external: true,
          }));
        },
      },
    ],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return out;
})();
/** The engine time of a series, measured in a child process of its own (this file compiled, with --engine). */
function engineInChild(series: 'taxi' | 'year'): EngineTime {
  // With the compiler settings `scalepilot backtest` runs with (bin/build.mjs).
  const command = [...BACKTEST_V8_FLAGS, compiledSelf, '--engine', series, '--trace', TRACE];
  const run = spawnSync(process.execPath, command, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`engine time of ${series} failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) as string);
}

// 1. The same figures.
const mine = JSON.parse(timed(ours).stdout) as { policy: string }[];
const theirs = JSON.parse(timed(reference).stdout) as { policy: string }[];
const disagree = theirs.filter(
  (row) => JSON.stringify(row) !== JSON.stringify(mine.find((m) => m.policy === row.policy)),
);
if (disagree.length > 0) {
  console.error(`the engines disagree on ${disagree.map((r) => r.policy).join(', ')}`);
  process.exit(1);
}

// 2. Pair by pair (the runs above were the warm-up).
const pairs: { a: ReturnType<typeof timed>; b: ReturnType<typeof timed> }[] = [];
for (let i = 0; i < PAIRS; i += 1) {
  pairs.push({ a: timed(ours), b: timed(reference) });
  process.stdout.write(`pair ${i + 1}/${PAIRS}\n`);
}
const cpuKnown = pairs.every((p) => p.a.cpu !== undefined && p.b.cpu !== undefined);
const cpuRatios = cpuKnown ? pairs.map((p) => (p.a.cpu as number) / (p.b.cpu as number)) : [];
const wallRatios = pairs.map((p) => p.a.wall / p.b.wall);

// 3. Engine time, each series in a fresh process.
const onTrace = engineInChild('taxi');
const onYear = engineInChild('year');
rmSync(dirname(compiledSelf), { recursive: true, force: true });

// 4. The decision memo changed nothing on the whole taxi trace: both Scalepilot rows with it and with
//    decideCapacity every minute order the same capacity every minute (the unit test checks 30 days of every
//    trace, decision and history alike). How many minutes it spared the call.
const scenario = backtestScenario(taxi.load, 'asg');
const memoRows = [
  { name: 'scalepilot', floors: benchFloorSettings(taxi.stepMinutes) },
  { name: 'scalepilot-reactive', floors: undefined },
].map(({ name, floors }) => {
  const run = (memo: boolean) => {
    let made = 0;
    let last: unknown;
    const onDecision = (_minute: number, decision: unknown) => {
      if (decision !== last) made += 1;
      last = decision;
    };
    const target = scalepilotTarget(scenario);
    const policy = scalepilot(target, { ...(floors ? { floors } : {}), memo, onDecision })();
    return { ordered: simulate(policy, scenario, taxi.start).ordered, made };
  };
  const memo = run(true);
  const every = run(false);
  if (memo.ordered.some((v, m) => v !== every.ordered[m])) {
    console.error(`the decision memo changed the ${name} row on ${basename(TRACE)}`);
    process.exit(1);
  }
  return { name, made: memo.made, minutes: memo.ordered.length - 1 };
});

const lines = [
  '# Backtest speed',
  '',
  `Command: \`npm run bench:speed\`. Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. Trace: ${basename(TRACE)} (${taxi.load.length} minutes), a count per interval. Definitions: docs/backtest.md, section Speed.`,
  '',
  '## Whole processes, pair by pair',
  '',
  `A: \`scalepilot backtest --trace ${basename(TRACE)} --per-interval-count --json\` (every policy: the five baselines, \`scalepilot\` and \`scalepilot-reactive\`). B: \`node bench/referenceEngine.mjs\` on the same trace (its five baselines; the figures of both agree). ${PAIRS} pairs after one warm-up of each, run A B A B; median (min–max).`,
  '',
  '| figure | A | B | A / B |',
  '|---|---|---|---|',
  ...(cpuKnown
    ? [
        `| CPU s (user + system) | ${spread(pairs.map((p) => p.a.cpu as number))} | ${spread(pairs.map((p) => p.b.cpu as number))} | ${spread(cpuRatios)} |`,
      ]
    : []),
  `| wall s | ${spread(pairs.map((p) => p.a.wall))} | ${spread(pairs.map((p) => p.b.wall))} | ${spread(wallRatios)} |`,
  '',
  `Goal: A / B ≤ 1.0. Median CPU ratio: ${cpuKnown ? median(cpuRatios).toFixed(2) : 'not measured'}; wall: ${median(wallRatios).toFixed(2)}.`,
  '',
  '## Engine time (each series in a fresh process)',
  '',
  'Every policy, kind asg, in a process of its own, compiled as `scalepilot backtest` is (one bundle, no TypeScript loader) and with the V8 compiler settings it runs with, compilation included: as when an operator runs a backtest. "with forecasting": the predict function’s hourly runs made as the row replays (forecast, trust, headroom); "engine alone": the same backtest again in that process, its runs already made (they are kept per trace). CPU s counts every thread of the process (V8 compiles the hot code and collects garbage on threads of its own, on the second core); wall s is how long the run took.',
  '',
  '| series | minutes | with forecasting: CPU s | wall s | engine alone: CPU s | wall s | forecasting (CPU s) |',
  '|---|---|---|---|---|---|---|',
  ...[
    { name: basename(TRACE), minutes: taxi.load.length, t: onTrace },
    { name: 'a year (the trace tiled)', minutes: yearMinutes, t: onYear },
  ].map(
    ({ name, minutes, t }) =>
      `| ${name} | ${minutes} | ${t.cold.toFixed(2)} | ${t.coldWall.toFixed(2)} | ${t.warm.toFixed(2)} | ${t.warmWall.toFixed(2)} | ${(t.cold - t.warm).toFixed(2)} |`,
  ),
  '',
  `Goal: a year of every policy under 2 s. Wall: ${onYear.coldWall < 2 ? 'met' : 'not met'} (${onYear.coldWall.toFixed(2)} s). CPU: ${onYear.cold < 2 ? 'met' : 'not met'} (${onYear.cold.toFixed(2)} s; the engine alone ${onYear.warm.toFixed(2)} s).`,
  '',
  '## The decision memo',
  '',
  `\`decideCapacity\` called, of the minutes decided on ${basename(TRACE)} (the rest reuse the minute before's decision: DecisionMemo.ts); the same capacity every minute as calling it every minute (checked here on the whole trace).`,
  '',
  '| row | minutes | decisions made | share |',
  '|---|---|---|---|',
  ...memoRows.map(
    (r) => `| ${r.name} | ${r.minutes} | ${r.made} | ${((100 * r.made) / r.minutes).toFixed(1)}% |`,
  ),
  '',
];
writeFileSync(join(ROOT, 'bench/speed-results.md'), `${lines.join('\n')}`);
console.log(lines.slice(8).join('\n'));
