import { Document, isCollection, isPair, isScalar, visit } from 'yaml';
import { ScalingError } from '../../shared/errors';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import { type Policy, PredictiveSchema, type Target, type TargetKind } from '../../shared/policy/schema';
import { withPolicyCap } from '../../shared/policy/withPolicyCap';
import { parseTraceCsv, type TraceRow, toMinuteSeries } from '../../shared/simulate/trace';
import { historyProblem } from '../../shared/tune/historyProblem';
import type { Ratios } from '../../shared/tune/looSelection';
import { describeFloors, describeReactive, reactiveTargetKeys } from '../../shared/tune/reactiveKnobs';
import {
  PREDICTIVE_GOALS,
  type Range,
  REACTIVE_GOAL,
  type TuneResult,
  tuneHistory,
} from '../../shared/tune/tuneHistory';
import { readOptionFile } from './cliOptions';

const KINDS: readonly TargetKind[] = ['asg', 'rds-replicas', 'cache-shards'];

export interface TuneCommandOptions {
  readonly kind: string;
  readonly policy?: string;
  readonly target?: string;
  readonly perIntervalCount?: boolean;
  readonly json?: boolean;
  /** The rows came from CloudWatch (`--cloudwatch`), not a trace file. */
  readonly cloudwatch?: boolean;
}

/** A usage problem of `scalepilot tune`: printed as one line, exit 1. */
export class TuneCommandError extends ScalingError {}

/** The rows of a trace file, or a one-line error naming the file. */
export function tuneTraceRows(file: string | undefined): TraceRow[] {
  if (!file) throw new TuneCommandError('tune: give --trace FILE or --cloudwatch');
  return parseTraceCsv(readOptionFile('tune --trace', file), file);
}

/**
 * `scalepilot tune`: searches the reactive knobs (and a predictive target's overload price) on the first two thirds
 * of the history, validates on the last third, and prints the recommended change as YAML to paste into the
 * policy, with its cost and overload against target tracking on the validation part and across three folds.
 * Refuses, saying why, with under 3 days of history, a gap of over 6 hours in a trace, or a load that never changes.
 */
export function tuneCommand(rows: readonly TraceRow[], source: string, o: TuneCommandOptions): TuneResult {
  const kind = o.kind as TargetKind;
  if (!KINDS.includes(kind))
    throw new TuneCommandError(`--kind: unknown kind "${o.kind}" (${KINDS.join(', ')})`);
  if (o.target !== undefined && o.policy === undefined)
    throw new TuneCommandError('--target names a target of the policy: give --policy FILE with it');
  const policy = o.policy ? loadPolicyFile(o.policy) : undefined;
  const target = policy ? withPolicyCap(policyTarget(policy.targets, kind, o), policy) : undefined;
  const problem = historyProblem(rows, { gaps: !o.cloudwatch });
  const series = toMinuteSeries(rows, Boolean(o.perIntervalCount));
  const result: TuneResult = problem
    ? { status: 'refused', message: problem }
    : tuneHistory(series, {
        kind,
        ...(target ? { target } : {}),
        predictive: policy?.predictive ?? PredictiveSchema.parse({ enabled: true }),
      });
  if (result.status === 'refused') {
    // On stderr: `tune … > change.yml` must not write a refusal into the file.
    console.error(`${source}: no recommendation: ${result.message}`);
    process.exitCode = 1;
    return result;
  }
  if (o.json) {
    console.log(JSON.stringify(withRangeTimes(result, series.start), null, 2));
    return result;
  }
  for (const line of recommendationLines(result, source, kind, series.start, target)) console.log(line);
  for (const note of policyNotes(result, policy, target)) console.log(note);
  return result;
}

/** What pasting the change's predictive section would do beyond the target tuned. */
function policyNotes(
  result: Extract<TuneResult, { status: 'recommended' }>,
  policy: Policy | undefined,
  target: Target | undefined,
): string[] {
  if (!result.floors || !policy) return [];
  const notes: string[] = [];
  if (policy.predictive.mode !== 'forecast-and-scale')
    notes.push(
      `note: the policy's predictive.mode is ${policy.predictive.mode}: these floors act only once it is forecast-and-scale`,
    );
  // The section is the policy's: pasted, it moves every predictive target's floors, tuned on this one's load.
  const others = policy.targets
    .filter((t) => t.predictive && t.name !== target?.name)
    .map((t) => `"${t.name}"`);
  if (others.length > 0)
    notes.push(
      `note: predictive is the policy's section, for every predictive target: pasted, it changes the floors of ${others.join(', ')} too, tuned on "${target?.name}" alone; tune each and keep the section where their figures agree`,
    );
  return notes;
}

/**
 * The result as `--json` prints it: each part of the history (`search`, `validation`, each fold's) with its
 * ISO times beside its minutes from the trace's start (`from`, `to`), which alone would need the start to read.
 */
export function withRangeTimes(result: Extract<TuneResult, { status: 'recommended' }>, start: number) {
  const timed = (r: Range) => ({
    ...r,
    fromTime: minuteTime(start, r.from),
    toTime: minuteTime(start, r.to),
  });
  return {
    ...result,
    search: timed(result.search),
    validation: timed(result.validation),
    folds: result.folds.map((fold) => ({ ...fold, validation: timed(fold.validation) })),
  };
}

/** The ISO time of minute `m` of a history that starts at `start` (epoch ms). */
const minuteTime = (start: number, m: number) => new Date(start + m * 60_000).toISOString();

/** The recommendation as the command prints it: the YAML, the validation figures, the folds and their spread. */
export function recommendationLines(
  result: Extract<TuneResult, { status: 'recommended' }>,
  source: string,
  kind: TargetKind,
  start: number,
  target?: Target,
): string[] {
  const at = (r: Range) => {
    const iso = (m: number) => minuteTime(start, m).slice(0, 16);
    return `${iso(r.from)} to ${iso(r.to)}Z (${((r.to - r.from) / 1440).toFixed(1)} days)`;
  };
  const tuned = result.rules?.tuned ?? 'utilisation';
  const lines = [
    `${source}, ${kind} target "${target?.name ?? 'backtest'}": searched on ${at(result.search)}, validated on ${at(result.validation)}`,
    ...(result.rules?.notReplayed ?? []),
    '',
    '# the recommended change, as tested (paste into your policy; keys not shown stay as they are; its rules list',
    `# is yours with rule "${tuned}" tuned, the others as they are, and its rateLimits replace yours too)`,
    ...missedGoalNotes(result, kind),
    recommendedYaml(result, target).trimEnd(),
    '',
    'on the validation part, against target tracking (overload ÷ its overload, cost ÷ its cost):',
    `  rules alone:   ${verdict(result.reactiveRatios, REACTIVE_GOAL)}    ${describeReactive(result.reactive)}`,
  ];
  if (result.predictiveRatios && result.floors)
    lines.push(
      `  with floors:   ${verdict(result.predictiveRatios, PREDICTIVE_GOALS[kind])}    ${describeFloors(result.floors)}`,
    );
  lines.push('across three folds (each chosen on the history before its part):');
  for (const f of result.folds)
    lines.push(
      `  ${at(f.validation)}: rules ${ratioText(f.reactiveRatios)}${f.predictiveRatios ? `, floors ${ratioText(f.predictiveRatios)}` : ''}`,
    );
  const spread = (all: readonly Ratios[]) => {
    const range = (of: (r: Ratios) => number) =>
      `${Math.min(...all.map(of)).toFixed(2)}–${Math.max(...all.map(of)).toFixed(2)}×`;
    return `overload ${range((r) => r.overload)}, cost ${range((r) => r.cost)}`;
  };
  lines.push(`spread: rules ${spread(result.folds.map((f) => f.reactiveRatios))}`);
  const floors = result.folds.flatMap((f) => (f.predictiveRatios ? [f.predictiveRatios] : []));
  if (floors.length > 0) lines.push(`        floors ${spread(floors)}`);
  return lines;
}

/** The policy's target of the kind (the one named by --target when several). */
function policyTarget(targets: readonly Target[], kind: TargetKind, o: TuneCommandOptions): Target {
  const ofKind = targets.filter((t) => t.kind === kind && (o.target === undefined || t.name === o.target));
  const found = ofKind[0];
  if (!found)
    throw new TuneCommandError(
      `${o.policy}: no ${kind} target${o.target ? ` named "${o.target}"` : ''} (targets: ${targets.map((t) => `${t.name} (${t.kind})`).join(', ')})`,
    );
  if (ofKind.length > 1)
    throw new TuneCommandError(
      `${o.policy}: ${ofKind.length} ${kind} targets (${ofKind.map((t) => t.name).join(', ')}): name one with --target`,
    );
  return found;
}

/**
 * The change as policy YAML: the target's reactive keys, its rules list with the tuned rule's knobs (the target's
 * other rules as they are, in their places), and the predictive tuning price when tuned.
 */
export function recommendedYaml(
  result: Extract<TuneResult, { status: 'recommended' }>,
  target?: Target,
): string {
  const rule = target?.rules.find((r) => r.name === result.rules?.tuned) ?? {
    name: 'utilisation',
    metric: { namespace: 'Backtest', name: 'Utilisation' },
  };
  const { metric } = rule;
  const keys = reactiveTargetKeys(
    result.reactive,
    { name: rule.name, metric },
    result.floors?.floorTargetPercent,
    result.floors?.scaleInHoldsUnderFloor,
  );
  // Pasting changes only the rule tested: a rule left out of the replay stays too (its own line says so).
  const rules = target ? target.rules.flatMap<unknown>((r) => (r === rule ? keys.rules : [r])) : keys.rules;
  // The rate limits as tested: the candidate runs with these and no others (tuneHistory's candidateTarget).
  const rateLimits = { scaleOut: [], scaleIn: keys.rateLimits?.scaleIn ?? [] };
  const change = {
    targets: [{ name: target?.name ?? 'backtest', ...keys, rateLimits, rules }],
    ...(result.floors
      ? {
          predictive: {
            trustMaseRatio: result.floors.trustMaseRatio,
            seasonalFloor: [...result.floors.seasonalFloor],
            maxBufferPercent: result.floors.maxBufferPercent,
            maxBufferOfMeanPercent: result.floors.maxBufferOfMeanPercent,
            tuning: { enabled: false, ...result.floors.tuning },
          },
        }
      : {}),
  };
  // The target's keys one per line, each value on that line (as docs/policy.md writes them), and each rule on its own.
  const doc = new Document(change);
  visit(doc, {
    Collection(_, node, path) {
      const parent = path[path.length - 1];
      const rulesList = isPair(parent) && isScalar(parent.key) && parent.key.value === 'rules';
      if (isCollection(node) && path.filter(isCollection).length >= 3 && !rulesList) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/**
 * A part of the change that missed its goal on the validation part, said above the YAML: the best the search
 * found is still printed (its figures below), but pasted blind it would overload or cost more than the goal.
 */
function missedGoalNotes(result: Extract<TuneResult, { status: 'recommended' }>, kind: TargetKind): string[] {
  const notes: string[] = [];
  if (!meets(result.reactiveRatios, REACTIVE_GOAL))
    notes.push(
      `# its rules missed their goal on the validation part: ${ratioText(result.reactiveRatios)} target tracking's (goal ≤ ${REACTIVE_GOAL.overload}× at ≤ ${REACTIVE_GOAL.cost}×)`,
    );
  const goal = PREDICTIVE_GOALS[kind];
  if (result.predictiveRatios && result.floors && !meets(result.predictiveRatios, goal))
    notes.push(
      `# its floors missed their goal on the validation part: ${ratioText(result.predictiveRatios)} target tracking's (goal ≤ ${goal.overload}× at ≤ ${goal.cost}×);`,
      '# leave its predictive section out to keep the target on the rules alone',
    );
  return notes;
}

const meets = (r: Ratios, goal: { overload: number; cost: number }) =>
  r.overload <= goal.overload && r.cost <= goal.cost;

const ratioText = (r: Ratios) => `overload ${r.overload.toFixed(2)}×, cost ${r.cost.toFixed(2)}×`;
const verdict = (r: Ratios, goal: { overload: number; cost: number }) =>
  `${ratioText(r)} (goal ≤ ${goal.overload}× at ≤ ${goal.cost}×: ${meets(r, goal) ? 'met' : 'missed'})`;
