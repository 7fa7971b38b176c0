import { addDays, evaluateCosts, newestCompleteDay, utcDate } from '../cost/evaluateCosts';
import { type PriceTable, scalingCost } from '../cost/scalingCost';
import type { CostAlert, CostEvaluation, MonthForecast, ScalingCost } from '../cost/types';
import type { Decision } from '../decision/types';
import { ScalingError } from '../errors';
import type { Policy } from '../policy/schema';
import type { AlertLedger, Clock, CostAlertChannel, CostReader } from '../ports';
import type { LogSink } from './evaluateTargets';

/** A logged decision, as the cost check reads it back from the ledger. */
export type LoggedDecision = Pick<Decision, 'target' | 'current' | 'desired'> & {
  at: string;
  applied: boolean;
};

export interface CostDeps {
  readonly policy: Policy;
  readonly costs: CostReader;
  readonly alerts: AlertLedger;
  /** The target's decisions taken in [from, to). */
  readonly decisions: (target: string, from: Date, to: Date) => Promise<readonly LoggedDecision[]>;
  readonly channels: readonly CostAlertChannel[];
  readonly clock: Clock;
  readonly log: LogSink;
  readonly region: string;
  readonly prices: PriceTable;
}

export interface CostRun {
  readonly evaluation: CostEvaluation;
  readonly sent: readonly { key: string; channel: string }[];
  readonly alreadySent: readonly { key: string; channel: string }[];
}

/** Some alerts could not be sent; `cause` holds each failure. The claims were given back for the next run. */
export class CostAlertDeliveryError extends ScalingError {}

/**
 * One run of the cost check: read Cost Explorer and the ledger, evaluate (pure), then send each alert on
 * each channel once per day: the claim in the ledger is a conditional write, taken before sending and
 * given back if sending fails. With `send: false` (the CLI) nothing is claimed or sent.
 */
export async function alertCosts(
  deps: CostDeps,
  check: 'daily' | 'forecast',
  { send = true }: { send?: boolean } = {},
): Promise<CostRun> {
  const { policy, log } = deps;
  const cost = policy.cost;
  const now = deps.clock.now();
  if (!cost) {
    log.info('cost check skipped: the policy has no cost section');
    return {
      evaluation: { alerts: [], notes: ['the policy has no cost section'], scaling: [] },
      sent: [],
      alreadySent: [],
    };
  }
  const { start, end: today, day, monthStart } = costReadRange(cost, now);
  const days = await deps.costs.dailyCosts(start, today);
  const forecast =
    cost.monthlyBudgetUsd === undefined ? undefined : await monthForecast(deps, days, today, monthStart);
  const scaling = check === 'daily' ? await scalingCosts(deps, day) : [];
  const evaluation = evaluateCosts({
    cost,
    now,
    check,
    days,
    scaling,
    region: deps.region,
    ...(forecast ? { forecast } : {}),
  });
  for (const note of evaluation.notes) log.info('cost check', { check, note });

  const sent: CostRun['sent'][number][] = [];
  const alreadySent: CostRun['alreadySent'][number][] = [];
  const failures: { key: string; channel: string; error: unknown }[] = [];
  if (!send) return { evaluation, sent, alreadySent };
  for (const alert of evaluation.alerts) {
    for (const channel of deps.channels) {
      const claim = `${alert.key}#${channel.channel}`;
      if (!(await deps.alerts.claimAlert(alert.day, claim, now))) {
        log.info('cost alert already sent today', {
          key: alert.key,
          day: alert.day,
          channel: channel.channel,
        });
        alreadySent.push({ key: alert.key, channel: channel.channel });
        continue;
      }
      try {
        await channel.costAlert(alert);
        log.info('cost alert sent', summary(alert, channel.channel));
        sent.push({ key: alert.key, channel: channel.channel });
      } catch (error) {
        await deps.alerts.releaseAlert(alert.day, claim);
        log.error('cost alert not sent', { ...summary(alert, channel.channel), error: String(error) });
        failures.push({ key: alert.key, channel: channel.channel, error });
      }
    }
  }
  if (failures.length > 0)
    throw new CostAlertDeliveryError(
      `${failures.length} cost alert(s) not sent: ${failures.map((f) => `${f.key} on ${f.channel}`).join(', ')}`,
      { cause: failures },
    );
  return { evaluation, sent, alreadySent };
}

/**
 * The days one run reads from Cost Explorer, [start, end): the trailing window before the compared day
 * and the month so far, up to today (never compared, but not asked for either).
 */
export function costReadRange(cost: NonNullable<Policy['cost']>, now: Date) {
  const end = utcDate(now.getTime());
  const day = newestCompleteDay(now, cost.completeAfterHours);
  const monthStart = `${end.slice(0, 7)}-01`;
  const start = [addDays(day, -cost.anomaly.trailingDays), monthStart].sort()[0] as string;
  return { start, end, day, monthStart };
}

function summary(alert: CostAlert, channel: string) {
  return { key: alert.key, day: alert.day, figure: alert.figure, limit: alert.limit, channel };
}

async function monthForecast(
  deps: CostDeps,
  days: Awaited<ReturnType<CostReader['dailyCosts']>>,
  today: string,
  monthStart: string,
): Promise<MonthForecast> {
  const nextMonth = utcDate(Date.UTC(Number(today.slice(0, 4)), Number(today.slice(5, 7)), 1));
  const monthToDate = days
    .filter((d) => d.date >= monthStart && d.date < today)
    .reduce((a, d) => a + d.total, 0);
  const remaining = await deps.costs.forecast(today, nextMonth);
  return { month: today.slice(0, 7), monthToDate, remaining };
}

async function scalingCosts(deps: CostDeps, day: string): Promise<ScalingCost[]> {
  const from = new Date(`${day}T00:00:00Z`);
  const to = new Date(`${addDays(day, 1)}T00:00:00Z`);
  const result: ScalingCost[] = [];
  for (const target of deps.policy.targets) {
    // Every decision, applied or not, records the capacity it saw: together they trace the day's capacity.
    const changes = (await deps.decisions(target.name, from, to)).map((d) => ({
      at: new Date(d.at),
      from: d.current,
      to: d.applied ? d.desired : d.current,
    }));
    result.push(scalingCost(target, changes, { from, to }, deps.region, deps.prices));
  }
  return result;
}
