import type { Command } from 'commander';
import { CostExplorerReader } from '../../shared/adapters/CostExplorerReader';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { ElastiCacheShardCapacity } from '../../shared/adapters/ElastiCacheShardCapacity';
import { bundledPrices } from '../../shared/cost/bundledPrices';
import { scalingLine, usd } from '../../shared/cost/costMessage';
import { addDays, COMPARED_DAYS, newestCompleteDay, utcDate } from '../../shared/cost/evaluateCosts';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import type { Policy } from '../../shared/policy/schema';
import { alertCosts, type CostDeps } from '../../shared/usecases/alertCosts';
import {
  awsFrom,
  CliUsageError,
  DEFAULT_POLICY,
  deployedEnvironment,
  endpointOption,
  stageOption,
  wholeNumber,
} from '../lib/cliOptions';
import { OneReadCostReader } from '../lib/oneReadCostReader';

/** Adds `scalepilot costs` to the CLI. */
export function registerCosts(program: Command): void {
  program
    .command('costs')
    .argument('[file]', 'policy file', DEFAULT_POLICY)
    .description(
      'print the cost check of the last N complete days, and the month-end forecast; sends nothing',
    )
    .option('--days <n>', 'how many complete days', '7')
    .addOption(stageOption('stage the stack was deployed with (its ledger has the scaling decisions)'))
    .addOption(endpointOption())
    .option('--json', 'print JSON')
    .action(async (file: string, options: CostsOptions) => {
      const policy = loadPolicyFile(file);
      const cost = policy.cost;
      if (!cost) throw new CliUsageError(`${file}: no cost section`);
      const days = wholeNumber('--days', options.days, 1, 365);
      const { rows, forecast } = await costChecks(policy, cost, days, options);
      if (options.json) console.log(JSON.stringify({ days: rows, forecast }, null, 2));
      else printCosts(cost, rows, forecast);
    });
}

interface CostsOptions {
  days: string;
  stage: string;
  endpoint?: string;
  json?: boolean;
}

type CostSection = NonNullable<Policy['cost']>;
type CostCheck = Awaited<ReturnType<typeof alertCosts>>['evaluation'];

/**
 * The daily check of each of the last N complete days, as the run the morning after it would have made it,
 * and the month-end forecast for today (it cannot start in the past); nothing sent, nothing recorded.
 */
async function costChecks(policy: Policy, cost: CostSection, count: number, options: CostsOptions) {
  const aws = awsFrom(options);
  const env = await deployedEnvironment(aws, options.stage, 'alertCost');
  const ledger = new DynamoLedger(aws, env.LEDGER_TABLE ?? '', env.SCALEPILOT_SCOPE ?? '');
  const now = new Date();
  const newest = newestCompleteDay(now, cost.completeAfterHours);
  // One Cost Explorer read for every day shown (each request is billed).
  const costs = new OneReadCostReader(new CostExplorerReader(aws));
  const deps = (at: Date, withBudget: boolean): CostDeps => ({
    policy: {
      ...policy,
      cost: { ...cost, monthlyBudgetUsd: withBudget ? cost.monthlyBudgetUsd : undefined },
    },
    costs,
    // send: false never claims; nothing is recorded.
    alerts: {
      claimAlert: async () => ({ status: 'sent' as const }),
      markAlertSent: async () => false,
      releaseAlert: async () => {},
    },
    decisions: (target, from, to) => ledger.decisions(target, { from, to }),
    channels: [],
    clock: { now: () => at },
    log: { info() {}, warn() {}, error: (m, ...x) => console.error(m, JSON.stringify(x)) },
    region: aws.region,
    prices: bundledPrices,
    liveUnit: (target) => new ElastiCacheShardCapacity(aws).liveUnit(target),
  });
  const first = addDays(newest, 1 - count);
  // Each morning run also compares the day(s) before its newest (Cost Explorer may still be filling them in).
  const oldest = addDays(first, 1 - COMPARED_DAYS);
  await costs.prefetch(addDays(oldest, -cost.anomaly.trailingDays), utcDate(now.getTime()));
  const rows: CostCheck[] = [];
  for (let i = 0; i < count; i += 1) {
    const day = addDays(first, i);
    const at = new Date(Date.parse(`${addDays(day, 1)}T00:00:00Z`) + cost.completeAfterHours * 3_600_000);
    const { evaluation } = await alertCosts(deps(at, false), 'daily', { send: false });
    // One read of today's figures: a day compared again by the next morning's run alerts the same, so a row
    // shows its own day's alerts only.
    rows.push({ ...evaluation, alerts: evaluation.alerts.filter((a) => a.day === day) });
  }
  const forecast = cost.monthlyBudgetUsd
    ? (await alertCosts(deps(now, true), 'forecast', { send: false })).evaluation
    : undefined;
  return { rows, forecast };
}

/** One line a day (spend, limit, alerts, Scalepilot's scaling), the forecast's verdict, then each alert's text. */
function printCosts(cost: CostSection, rows: readonly CostCheck[], forecast: CostCheck | undefined): void {
  console.log(['day', 'spend', 'limit', 'alerts', "Scalepilot's scaling"].join('\t'));
  for (const e of rows) {
    const scaling = e.scaling.map(scalingLine).join('; ');
    const spend = e.dayCost ? usd(e.dayCost.total) : 'no data';
    const alerts = e.alerts.map((a) => a.key).join(', ') || '-';
    console.log([e.day ?? '', spend, usd(cost.dailyLimitUsd), alerts, scaling].join('\t'));
  }
  if (forecast?.forecast) {
    const f = forecast.forecast;
    const verdict = forecast.alerts.length > 0 ? 'OVER budget' : 'within budget';
    console.log(
      `forecast ${f.month}: ${usd(f.monthToDate + f.remaining)} (${usd(f.monthToDate)} so far + ${usd(f.remaining)}), ${verdict} of ${usd(cost.monthlyBudgetUsd ?? 0)}`,
    );
  }
  for (const e of rows) for (const a of e.alerts) console.log(`\n${a.subject}\n${a.text}`);
}
