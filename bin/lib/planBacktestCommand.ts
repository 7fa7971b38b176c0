import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { metricHistory } from '../../shared/adapters/CloudWatchMetricsReader';
import { bundledPrices } from '../../shared/cost/bundledPrices';
import { PolicyValidationError, ScalingError } from '../../shared/errors';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import { planDemandMetric } from '../../shared/policy/planDemandMetric';
import type { Policy } from '../../shared/policy/schema';
import { planReport } from '../../shared/report/planReport';
import { pngFromSvg } from '../../shared/report/render';
import {
  findPlan,
  type PlanBacktestResult,
  planTimelineCsv,
  runPlanBacktest,
} from '../../shared/simulate/planBacktest';
import { planReplayedRules } from '../../shared/simulate/planReplayedRules';
import { toMinuteSeries } from '../../shared/simulate/trace';
import {
  awsFrom,
  CliUsageError,
  cloudWatchRows,
  type HistorySourceOptions,
  traceRows,
  wholeNumber,
} from './cliOptions';

/** The options `scalepilot backtest --plan` reads. */
export interface PlanBacktestOptions extends HistorySourceOptions {
  readonly plan: string;
  readonly policy?: string;
  readonly perIntervalCount?: boolean;
  readonly out?: string;
  readonly loadUnit?: string;
  readonly json?: boolean;
}

/**
 * `scalepilot backtest --plan NAME`: one demand trace through the plan's members (backtest.md, Plans): a file,
 * a CloudWatch metric, or with `--cloudwatch` alone the plan's own demand signal; the three rows printed (or as JSON), and with --out a timeline CSV per policy, report.html and chart.png.
 * Each member replays the rules its utilisation in % can feed (planReplayedRules.ts): a rule on a count or on
 * SampleCount is named in one line on stderr. A bad invocation (no policy, no such plan, a member none of whose rules can be
 * replayed, a member without a price) is one line on stderr, exit 1.
 */
export async function planBacktestCommand(options: PlanBacktestOptions): Promise<void> {
  try {
    if (!options.policy) throw new ScalingError('--plan needs --policy FILE: the plan is read from it');
    const policy = loadPolicyFile(options.policy);
    // Each member replays only the rules its utilisation can feed; checked before the trace or CloudWatch is read.
    const replay = planReplayedRules(policy, findPlan(policy, options.plan));
    if ('refused' in replay) {
      for (const line of replay.refused) console.error(`backtest --plan: ${line}`);
      process.exitCode = 1;
      return;
    }
    const rows = !options.cloudwatch
      ? traceRows(options.trace)
      : options.namespace || options.metric
        ? await cloudWatchRows(options)
        : await demandRows(policy, options.plan, wholeNumber('--days', options.days, 1, 455));
    const series = toMinuteSeries(rows, Boolean(options.perIntervalCount));
    // On stderr, so stdout stays the figures (`--json` too).
    for (const note of replay.notes) console.error(note);
    const result = runPlanBacktest(series, replay.policy, options.plan, { prices: bundledPrices });
    if (options.json) console.log(JSON.stringify(result.figures, null, 2));
    else for (const line of planFiguresTable(result, series.load.length)) console.log(line);
    if (!options.out) return;
    mkdirSync(options.out, { recursive: true });
    for (const t of result.timelines)
      writeFileSync(join(options.out, `${t.policy}.csv`), planTimelineCsv(t, series));
    const source = options.cloudwatch
      ? `${options.namespace ?? 'demand'}/${options.metric ?? options.plan}`
      : options.trace;
    const report = await planReport(result, series, {
      trace: source?.split('/').pop() ?? 'trace',
      ...(options.loadUnit || options.perIntervalCount ? { loadUnit: options.loadUnit ?? 'per minute' } : {}),
    });
    const file = join(options.out, 'report.html');
    writeFileSync(file, report.html);
    writeFileSync(join(options.out, 'chart.png'), pngFromSvg(report.overview));
    (options.json ? console.error : console.log)(`report: ${file}`);
  } catch (error) {
    // The policy's own problems are PolicyValidationErrors, printed by the CLI; these are the plan backtest's.
    if (!(error instanceof ScalingError) || error instanceof PolicyValidationError) throw error;
    // A usage error names its option already (`backtest --trace: FILE: …`).
    console.error(error instanceof CliUsageError ? error.message : `backtest --plan: ${error.message}`);
    process.exitCode = 1;
  }
}

/**
 * The plan's own demand over the last `days` from CloudWatch, at one minute: its `demand.metric`, or the metric
 * of the member's rule it names (scoped to that target's resource, as the rule reads it).
 */
async function demandRows(policy: Policy, planName: string, days: number) {
  const plan = findPlan(policy, planName);
  const metric = planDemandMetric(policy, plan);
  if (!metric) throw new ScalingError(`plan ${plan.name}: no demand metric to read`);
  const end = new Date();
  const start = new Date(end.getTime() - days * 86_400_000);
  const client = new CloudWatchClient(clientOptions(await awsFrom()));
  const rows = await metricHistory(client, { ...metric, periodSeconds: 60 }, start, end);
  if (rows.length === 0)
    throw new ScalingError(
      `plan ${plan.name}: no datapoints of its demand (${metric.namespace}/${metric.name}) in the last ${days} days`,
    );
  return rows;
}

/** The members' scenario and the three rows, tab-separated, cost in USD with the prices it used. */
export function planFiguresTable(result: PlanBacktestResult, minutes: number): string[] {
  const members = result.scenario.members.map((s, i) => {
    const lead = result.model.members[i]?.leadMinutes;
    return `${s.name} (${s.kind}): unit ${s.unitCapacity.toFixed(3)}, range ${s.min}..${s.max}, delay ${s.delay} min, lead ${lead} min, $${s.usdPerUnitHour}/h a unit (${s.unitType})`;
  });
  return [
    `plan ${result.plan}: ${minutes} minutes, T ${result.scenario.members[0]?.targetUtilisation}; prices: bundled on-demand, us-east-1`,
    ...members.map((m) => `  ${m}`),
    [
      'policy',
      'system overload min',
      'downstream overload min',
      'unserved %',
      'cost USD',
      ...result.scenario.members.map((s) => `${s.name} USD`),
      'actions',
    ].join('\t'),
    ...result.figures.map((f) =>
      [
        f.policy,
        f.overloadMinutes,
        f.downstreamOverloadMinutes,
        f.unservedPercent.toFixed(4),
        f.cost.toFixed(2),
        ...f.members.map((k) => k.cost.toFixed(2)),
        f.actions,
      ].join('\t'),
    ),
  ];
}
