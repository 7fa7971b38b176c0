// The defaults judged leave-one-trace-out (issue 22): every candidate of the reactive grid and of the predictive
// grid is backtested once on every trace and kind, next to target tracking; a default is then chosen on some
// traces and scored on others by arithmetic alone. On the shared traces each trace is scored with the default
// chosen without it (left out) and with the one chosen on all six (in-sample, the one shipped); the held-out
// traces (bench/traces) are never chosen on: scored with the shipped default, next to the default the same
// search would have chosen on them (their in-sample reference, to show what generalising cost).
import type { PredictivePolicy, TargetKind } from '../shared/policy/schema';
import { PredictiveSchema } from '../shared/policy/schema';
import { scalepilot, targetTracking } from '../shared/simulate/baselines';
import { figures, scenarioFor, simulate } from '../shared/simulate/engine';
import { benchFloorSettings } from '../shared/simulate/predictive';
import { scalepilotTarget } from '../shared/simulate/scalepilotTarget';
import type { MinuteSeries } from '../shared/simulate/trace';
import {
  chooseCandidate,
  type Goal,
  leaveOneOut,
  type Ratios,
  type ResultTable,
  type RunFigures,
  ratiosOf,
  totalRatios,
} from '../shared/tune/looSelection';
import {
  describeFloors,
  describeReactive,
  FLOOR_DEFAULTS,
  FLOOR_GRID,
  type FloorPolicyKnobs,
  REACTIVE_DEFAULTS,
  REACTIVE_GRID,
  type ReactiveKnobs,
} from '../shared/tune/reactiveKnobs';
import { PREDICTIVE_GOALS, REACTIVE_GOAL } from '../shared/tune/tuneHistory';

export interface BenchTrace {
  readonly file: string;
  readonly series: MinuteSeries;
}

const KINDS: TargetKind[] = ['asg', 'rds-replicas', 'cache-shards'];
const REACTIVE_GOALS: Record<TargetKind, Goal> = {
  asg: REACTIVE_GOAL,
  'rds-replicas': REACTIVE_GOAL,
  'cache-shards': REACTIVE_GOAL,
};

/** Every candidate's figures on every trace and kind, and target tracking's. */
function grid(
  traces: readonly BenchTrace[],
  candidates: number,
  run: (c: number, trace: BenchTrace, kind: TargetKind) => RunFigures,
  progress: (line: string) => void,
): ResultTable {
  const results = new Map<string, RunFigures>();
  const references = new Map<string, RunFigures>();
  for (const trace of traces)
    for (const kind of KINDS) {
      const s = scenarioFor(trace.series.load, kind);
      const tt = figures(simulate(targetTracking(), s, trace.series.start), s, 1);
      references.set(`${trace.file} ${kind}`, { cost: tt.cost, overload: tt.overloadMinutes });
      const started = performance.now();
      for (let c = 0; c < candidates; c += 1) results.set(`${c} ${trace.file} ${kind}`, run(c, trace, kind));
      progress(
        `${trace.file} ${kind}: ${candidates} candidates in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  return {
    candidates,
    traces: traces.map((t) => t.file),
    kinds: KINDS,
    result: (c, trace, kind) => results.get(`${c} ${trace} ${kind}`) as RunFigures,
    reference: (trace, kind) => references.get(`${trace} ${kind}`) as RunFigures,
  };
}

function reactiveRun(c: number, trace: BenchTrace, kind: TargetKind): RunFigures {
  const s = scenarioFor(trace.series.load, kind);
  const target = scalepilotTarget(s, REACTIVE_GRID[c] as ReactiveKnobs);
  const f = figures(simulate(scalepilot(target, { name: 'r' })(), s, trace.series.start), s, 1);
  return { cost: f.cost, overload: f.overloadMinutes };
}

/** The predictive candidates: the floors' sizing and overload price, on the shipped reactive knobs. */
function predictiveRun(c: number, trace: BenchTrace, kind: TargetKind): RunFigures {
  const knobs = FLOOR_GRID[c] as FloorPolicyKnobs;
  const s = scenarioFor(trace.series.load, kind);
  const predictive: PredictivePolicy = PredictiveSchema.parse({
    enabled: true,
    mode: 'forecast-and-scale',
    trustMaseRatio: knobs.trustMaseRatio,
    seasonalFloor: knobs.seasonalFloor,
    tuning: knobs.tuning,
    maxBufferPercent: knobs.maxBufferPercent,
    maxBufferOfMeanPercent: knobs.maxBufferOfMeanPercent,
  });
  const floors = benchFloorSettings(trace.series.stepMinutes, predictive);
  const target = scalepilotTarget(
    s,
    REACTIVE_DEFAULTS,
    knobs.floorTargetPercent,
    knobs.scaleInHoldsUnderFloor,
  );
  const f = figures(simulate(scalepilot(target, { floors })(), s, trace.series.start), s, 1);
  return { cost: f.cost, overload: f.overloadMinutes };
}

const fmt = (r: Ratios | undefined) => (r ? `${r.overload.toFixed(3)}× at ${r.cost.toFixed(3)}×` : '–');
const pass = (r: Ratios | undefined, g: Goal) =>
  r && r.overload <= g.overload && r.cost <= g.cost ? '**pass**' : '**FAIL**';

/** One policy's section: the choice, and per kind in-sample and left-out on both sets, with pass or FAIL. */
function section(
  title: string,
  shared: ResultTable,
  held: ResultTable,
  goals: Record<TargetKind, Goal>,
  describe: (c: number) => string,
  shipped: number,
): string[] {
  const loo = leaveOneOut(shared, goals);
  const heldChoice = chooseCandidate(held, held.traces, goals);
  const lines = [
    `### ${title}`,
    '',
    `Chosen on all ${shared.traces.length} shared traces: ${describe(loo.chosen)}${loo.chosen === shipped ? ' (the shipped default)' : ` — **not the shipped default** (${describe(shipped)}): update it`}.`,
    `Chosen with each shared trace left out: ${shared.traces.map((t) => `${t.replace(/\.csv$/, '')} → ${describe(loo.folds[t] as number)}`).join('; ')}.`,
    `Chosen on the held-out traces themselves (their in-sample reference only, never shipped): ${describe(heldChoice)}.`,
    '',
    '| kind | goal (overload, cost) | shared, in-sample | shared, left out | | held-out, in-sample | held-out, left out (shipped) | |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const kind of KINDS) {
    const g = goals[kind];
    const heldIn = totalRatios(held, held.traces, kind, () => heldChoice);
    const heldOut = totalRatios(held, held.traces, kind, () => shipped);
    lines.push(
      `| ${kind} | ≤ ${g.overload}× at ≤ ${g.cost}× | ${fmt(loo.inSample[kind])} | ${fmt(loo.leftOut[kind])} | ${pass(loo.leftOut[kind], g)} | ${fmt(heldIn)} | ${fmt(heldOut)} | ${pass(heldOut, g)} |`,
    );
  }
  lines.push(
    '',
    `Per trace, the shipped default (overload × and cost × target tracking's; asg / rds-replicas / cache-shards):`,
    '',
  );
  for (const [set, table] of [
    ['shared', shared],
    ['held-out', held],
  ] as const)
    for (const trace of table.traces)
      lines.push(
        `- ${set} ${trace}: ${KINDS.map((kind) => fmt(ratiosOf(table.result(shipped, trace, kind), table.reference(trace, kind)))).join(' / ')}`,
      );
  lines.push('', ...everyCandidate(shared, held, describe, shipped), '');
  return lines;
}

/** Every candidate's totals on each set (overload × at cost ×, per kind), so a near miss can be seen. */
function everyCandidate(
  shared: ResultTable,
  held: ResultTable,
  describe: (c: number) => string,
  shipped: number,
): string[] {
  const lines = [
    'Every candidate, one default for all traces (overload × at cost ×; asg / rds-replicas / cache-shards):',
    '',
    '| # | candidate | shared | held-out |',
    '|---|---|---|---|',
  ];
  const totals = (table: ResultTable, c: number) =>
    KINDS.map((kind) => fmt(totalRatios(table, table.traces, kind, () => c))).join(' / ');
  for (let c = 0; c < shared.candidates; c += 1)
    lines.push(
      `| ${c}${c === shipped ? ' (shipped)' : ''} | ${describe(c)} | ${totals(shared, c)} | ${totals(held, c)} |`,
    );
  return lines;
}

/** The leave-one-out section of bench/results.md. */
export function leaveOneOutSection(
  shared: readonly BenchTrace[],
  held: readonly BenchTrace[],
  progress: (line: string) => void,
): string[] {
  const started = performance.now();
  const reactiveShipped = REACTIVE_GRID.findIndex(
    (k) => JSON.stringify(k) === JSON.stringify(REACTIVE_DEFAULTS),
  );
  const reactive = (traces: readonly BenchTrace[]) =>
    grid(traces, REACTIVE_GRID.length, reactiveRun, progress);
  const predictiveShipped = FLOOR_GRID.findIndex((k) => JSON.stringify(k) === JSON.stringify(FLOOR_DEFAULTS));
  const floors = (traces: readonly BenchTrace[]) => grid(traces, FLOOR_GRID.length, predictiveRun, progress);
  const lines = [
    '## Defaults judged leave-one-trace-out (issue 22)',
    '',
    `Every candidate below is backtested on the ${shared.length} shared traces and the ${held.length} held-out ones (bench/traces, never tuned on), for each kind, next to target tracking. A candidate is chosen on a set of traces when it is the cheapest that meets every goal there (the lowest cost ratio ÷ goal, the largest over the kinds; ratios of the totals, precise rule 12), or, when none meets them all, the closest to them (the lowest of max(overload ratio ÷ goal, cost ratio ÷ goal) over the kinds). **In-sample**: one default chosen on all the set's traces, scored on them. **Left out**: each shared trace scored with the default chosen on the others. The held-out traces are scored with the shipped default (chosen on the shared traces only); their in-sample column is what the same search would have chosen on them, for comparison only. Pass or FAIL is judged on the left-out figures.`,
    '',
  ];
  lines.push(
    ...section(
      `\`scalepilot-reactive\`: the reactive knobs (${REACTIVE_GRID.length} candidates: target 65/70/75%, tolerance 0/0.1, scale-in window 5 min, or 15 or 30 min with at most 10% per window; and at 70/75/80%, tolerance 0/0.1, a 15-minute window with at most 10% per window and no scale-in within 30 or 60 min of a scale-out, \`stabilization.scaleInAfterScaleOutSeconds\`)`,
      reactive(shared),
      reactive(held),
      REACTIVE_GOALS,
      (c) => describeReactive(REACTIVE_GRID[c] as ReactiveKnobs),
      reactiveShipped,
    ),
  );
  lines.push(
    ...section(
      `\`scalepilot\`: the utilisation a unit is planned at under a floor (the rule's \`floorTarget\`: 85, 90 or 95%), whether scale-in holds its window under a floor (\`scaleInHoldsUnderFloor\`), the trust gate's threshold (\`trustMaseRatio\` 1, 1.5 or 2), the floors' walk-forward tuning (off; at 90%, holding, ×2, on for the headroom quantile in 0.9–0.99, or on for every knob with floors off allowed; an overload minute priced at 1000 unit-minutes), the seasonal floor (\`seasonalFloor\` day + week at each floorTarget, holding or not; day or week alone at 85%, released; ×2) and the cap on the measured headroom (\`maxBufferPercent\` +100 to +300% at 90%, +150 and +300% at 85%, +150% with day + week at 90%; holding, ×2) and the limit on the headroom's extra load (\`maxBufferOfMeanPercent\` 150, 200 or 300% of the forecast's mean at 90% with +300%, 200 or 300% at 90% uncapped, 150 or 200% at 85% with +300%; holding, ×2; and 150% with +300% at 90% released): ${FLOOR_GRID.length} candidates on the shipped reactive knobs`,
      floors(shared),
      floors(held),
      PREDICTIVE_GOALS,
      (c) => describeFloors(FLOOR_GRID[c] as FloorPolicyKnobs),
      predictiveShipped,
    ),
  );
  lines.push(`The leave-one-out grid took ${((performance.now() - started) / 1000).toFixed(0)} s.`, '');
  return lines;
}
