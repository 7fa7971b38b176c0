// The plan rows of the bench (issue 24): `scalepilot backtest --plan` of the example policy's plan on every
// shared trace, and on the extra traces in bench/traces/ when present, against the goal; with `choices`, a
// plan key's default (the scale-in hold, the headroom quantile) chosen leave-one-out. `npm run bench` runs it after the per-kind bench, `npm run bench:plans`
// alone; both write bench/plan-results.md.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { bundledPrices } from '../shared/cost/bundledPrices';
import { ScalingError } from '../shared/errors';
import { loadPolicyFile } from '../shared/policy/loadPolicyFile';
import type { Policy } from '../shared/policy/schema';
import { planReport } from '../shared/report/planReport';
import { runPlanBacktest } from '../shared/simulate/planBacktest';
import type { PlanFigures } from '../shared/simulate/planFigures';
import { planReplayedRules } from '../shared/simulate/planReplayedRules';
import { type MinuteSeries, parseTraceCsv, toMinuteSeries } from '../shared/simulate/trace';

/** The goal of issue 24, on the sums over the traces, as ratios to independent Scalepilot. */
export const PLAN_GOAL = { downstream: 0.25, system: 0.8, cost: 1.0 } as const;
const REFERENCE = 'independent-scalepilot';

interface TraceRun {
  readonly file: string;
  readonly minutes: number;
  readonly ms: number;
  readonly figures: readonly PlanFigures[];
}

export interface PlanBenchOptions {
  readonly root: string;
  /** Folders of traces: the shared ones, then the extra ones (scored apart: no default was chosen on them). */
  readonly sets: readonly { readonly name: string; readonly dir: string }[];
  /** Plan keys whose default is chosen leave-one-out on the first set, each among its candidates. */
  readonly choices?: readonly PlanChoice[];
  /** Writes each run's report to bench/out (slow: charts). */
  readonly reports?: boolean;
  readonly progress?: (line: string) => void;
}

/** A plan key chosen leave-one-out: its candidates, and the page the choice is written to. */
export interface PlanChoice {
  readonly key: 'scaleInHoldMinutes' | 'headroomQuantile';
  readonly values: readonly number[];
  /** What the key is, for the page's title and text: `the scale-in hold`. */
  readonly what: string;
  /** How a value reads: `60 minutes`, `0.95`. */
  readonly unit: string;
  /** The page, under bench/: `plan-hold-choice.md`. */
  readonly file: string;
}

// Counts per row interval become per-minute rates; utilisations and occupancies stay as they are.
const isCount = (file: string) => !/cpu_utilization|occupancy/.test(file);

/** Runs the plan bench and writes bench/plan-results.md; returns its summary lines. */
export async function planBench(options: PlanBenchOptions): Promise<string[]> {
  const example = loadPolicyFile(join(options.root, 'examples/event-platform.scalepilot.yml'));
  const plan = example.plans[0];
  if (!plan) throw new Error('the example policy has no plan');
  // The rules `backtest --plan` replays (every rule of the example's members reads a utilisation in %).
  const replay = planReplayedRules(example, plan);
  if ('refused' in replay) throw new Error(replay.refused.join('\n'));
  const { policy } = replay;
  const lines = [
    '# Plan backtest results (issue 24)',
    '',
    `Command: \`npm run bench:plans\` (also run by \`npm run bench\`; with the headroom quantile's default chosen leave-one-out in [plan-quantile-choice.md](plan-quantile-choice.md), and with \`--hold-choice\` the scale-in hold's in [plan-hold-choice.md](plan-hold-choice.md)). The example policy's plan \`${plan.name}\` (${plan.members.map((m) => m.target).join(', ')}); definitions: \`../shared/docs/backtest.md\` (Plans) and \`docs/plans.md\`. Cost in USD from the bundled on-demand prices (us-east-1). Ratios are to \`${REFERENCE}\`.`,
    '',
  ];
  const summary: string[] = [];
  for (const [index, set] of options.sets.entries()) {
    if (!existsSync(set.dir)) continue;
    const files = readdirSync(set.dir)
      .filter((f) => f.endsWith('.csv'))
      .sort();
    if (files.length === 0) continue;
    const runs: TraceRun[] = [];
    const skipped: string[] = [];
    for (const file of files) {
      try {
        const run = await runTrace(policy, set.dir, file, options);
        runs.push(run);
        options.progress?.(`plans ${set.name} ${file}: ${(run.ms / 1000).toFixed(1)} s`);
      } catch (error) {
        // A trace the backtest cannot read (repeated timestamps at a DST change) is named, not fatal.
        if (!(error instanceof ScalingError)) throw error;
        skipped.push(`- ${file}: skipped: ${error.message}`);
        options.progress?.(`plans ${set.name} ${file}: skipped: ${error.message}`);
      }
    }
    if (runs.length === 0) continue;
    lines.push(`## ${set.name}`, '', ...runTables(runs), ...totalsTable(runs));
    if (skipped.length > 0) lines.push('', ...skipped);
    const verdict = goalLine(runs);
    lines.push(
      '',
      `**Goal** (downstream ≤ ${PLAN_GOAL.downstream}×, system ≤ ${PLAN_GOAL.system}×, cost ≤ ${PLAN_GOAL.cost}×): ${verdict}`,
      '',
    );
    summary.push(`plans, ${set.name}: ${verdict}`);
    for (const choice of index === 0 ? (options.choices ?? []) : []) {
      if (choice.values.length < 2) continue;
      const chosen = await leaveOneOut(policy, set.dir, files, runs, choice, options);
      writeFileSync(join(options.root, 'bench', choice.file), `${chosen.lines.join('\n')}\n`);
      summary.push(`plans, ${choice.what} chosen leave-one-out: ${chosen.summary}`);
    }
    // Written after each set: a long run leaves what it has measured.
    writeFileSync(join(options.root, 'bench/plan-results.md'), `${lines.join('\n')}\n`);
  }
  writeFileSync(join(options.root, 'bench/plan-results.md'), `${lines.join('\n')}\n`);
  return summary;
}

async function runTrace(
  policy: Policy,
  dir: string,
  file: string,
  options: PlanBenchOptions,
  setting?: { readonly key: PlanChoice['key']; readonly value: number },
): Promise<TraceRun> {
  const series = seriesOf(join(dir, file));
  const held =
    setting === undefined
      ? policy
      : { ...policy, plans: policy.plans.map((p) => ({ ...p, [setting.key]: setting.value })) };
  const started = performance.now();
  const result = runPlanBacktest(series, held, held.plans[0]?.name ?? '', {
    prices: bundledPrices,
    ...(setting === undefined ? {} : { policies: ['coordinated'] }),
  });
  const ms = performance.now() - started;
  if (options.reports && setting === undefined) {
    mkdirSync(join(options.root, 'bench/out'), { recursive: true });
    const report = await planReport(result, series, {
      trace: file,
      loadUnit: isCount(file) ? 'per minute' : 'trace value',
    });
    writeFileSync(join(options.root, 'bench/out', `plan-${file.replace(/\.csv$/, '')}.html`), report.html);
  }
  return { file, minutes: series.load.length, ms, figures: result.figures };
}

/** Each trace read once: the runs of several holds share its series, and so its forecasts. */
const seriesByPath = new Map<string, MinuteSeries>();
function seriesOf(path: string): MinuteSeries {
  let series = seriesByPath.get(path);
  if (!series) {
    const file = basename(path);
    series = toMinuteSeries(parseTraceCsv(readFileSync(path, 'utf8'), file), isCount(file));
    seriesByPath.set(path, series);
  }
  return series;
}

function runTables(runs: readonly TraceRun[]): string[] {
  const lines: string[] = [];
  for (const run of runs) {
    lines.push(
      `### ${run.file} (${run.minutes} minutes, ${(run.ms / 1000).toFixed(1)} s)`,
      '',
      '| policy | system overload min | downstream overload min | unserved % | cost USD | per member: overload min / USD |',
      '|---|---|---|---|---|---|',
      ...run.figures.map(
        (f) =>
          `| ${f.policy} | ${f.overloadMinutes} | ${f.downstreamOverloadMinutes} | ${f.unservedPercent.toFixed(4)} | ${f.cost.toFixed(2)} | ${f.members.map((k) => `${k.member} ${k.overloadMinutes} / ${k.cost.toFixed(2)}`).join(', ')} |`,
      ),
      '',
    );
  }
  return lines;
}

interface Sums {
  system: number;
  downstream: number;
  cost: number;
}

function sums(runs: readonly TraceRun[], policy: string): Sums {
  const total = { system: 0, downstream: 0, cost: 0 };
  for (const run of runs) {
    const f = run.figures.find((x) => x.policy === policy);
    if (!f) continue;
    total.system += f.overloadMinutes;
    total.downstream += f.downstreamOverloadMinutes;
    total.cost += f.cost;
  }
  return total;
}

function totalsTable(runs: readonly TraceRun[]): string[] {
  const reference = sums(runs, REFERENCE);
  const policies = runs[0]?.figures.map((f) => f.policy) ?? [];
  return [
    '### Totals over these traces',
    '',
    `| policy | system overload min | ÷ ${REFERENCE} | downstream overload min | ÷ ${REFERENCE} | cost USD | ÷ ${REFERENCE} |`,
    '|---|---|---|---|---|---|---|',
    ...policies.map((p) => {
      const t = sums(runs, p);
      return `| ${p} | ${t.system} | ${ratio(t.system, reference.system)} | ${t.downstream} | ${ratio(t.downstream, reference.downstream)} | ${t.cost.toFixed(2)} | ${ratio(t.cost, reference.cost)} |`;
    }),
  ];
}

/** The goal on the sums: each ratio and pass / FAIL. */
function goalLine(runs: readonly TraceRun[]): string {
  const c = sums(runs, 'coordinated');
  const r = sums(runs, REFERENCE);
  const parts = [
    { name: 'downstream', value: c.downstream / r.downstream, goal: PLAN_GOAL.downstream },
    { name: 'system', value: c.system / r.system, goal: PLAN_GOAL.system },
    { name: 'cost', value: c.cost / r.cost, goal: PLAN_GOAL.cost },
  ];
  const pass = parts.every((p) => p.value <= p.goal);
  return `${parts.map((p) => `${p.name} ${p.value.toFixed(3)}×`).join(', ')}: **${pass ? 'pass' : 'FAIL'}**`;
}

/**
 * A plan key's default chosen leave-one-out: for each trace, the value whose coordinated row comes closest to
 * the goal on the *other* traces (the least of each ratio ÷ its goal, the highest of the three; then the least
 * cost), scored on the trace left out. The policy's own value is the base run's: it is not run again.
 */
async function leaveOneOut(
  policy: Policy,
  dir: string,
  files: readonly string[],
  base: readonly TraceRun[],
  choice: PlanChoice,
  options: PlanBenchOptions,
): Promise<{ lines: string[]; summary: string }> {
  const own = policy.plans[0]?.[choice.key];
  const byValue = new Map<number, TraceRun[]>();
  for (const value of choice.values) {
    if (value === own) {
      byValue.set(value, [...base]);
      continue;
    }
    const runs: TraceRun[] = [];
    for (const [i, file] of files.entries()) {
      // The key changes the coordinated row only: the others are the base run's.
      const run = await runTrace(policy, dir, file, options, { key: choice.key, value });
      const others = base[i]?.figures.filter((f) => f.policy !== 'coordinated') ?? [];
      runs.push({ ...run, figures: [...run.figures, ...others] });
      options.progress?.(`plans ${choice.key} ${value} ${file}: ${(run.ms / 1000).toFixed(1)} s`);
    }
    byValue.set(value, runs);
  }
  const lines = [
    `# ${choice.what[0]?.toUpperCase()}${choice.what.slice(1)}, chosen leave-one-out (issue 24)`,
    '',
    `Command: \`npm run bench:plans${choice.key === 'scaleInHoldMinutes' ? ' -- --hold-choice' : ''}\`, on the shared traces (../shared/traces), the example policy's plan (\`${choice.key}\`; every other key at its default).`,
    '',
    `Candidates: ${choice.values.join(', ')}${choice.unit ? ` ${choice.unit}` : ''}. For each trace, the value that comes closest to the goal on the other traces (the highest of the three ratios ÷ their goals; then the least cost) is scored on the trace left out.`,
    '',
    `| trace left out | ${choice.key} chosen on the others | its coordinated row there: system / downstream overload min, cost USD |`,
    '|---|---|---|',
  ];
  const heldOut: TraceRun[] = [];
  const chosen: number[] = [];
  for (const [i, file] of files.entries()) {
    const value = chooseValue(byValue, choice.values, i);
    chosen.push(value);
    const run = (byValue.get(value) ?? [])[i] as TraceRun;
    const reference = base[i]?.figures.find((f) => f.policy === REFERENCE);
    heldOut.push({
      ...run,
      figures: [...run.figures.filter((f) => f.policy === 'coordinated'), ...(reference ? [reference] : [])],
    });
    const c = run.figures.find((f) => f.policy === 'coordinated');
    lines.push(
      `| ${file} | ${value} | ${c?.overloadMinutes} / ${c?.downstreamOverloadMinutes}, ${c?.cost.toFixed(2)} |`,
    );
  }
  const { value: mostOften, tiedWith } = foldsChoice(chosen, own as number | undefined);
  const tie =
    tiedWith.length > 0 ? ` (tied with ${tiedWith.join(', ')}: a tie keeps the schema's default)` : '';
  const verdict = goalLine(heldOut);
  const named = `${mostOften}${choice.unit ? ` ${choice.unit}` : ''}`;
  lines.push(
    '',
    `Scored on the traces left out: ${verdict}. Chosen most often: **${named}**${tie} (the schema's default is ${own}${choice.unit ? ` ${choice.unit}` : ''}).`,
    '',
    `| ${choice.key} | system ÷ ref | downstream ÷ ref | cost ÷ ref (all traces) |`,
    '|---|---|---|---|',
    ...choice.values.map((v) => {
      const runs = byValue.get(v) ?? [];
      const c = sums(runs, 'coordinated');
      const r = sums(runs, REFERENCE);
      return `| ${v} | ${ratio(c.system, r.system)} | ${ratio(c.downstream, r.downstream)} | ${ratio(c.cost, r.cost)} |`;
    }),
    '',
  );
  return { lines, summary: `${named}; left-out traces: ${verdict}` };
}

/**
 * The value whose coordinated row comes closest to the goal on every trace but the i-th: the least of the
 * highest of the three ratios ÷ their goals (≤ 1: all three met), then the least cost.
 */
function chooseValue(
  byValue: ReadonlyMap<number, readonly TraceRun[]>,
  values: readonly number[],
  i: number,
): number {
  const score = (runs: readonly TraceRun[]) => {
    const c = sums(runs, 'coordinated');
    const r = sums(runs, REFERENCE);
    const slack = Math.max(
      safe(c.downstream, r.downstream) / PLAN_GOAL.downstream,
      safe(c.system, r.system) / PLAN_GOAL.system,
      c.cost / r.cost / PLAN_GOAL.cost,
    );
    return { slack, cost: c.cost / r.cost };
  };
  let best: { value: number; slack: number; cost: number } | undefined;
  for (const value of values) {
    const s = score((byValue.get(value) ?? []).filter((_, j) => j !== i));
    if (
      !best ||
      s.slack < best.slack - 1e-12 ||
      (Math.abs(s.slack - best.slack) <= 1e-12 && s.cost < best.cost)
    )
      best = { value, ...s };
  }
  return best?.value ?? (values[0] as number);
}

function safe(value: number, reference: number): number {
  return reference > 0 ? value / reference : value > 0 ? Number.POSITIVE_INFINITY : 0;
}

function ratio(value: number, reference: number): string {
  if (reference === 0) return value === 0 ? '1.000' : '∞';
  return (value / reference).toFixed(3);
}

/**
 * The default the folds' choices name: the value chosen on most folds. A tie is no evidence to move a default:
 * it keeps `current` (the schema's) where that is one of the tied values, else the lowest of them.
 */
export function foldsChoice(
  chosen: readonly number[],
  current: number | undefined,
): { value: number; tiedWith: number[] } {
  const counts = new Map<number, number>();
  for (const v of chosen) counts.set(v, (counts.get(v) ?? 0) + 1);
  const most = Math.max(...counts.values());
  const tied = [...counts].filter(([, n]) => n === most).map(([v]) => v);
  const value = current !== undefined && tied.includes(current) ? current : Math.min(...tied);
  return { value, tiedWith: tied.filter((v) => v !== value).sort((a, b) => a - b) };
}
