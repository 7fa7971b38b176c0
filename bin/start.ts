// `npm start`: the whole system on an emulated AWS account (no account, no Docker). It starts moto, deploys
// the stack into it with `sls deploy`, creates the demo resources and the policy's alarms, then replays a
// trace in virtual time through the deployed functions' handlers, printing each decision, and ends with
// the backtest figures and the chart of the replayed window. Ctrl-C stops it and the emulator.
import { basename, join, relative, resolve } from 'node:path';
import { MultiBar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import type { Decision } from '../shared/decision/types';
import { loadPolicyFile } from '../shared/policy/loadPolicyFile';
import type { Target } from '../shared/policy/schema';
import { withPolicyCap } from '../shared/policy/withPolicyCap';
import { figures, unitsFor } from '../shared/simulate/engine';
import { backtestScenario, runBacktest } from '../shared/simulate/runBacktest';
import { type MinuteSeries, parseTraceCsv, seriesWindow, toMinuteSeries } from '../shared/simulate/trace';
import { figuresTable, replayDecisionMarks, writeReport } from './lib/backtestOutput';
import { outFolder, readOptionFile, stageOption } from './lib/cliOptions';
import { type LocalAccount, startLocalAccount } from './lib/localAccount';
import { BACKFILL_DAYS, backfillDemand, planReplay, planStartUnits } from './lib/planReplay';
import { planStepLine, predictionLines } from './lib/planSteps';
import { type ReplayedDecision, replay } from './lib/replay';
import { strictCommand } from './lib/strictOptions';
import { utcTime } from './lib/utcTime';

const ROOT = resolve(import.meta.dirname, '..');
const NYC_TAXI = resolve(ROOT, '../shared/traces/nyc_taxi.csv');
/** The bundled trace's third morning: quiet at 08:00, six times busier by 13:00, two days of history before it. */
const NYC_RUSH = '2014-07-03T08:00:00Z';
const number = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number ≥ 0`);
  return n;
};
const program = new Command('start')
  .description('run Scalepilot on a local emulated AWS account and replay a trace through it')
  .option('--policy <file>', 'policy file', join(ROOT, 'examples/event-platform.scalepilot.yml'))
  .option('--trace <file>', 'metric trace (CSV timestamp,value)', NYC_TAXI)
  .option(
    '--from <time>',
    `where in the trace to start (a time in UTC unless it names a zone; default: the bundled trace's morning rush of ${NYC_RUSH.slice(0, 10)}, another trace ${BACKFILL_DAYS} days after its start: the plan's forecast needs a day of history)`,
  )
  .option('--hours <n>', 'virtual hours to replay', number('--hours'), 6)
  .option(
    '--speed <x>',
    'virtual seconds per real second (0: as fast as the emulator answers)',
    number('--speed'),
    0,
  )
  .addOption(stageOption('stage to deploy', 'local'))
  .option('--no-plan', "replay without the policy's plan: only its asg targets follow the trace")
  .option('--out <dir>', 'where the report goes', 'scalepilot-out/local');
// As every scalepilot command: an option given twice or empty is refused, not taken silently.
strictCommand(program);
const options = program.parse().opts<{
  policy: string;
  trace: string;
  from?: string;
  hours: number;
  speed: number;
  stage: string;
  out: string;
  plan: boolean;
}>();

// The in-process functions' own JSON logs and EMF output would drown the replay's; their decisions are
// printed here and kept in the ledger table.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const { series, history } = (() => {
  try {
    // The report is written after the replay: a folder it cannot make is said now, not minutes later.
    outFolder('--out', options.out);
    return replayWindow(options.trace, options.from, options.hours);
  } catch (error) {
    // Bad options or a bad trace: say what and where, start nothing.
    console.error(`✖ ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
})();
const aborter = new AbortController();
let local: LocalAccount | undefined;
process.once('SIGINT', () => {
  console.error('\ninterrupted: stopping the emulator');
  aborter.abort();
  // A second Ctrl-C, or a stop that hangs, still leaves nothing behind: the emulator dies with us.
  process.once('SIGINT', () => process.exit(130));
});

try {
  const asgTargets = (t: Target) => t.kind === 'asg';
  // The plan's members start where the plan wants them for the first minute; the other groups at their need.
  const policy = loadPolicyFile(options.policy);
  const planned = options.plan ? planReplay(policy, series) : undefined;
  const startUnits = planned
    ? planStartUnits(policy, planned, series.load[0] ?? 0)
    : new Map<string, number>();
  local = await startLocalAccount({
    policyFile: options.policy,
    stage: options.stage,
    signal: aborter.signal,
    // The plan's lead-time-shifted floors act only when predict writes them.
    ...(options.plan ? { predictiveMode: 'forecast-and-scale' as const } : {}),
    initialCapacity: (target) =>
      startUnits.get(target.name) ??
      (asgTargets(target) ? unitsFor(series.load[0] ?? 0, scenarioOf(target)) : target.capacity.min),
    progress: (step) => console.log(`✔ ${step}`),
  });
  const plan = planned;
  const driven = local.policy.targets.filter((t) => asgTargets(t) || plan?.members.has(t.name));
  if (driven.length === 0) throw new Error(`${options.policy}: no asg target for the trace to drive`);
  if (plan) {
    const published = await backfillDemand(local, plan, history);
    console.log(
      `✔ plan ${plan.plan.name}: its demand (${plan.metric.namespace} ${plan.metric.name}) published from the trace, ${Math.round(published / 60)} h of it before the window for predict's forecast; ${[...plan.members.keys()].filter((m) => m !== plan.entry).join(', ')} see what ${plan.entry} serves`,
    );
  }
  const others = local.policy.targets.filter((t) => !driven.includes(t)).map((t) => t.name);
  console.log(
    `▶ replaying ${basename(options.trace)} from ${iso(series.start)} for ${series.load.length} virtual minutes, driving ${driven.map((t) => t.name).join(', ')}${others.length ? `; ${others.join(', ')} read steady in-band metrics` : ''}`,
  );
  console.log(
    `  read the decisions while it runs: npx scalepilot decisions ${relative(process.cwd(), options.policy)} --stage ${options.stage} --endpoint ${local.emulator.endpoint}\n`,
  );
  const bar = process.stdout.isTTY
    ? new MultiBar(
        { format: '  [{bar}] {percentage}% | {time} | {capacity} | {decisions} decisions', hideCursor: true },
        Presets.shades_classic,
      )
    : undefined;
  const progress = bar?.create(series.load.length, 0, {
    time: iso(series.start),
    capacity: '',
    decisions: 0,
  });
  const say = (line: string) => (bar ? bar.log(`${line}\n`) : console.log(line));
  let decided = 0;
  const errors = new Set<string>();
  const result = await replay(local, {
    series,
    driven: new Map(driven.map((t) => [t.name, plan?.members.get(t.name) ?? scenarioOf(t)])),
    ...(plan ? { plan } : {}),
    onPrediction: (outcomes, minute) => {
      for (const line of predictionLines(outcomes, plan, series.start + minute * 60_000)) say(line);
    },
    speed: options.speed,
    signal: aborter.signal,
    onDecision: (d) => {
      decided += 1;
      if (d.evaluation.decision.direction !== 'none' && d.evaluation.applied)
        say(planStepLine(d, plan, series.start) ?? decisionLine(d, series));
    },
    onError: (fn, error, minute) => {
      const message = `${fn}: ${error instanceof Error ? error.message : String(error)}`;
      if (!errors.has(message)) say(`  ✖ ${iso(series.start + minute * 60_000)}  ${message}`);
      errors.add(message);
    },
    onCostCheck: (check, notes, alerts, minute) =>
      say(
        `  ${iso(series.start + minute * 60_000)}  alert-cost (${check}): ${alerts} alert(s); ${notes.join('; ')}`,
      ),
    onMinute: (p) => {
      const capacity = [...p.ordered].map(([t, n]) => `${t} ${n}`).join(', ');
      progress?.update(p.minute + 1, { time: iso(p.now.getTime()), capacity, decisions: decided });
      if (!bar && p.minute % 60 === 0 && p.minute > 0)
        console.log(`  … ${iso(p.now.getTime())}  ${capacity}`);
    },
  });
  bar?.stop();

  const reasons = new Map<string, number>();
  for (const d of result.decisions) {
    const key = `${d.evaluation.decision.target} ${d.evaluation.decision.reason}`;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  console.log(
    `\n${result.decisions.length} decisions in ${result.minutes} virtual minutes (all in the ledger table):`,
  );
  for (const [key, n] of [...reasons].sort()) console.log(`  ${String(n).padStart(5)}  ${key}`);

  const window = series;
  // The members behind the plan's entry see what it served, not the trace: no backtest of their own compares.
  const reported = driven.filter((t) => !plan?.members.has(t.name) || t.name === plan?.entry);
  for (const target of aborter.signal.aborted ? [] : reported) {
    const timeline = result.timelines.get(target.name);
    if (!timeline) continue;
    const backtest = runBacktest(window, target.kind, {
      target: withPolicyCap(target, local.policy),
      predictive: local.policy.predictive,
    });
    const oracleCost = backtest.figures[0]?.cost ?? 1;
    const withLive = {
      ...backtest,
      timelines: [...backtest.timelines, timeline],
      figures: [...backtest.figures, figures(timeline, backtest.scenario, oracleCost)],
    };
    console.log(
      `\n${target.name}: the emulator's run (scalepilot-emulator) against the backtest of the same window`,
    );
    for (const line of figuresTable(withLive, window.load.length)) console.log(line);
    const out = join(options.out, target.name);
    // The emulator's run is marked with the decisions the functions took, reason codes and messages.
    const report = await writeReport(out, withLive, window, {
      trace: basename(options.trace),
      kind: target.kind,
      title: `Local account: ${basename(options.trace)} through ${target.name}`,
      decisions: {
        'scalepilot-emulator': replayDecisionMarks(result.decisions, target.name),
      },
    });
    console.log(`report: ${report}`);
  }
  if (errors.size > 0) process.exitCode = 1;
  if (aborter.signal.aborted) process.exitCode = 130;
} catch (error) {
  if (!aborter.signal.aborted) {
    console.error(`✖ ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  } else process.exitCode = 130;
} finally {
  await local?.stop();
}

/** The replayed window, and up to BACKFILL_DAYS of the trace before it (the plan's demand history). */
function replayWindow(
  file: string,
  from: string | undefined,
  hours: number,
): { series: MinuteSeries; history: MinuteSeries } {
  // As every command reads a trace: a missing file, a folder, one that never ends or is UTF-16 said in one line.
  const full = toMinuteSeries(parseTraceCsv(readOptionFile('--trace', file), file), false);
  const startAt =
    from !== undefined
      ? utcTime('--from', from, new Date()).time
      : resolve(file) === NYC_TAXI
        ? Date.parse(NYC_RUSH)
        : Math.min(
            full.start + BACKFILL_DAYS * 86_400_000,
            full.start + (full.load.length - hours * 60) * 60_000,
          );
  try {
    const series = seriesWindow(full, startAt, Math.round(hours * 60), file);
    const historyStart = Math.max(full.start, startAt - BACKFILL_DAYS * 86_400_000);
    const history = {
      ...full,
      start: historyStart,
      load: full.load.slice(
        Math.round((historyStart - full.start) / 60_000),
        Math.round((startAt - full.start) / 60_000),
      ),
    };
    return { series, history };
  } catch (error) {
    throw new InvalidArgumentError(`--from: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The backtest's scenario for the replayed window and a target, so the emulator's run and the backtest compare. */
function scenarioOf(target: Target) {
  return backtestScenario(series.load, target.kind, target);
}

function decisionLine(d: ReplayedDecision, s: MinuteSeries): string {
  const x: Decision = d.evaluation.decision;
  const via = d.trigger === 'alarm' ? `alarm ${d.alarmName}` : 'schedule';
  return `  ${iso(s.start + d.minute * 60_000)}  ${x.target}  ${x.current} → ${x.desired}  ${x.reason}  ${x.message} (${via})`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}
