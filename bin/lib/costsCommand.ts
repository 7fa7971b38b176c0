import type { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import type { AwsConfig } from '../../shared/adapters/awsConfig';
import { CostExplorerReader } from '../../shared/adapters/CostExplorerReader';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { ElastiCacheShardCapacity } from '../../shared/adapters/ElastiCacheShardCapacity';
import { bundledPrices } from '../../shared/cost/bundledPrices';
import { scalingLine, usd } from '../../shared/cost/costMessage';
import { addDays, COMPARED_DAYS, newestCompleteDay, utcDate } from '../../shared/cost/evaluateCosts';
import type { CostEvaluation } from '../../shared/cost/types';
import type { Policy, Target } from '../../shared/policy/schema';
import { alertCosts, type CostDeps } from '../../shared/usecases/alertCosts';
import { deployedEnvironment } from './cliOptions';
import { OneReadCostReader } from './OneReadCostReader';
import { onceEach } from './onceEach';

type CostSection = NonNullable<Policy['cost']>;

/** What `scalepilot costs` found: a check per day, and the month-end forecast or why there is none. */
export interface CostsReport {
  /** Oldest first; each names its day, and holds the alerts and notes about that day. */
  readonly days: readonly CostEvaluation[];
  readonly forecast?: CostEvaluation;
  /** The forecast's read failed: the daily checks stand, and the command ends failed, as the cost function's run does. */
  readonly forecastError?: string;
}

export interface CostsRequest {
  readonly aws: AwsConfig;
  readonly stage: string;
  readonly days: number;
  readonly now: Date;
  /** The Cost Explorer client to read through (tests); else one for `aws`. */
  readonly costExplorer?: CostExplorerClient;
  /** The ledger to read decisions from (tests count its reads); else the stage's. */
  readonly ledger?: Pick<DynamoLedger, 'decisions'>;
}

/**
 * The daily check of each of the last N complete days, as the run the morning after it would have made it,
 * and the month-end forecast for today (it cannot start in the past); nothing sent, nothing recorded. A
 * forecast that cannot be read is said in `forecastError`, and the daily checks are kept.
 */
export async function costsReport(
  policy: Policy,
  cost: CostSection,
  request: CostsRequest,
): Promise<CostsReport> {
  const { aws, now } = request;
  const env = await deployedEnvironment(aws, request.stage, 'alertCost');
  const ledger = request.ledger ?? new DynamoLedger(aws, env.LEDGER_TABLE ?? '', env.SCALEPILOT_SCOPE ?? '');
  const newest = newestCompleteDay(now, cost.completeAfterHours);
  // One Cost Explorer read for every day shown (each request is billed).
  const costs = new OneReadCostReader(new CostExplorerReader(aws, request.costExplorer));
  // Each morning's check compares the day before too: one ledger read per target and day, one unit read per
  // cache target, whatever the number of checks that compare them.
  const decisions = onceEach(
    (target: string, from: Date, to: Date) => `${target} ${from.toISOString()} ${to.toISOString()}`,
    (target: string, from: Date, to: Date) => ledger.decisions(target, { from, to }),
  );
  const cache = new ElastiCacheShardCapacity(aws);
  const liveUnit = onceEach(
    (target: Target) => target.name,
    (target: Target) => cache.liveUnit(target),
  );
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
    decisions,
    channels: [],
    clock: { now: () => at },
    log: { info() {}, warn() {}, error: (m, ...x) => console.error(m, JSON.stringify(x)) },
    region: aws.region,
    prices: bundledPrices,
    liveUnit,
  });
  const first = addDays(newest, 1 - request.days);
  // Each morning run also compares the day(s) before its newest (Cost Explorer may still be filling them in).
  const oldest = addDays(first, 1 - COMPARED_DAYS);
  // The trailing window before the oldest day, and the month so far (the forecast's month-to-date): the reader
  // answers only from this one read, so a shorter one printed a month-to-date without its first days.
  const today = utcDate(now.getTime());
  const readFrom = [
    addDays(oldest, -cost.anomaly.trailingDays),
    `${today.slice(0, 7)}-01`,
  ].sort()[0] as string;
  await costs.prefetch(readFrom, today);
  const days: CostEvaluation[] = [];
  for (let i = 0; i < request.days; i += 1) {
    const day = addDays(first, i);
    const at = new Date(Date.parse(`${addDays(day, 1)}T00:00:00Z`) + cost.completeAfterHours * 3_600_000);
    const { evaluation } = await alertCosts(deps(at, false), 'daily', { send: false });
    // One read of the figures: a day compared again by the next morning's run alerts (and notes) the same, so
    // a row shows its own day's only. Every note of a daily check names its day.
    days.push({
      ...evaluation,
      alerts: evaluation.alerts.filter((a) => a.day === day),
      notes: evaluation.notes.filter((n) => n.includes(day)),
    });
  }
  if (!cost.monthlyBudgetUsd) return { days };
  try {
    return { days, forecast: (await alertCosts(deps(now, true), 'forecast', { send: false })).evaluation };
  } catch (error) {
    return { days, forecastError: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * One line a day (spend, limit, alerts, Scalepilot's scaling), the forecast's verdict, each day's notes (and
 * why there is no forecast), then each alert's text. A forecast that failed is the caller's line to print.
 */
export function costsLines(cost: CostSection, report: CostsReport): string[] {
  const lines = [['day', 'spend', 'limit', 'alerts', "Scalepilot's scaling"].join('\t')];
  for (const e of report.days) {
    const scaling = e.scaling.map(scalingLine).join('; ');
    const spend = e.dayCost ? usd(e.dayCost.total) : 'no data';
    const alerts = e.alerts.map((a) => a.key).join(', ') || '-';
    lines.push([e.day ?? '', spend, usd(cost.dailyLimitUsd), alerts, scaling].join('\t'));
  }
  const forecast = report.forecast;
  if (forecast?.forecast) {
    const f = forecast.forecast;
    const verdict = forecast.alerts.length > 0 ? 'OVER budget' : 'within budget';
    lines.push(
      `forecast ${f.month}: ${usd(f.monthToDate + f.remaining)} (${usd(f.monthToDate)} so far + ${usd(f.remaining)}), ${verdict} of ${usd(cost.monthlyBudgetUsd ?? 0)}`,
    );
  }
  // The forecast's own note says the verdict the line above gives; without a forecast it says why there is none.
  const forecastNotes = forecast && !forecast.forecast ? forecast.notes : [];
  for (const note of [...report.days.flatMap((e) => e.notes), ...forecastNotes]) lines.push(`note: ${note}`);
  for (const e of report.days) for (const a of e.alerts) lines.push(`\n${a.subject}\n${a.text}`);
  return lines;
}
