import { type Command, Option } from 'commander';
import type { Policy, Target, TargetKind } from '../../shared/policy/schema';
import { withPolicyCap } from '../../shared/policy/withPolicyCap';
import { replayedRules } from '../../shared/simulate/replayedRules';
import {
  type Assertion,
  failedAssertions,
  parseAssertions,
  runBacktest,
} from '../../shared/simulate/runBacktest';
import { toMinuteSeries } from '../../shared/simulate/trace';
import {
  CliUsageError,
  cloudWatchRows,
  type HistorySourceOptions,
  outFolder,
  traceRows,
  withHistorySource,
} from '../lib/cliOptions';

/** Adds `scalepilot backtest` to the CLI. */
export function registerBacktest(program: Command): void {
  withHistorySource(
    program
      .command('backtest')
      .description('replay a metric trace through Scalepilot and the baselines; print the figures'),
  )
    .addOption(
      new Option('--kind <kind>', 'the kind of target')
        .choices(['asg', 'rds-replicas', 'cache-shards'])
        .default('asg'),
    )
    .option('--policy <file>', "take Scalepilot's target of this kind (and its range) from a policy")
    .option('--per-interval-count', 'the values are counts per row interval: divide by the step')
    .option(
      '--out <dir>',
      'write report.html (charts, works offline) and chart.png (figures and charts) here',
    )
    .option(
      '--timelines',
      "with --out: also each policy's minute-by-minute timeline, <policy>.csv.gz (with --plan: always written, <row>.csv)",
    )
    .option('--load-unit <unit>', "the load's unit for the charts' axis and tooltips, e.g. requests/min")
    .option('--json', 'print the figures as JSON')
    .option('--assert <checks>', "e.g. 'overload<=60,costRatio<=1.3': exit 1 when Scalepilot misses")
    .option(
      '--plan <name>',
      "replay the trace as the demand of the policy's plan NAME through all its members",
    )
    .action(backtest);
}

type BacktestOptions = HistorySourceOptions & {
  kind: string;
  policy?: string;
  perIntervalCount?: boolean;
  out?: string;
  timelines?: boolean;
  loadUnit?: string;
  json?: boolean;
  assert?: string;
  plan?: string;
};

/** Replays the trace (or a plan's demand), then prints the figures, writes the report, checks `--assert`. */
async function backtest(options: BacktestOptions): Promise<void> {
  // What only some runs need is loaded when they ask for it: a plan's backtest (its report, the SDK), a
  // policy file (YAML), the progress bar. A `--json` run of a trace starts without them.
  if (options.plan !== undefined && options.assert !== undefined)
    throw new CliUsageError(
      '--assert checks the scalepilot row of a per-kind backtest: a --plan backtest has none',
    );
  if (options.timelines && !options.out)
    throw new CliUsageError('--timelines writes into the --out folder: give --out DIR');
  if (options.out) outFolder('--out', options.out);
  if (options.plan !== undefined) {
    const { planBacktestCommand } = await import('../lib/planBacktestCommand');
    return planBacktestCommand({ ...options, plan: options.plan });
  }
  // Commander has checked it against the choices; the checks are read before the run, so a typo costs none.
  const kind = options.kind as TargetKind;
  const checks = options.assert ? parseAssertions(options.assert) : undefined;
  const rows = options.cloudwatch ? await cloudWatchRows(options) : traceRows(options.trace);
  const series = toMinuteSeries(rows, Boolean(options.perIntervalCount));
  const source = options.cloudwatch ? `${options.namespace}/${options.metric}` : options.trace;
  const policy = options.policy
    ? (await import('../../shared/policy/loadPolicyFile')).loadPolicyFile(options.policy)
    : undefined;
  const found = policy?.targets.find((t) => t.kind === kind);
  if (options.policy && !found) throw new CliUsageError(`${options.policy}: no ${kind} target`);
  const target = found && policy && replayedTarget(withPolicyCap(found, policy), options.policy as string);
  if (policy && target) noFloorsNote(policy, target);
  const bar = await progressBar(series.load.length);
  bar?.start(6, 0, { policy: '' });
  const result = runBacktest(series, kind, {
    ...(target ? { target } : {}),
    ...(policy ? { predictive: policy.predictive } : {}),
    onPolicyDone: (name, done, total) => {
      bar?.setTotal(total);
      bar?.update(done, { policy: name });
    },
  });
  bar?.stop();
  // The table and the report need the charts' code: loaded only when asked for (a --json run starts faster).
  const output = options.json && !options.out ? undefined : await import('../lib/backtestOutput');
  if (options.json) console.log(JSON.stringify(result.figures, null, 2));
  else for (const line of output?.figuresTable(result, series.load.length) ?? []) console.log(line);
  if (output && options.out) {
    process.stderr.write(`drawing the report of ${result.timelines.length} policies …\n`);
    const report = await output.writeReport(options.out, result, series, {
      trace: source?.split('/').pop() ?? 'trace',
      kind,
      loadUnit: options.loadUnit ?? (options.perIntervalCount ? 'per minute' : undefined),
      timelines: Boolean(options.timelines),
    });
    // The last line says where the report is (on stderr under --json, which keeps stdout JSON).
    (options.json ? console.error : console.log)(`report: ${report}`);
  }
  if (checks) checkAssertions(checks, result.figures);
}

/**
 * Says on stderr when a predictive target's floors would not act, so the `scalepilot` row replays none and equals
 * `scalepilot-reactive` (as the functions run it: a forecast-only policy publishes forecasts and changes nothing).
 */
function noFloorsNote(policy: Policy, target: Target): void {
  const { enabled, mode } = policy.predictive;
  // A target without `predictive: true` has no floors to replay, as its operator knows.
  if (!target.predictive) return;
  const why = !enabled
    ? `target "${target.name}" has predictive: true, and the policy has predictive.enabled: false`
    : mode !== 'forecast-and-scale'
      ? `target "${target.name}" has predictive: true, and the policy's predictive.mode is ${mode}`
      : undefined;
  if (why)
    console.error(
      `${why}: the scalepilot row replays no floors, the same as scalepilot-reactive (forecast-and-scale replays them)`,
    );
}

/**
 * The policy's target with only the rules the trace can feed (shared/simulate/replayedRules.ts): each rule left
 * out is named in one line on stderr (stdout stays the figures, `--json` too); with none left, one line, exit 1.
 */
function replayedTarget(target: Target, file: string): Target {
  const rules = replayedRules(target);
  if ('refused' in rules) throw new CliUsageError(`${file}: ${rules.refused}`);
  for (const { rule, why } of rules.leftOut)
    console.error(`rule "${rule.name}" not replayed: ${why}; the figures are without it`);
  const kept = new Set([rules.lead, ...rules.replayed]);
  return { ...target, rules: target.rules.filter((r) => kept.has(r)) };
}

/** A progress bar on long runs, on a terminal only (CI logs and pipes stay clean). */
async function progressBar(minutes: number) {
  if (!process.stderr.isTTY || minutes <= 100_000) return undefined;
  const progress = await import('cli-progress');
  return new progress.SingleBar(
    { format: 'backtest [{bar}] {value}/{total} policies  {policy}', stream: process.stderr },
    progress.Presets.shades_classic,
  );
}

/** `--assert`: exit 1 (after printing what it missed) when the scalepilot row misses a check. */
function checkAssertions(
  checks: readonly Assertion[],
  figures: ReturnType<typeof runBacktest>['figures'],
): void {
  const own = figures.find((f) => f.policy === 'scalepilot');
  const failed = own ? failedAssertions(checks, own) : ['no scalepilot row'];
  if (failed.length === 0) return;
  console.error(`scalepilot misses: ${failed.join('; ')}`);
  process.exitCode = 1;
}
