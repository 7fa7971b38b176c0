import { addDays, comparedDays, evaluateCosts, utcDate } from '../cost/evaluateCosts';
import type { PriceTable } from '../cost/priceTable';
import { type LiveUnit, needsLiveUnit, scalingCost } from '../cost/scalingCost';
import type { CostAlert, CostEvaluation, MonthForecast, ScalingCost } from '../cost/types';
import type { Decision, EngineSeen } from '../decision/types';
import { ScalingError } from '../errors';
import type { Policy, Target } from '../policy/schema';
import type { Clock, CostAlertChannel, CostReader, DecisionContext } from '../ports';
import type { LogSink } from './evaluateTargets';

/** A logged decision, as the cost check reads it back from the ledger. */
export type LoggedDecision = Pick<
  Decision,
  'target' | 'current' | 'desired' | 'unit' | 'replicasPerShard' | 'engine'
> & {
  at: string;
  applied: boolean;
  reason?: Decision['reason'];
  trigger?: DecisionContext['trigger'];
};

/** What claiming one alert's delivery found. */
export type AlertClaim =
  | { readonly status: 'claimed'; readonly token: string }
  | { readonly status: 'sent' }
  | { readonly status: 'in-progress'; readonly until: Date };

/**
 * The once-per-day delivery record of the cost alerts, per (day, alert key and channel). A claim is a
 * conditional write with an expiry, taken just before sending, so two racing runs do not both send; the
 * alert is marked sent only after the channel took it, so a run that dies in between leaves a claim that
 * expires, and the next run sends.
 */
export interface AlertDeliveries {
  /** `claimed` when this run may send (no record, or an expired claim); else `sent` or `in-progress`. */
  claimAlert(day: string, key: string, now: Date, holdSeconds: number): Promise<AlertClaim>;
  /** Turns the claim into `sent`; false when the claim is no longer this run's (it expired and was taken). */
  markAlertSent(day: string, key: string, token: string, now: Date): Promise<boolean>;
  /** Gives the claim back (the message could not be sent), so the next run sends without waiting. */
  releaseAlert(day: string, key: string, token: string): Promise<void>;
}

/** How long a claim holds by default: the cost function's timeout, the longest its holder can live. */
export const ALERT_CLAIM_SECONDS = 120;

export interface CostDeps {
  readonly policy: Policy;
  readonly costs: CostReader;
  readonly alerts: AlertDeliveries;
  /** The target's decisions taken in [from, to). */
  readonly decisions: (target: string, from: Date, to: Date) => Promise<readonly LoggedDecision[]>;
  readonly channels: readonly CostAlertChannel[];
  readonly clock: Clock;
  readonly log: LogSink;
  readonly region: string;
  readonly prices: PriceTable;
  /**
   * What one unit is, read from the resource, where the policy leaves it out (a cache group's node type, and its
   * engine, used when no decision of the day recorded one).
   */
  readonly liveUnit?: (target: Target) => Promise<LiveUnit>;
  /** Counts a write to the delivery records that failed (the `RecordFailures` metric, alarmed in the stack). */
  readonly recordFailed?: (operation: string) => void;
}

export interface CostRun {
  readonly evaluation: CostEvaluation;
  /** Each alert this run sent, per channel, with the day it is about (a run compares two days). */
  readonly sent: readonly Delivery[];
  /** Each alert an earlier run had sent for its day already, per channel. */
  readonly alreadySent: readonly Delivery[];
}

/** One alert on one channel, for the day it is about. */
export interface Delivery {
  readonly day: string;
  readonly key: string;
  readonly channel: string;
}

/**
 * Some alerts were not sent by this run: a channel failed (its claim was given back), or another run holds
 * the claim. The run fails so that Lambda retries it; `cause` holds each failure.
 */
export class CostAlertDeliveryError extends ScalingError {}

/**
 * The daily check's month-end forecast could not be read (Cost Explorer's GetCostForecast failed): its daily
 * alerts were sent all the same, and the run fails so that Lambda retries it; `cause` is the read's error.
 */
export class CostForecastUnreadError extends ScalingError {}

/**
 * One run of the cost check: read Cost Explorer and the ledger, evaluate (pure), then send each alert on
 * each channel once for the day it is about (a day compared by two runs is told once): claim (a conditional
 * write that expires after `claimSeconds`), send, then mark sent. A failed send gives the claim back; a run
 * that dies between claim and mark leaves only the expiring claim, so a later run sends. With `send: false`
 * (the CLI) nothing is claimed or sent.
 */
export async function alertCosts(
  deps: CostDeps,
  check: 'daily' | 'forecast',
  { send = true, claimSeconds = ALERT_CLAIM_SECONDS }: { send?: boolean; claimSeconds?: number } = {},
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
  const { start, end: today, compared, monthStart } = costReadRange(cost, now);
  const days = await deps.costs.dailyCosts(start, today);
  // The daily check's alerts do not wait on the forecast: one that cannot be read fails the run after them.
  let forecastError: unknown;
  const forecast =
    cost.monthlyBudgetUsd === undefined
      ? undefined
      : await monthForecast(deps, days, today, monthStart).catch((error: unknown) => {
          if (check === 'forecast') throw error;
          forecastError = error;
          return undefined;
        });
  const scaling: Record<string, ScalingCost[]> = {};
  if (check === 'daily') for (const day of compared) scaling[day] = await scalingCosts(deps, day);
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

  if (!send) {
    if (forecastError !== undefined) throw forecastError;
    return { evaluation, sent: [], alreadySent: [] };
  }
  const done: Deliveries = { sent: [], alreadySent: [], failures: [], inProgress: [] };
  for (const alert of evaluation.alerts)
    for (const channel of deps.channels) await deliver(deps, alert, channel, now, claimSeconds, done);
  const { failures, inProgress } = done;
  const problems = [
    ...failures.map((f) =>
      f.recorded === false
        ? `${f.key} of ${f.day} on ${f.channel} was sent, but its delivery record could not be written (it may be sent again): ${f.error instanceof Error ? f.error.message : String(f.error)}`
        : `${f.key} of ${f.day} on ${f.channel} failed`,
    ),
    ...inProgress.map(
      (p) =>
        `${p.key} of ${p.day} on ${p.channel} is being sent by another run (claim until ${p.until.toISOString()})`,
    ),
  ];
  const unread =
    forecastError === undefined
      ? undefined
      : `the month-end forecast was not read (${forecastError instanceof Error ? forecastError.message : String(forecastError)}): no budget check this run; the daily alerts went`;
  // Only the forecast failed: the run fails all the same, so Lambda retries it (its alerts are not sent twice).
  if (unread && problems.length === 0) throw new CostForecastUnreadError(unread, { cause: forecastError });
  if (unread) problems.push(unread);
  if (problems.length > 0)
    throw new CostAlertDeliveryError(
      `${problems.length} cost alert(s) not sent by this run: ${problems.join('; ')}`,
      {
        cause: [...failures, ...inProgress, ...(forecastError === undefined ? [] : [forecastError])],
      },
    );
  return { evaluation, sent: done.sent, alreadySent: done.alreadySent };
}

/** What a run's deliveries came to, per alert and channel. */
interface Deliveries {
  readonly sent: Delivery[];
  readonly alreadySent: Delivery[];
  readonly failures: (Delivery & { error: unknown; recorded?: false })[];
  readonly inProgress: (Delivery & { until: Date })[];
}

/**
 * One alert on one channel, at most once for its day: claim, send, mark sent; a failed send gives the claim
 * back. What became of it is added to `done`.
 */
async function deliver(
  deps: CostDeps,
  alert: CostAlert,
  channel: CostAlertChannel,
  now: Date,
  claimSeconds: number,
  done: Deliveries,
): Promise<void> {
  const { log } = deps;
  const key = `${alert.key}#${channel.channel}`;
  const delivery: Delivery = { day: alert.day, key: alert.key, channel: channel.channel };
  const where = summary(alert, channel.channel);
  const claim = await deps.alerts.claimAlert(alert.day, key, now, claimSeconds).catch((error: unknown) => {
    deps.recordFailed?.('alert-claim');
    throw error;
  });
  // A day compared again (Cost Explorer may still be filling it in) finds the alert of its first comparison.
  if (claim.status === 'sent') {
    log.info('cost alert already sent for its day', where);
    done.alreadySent.push(delivery);
    return;
  }
  if (claim.status === 'in-progress') {
    log.warn('cost alert being sent by another run', { ...where, claimUntil: claim.until.toISOString() });
    done.inProgress.push({ ...delivery, until: claim.until });
    return;
  }
  try {
    await channel.costAlert(alert);
  } catch (error) {
    log.error('cost alert not sent', { ...where, error: String(error) });
    done.failures.push({ ...delivery, error });
    // The run fails for the send already; a claim that cannot be given back expires on its own, but the
    // failed write is counted and logged, never silent.
    await deps.alerts.releaseAlert(alert.day, key, claim.token).catch((releaseError: unknown) => {
      deps.recordFailed?.('alert-release');
      log.error('cost alert claim not given back; it expires', { ...where, error: String(releaseError) });
    });
    return;
  }
  done.sent.push(delivery);
  // Sent: record it. A write that fails (denied, throttled) is an error of the run, counted and alarmed:
  // the claim expires and a later run sends the alert again (twice is better than never for an alert
  // about money), and the operator learns why (issue 20, item 2: a denied write was swallowed, and the
  // same alert went out every run).
  const marked = await deps.alerts
    .markAlertSent(alert.day, key, claim.token, deps.clock.now())
    .catch((error: unknown) => {
      deps.recordFailed?.('alert-sent');
      log.error('cost alert sent but not recorded', { ...where, error: String(error) });
      done.failures.push({ ...delivery, error, recorded: false });
      return undefined;
    });
  if (marked === undefined) return;
  if (marked) log.info('cost alert sent', where);
  else log.warn('cost alert sent after its claim expired and was taken by another run', where);
}

/**
 * The days one run reads from Cost Explorer, [start, end): the trailing window before the oldest compared
 * day and the month so far, up to today (never compared, but not asked for either); `compared` oldest first.
 */
export function costReadRange(cost: NonNullable<Policy['cost']>, now: Date) {
  const end = utcDate(now.getTime());
  const compared = comparedDays(now, cost.completeAfterHours);
  const oldest = compared[0] as string;
  const monthStart = `${end.slice(0, 7)}-01`;
  const start = [addDays(oldest, -cost.anomaly.trailingDays), monthStart].sort()[0] as string;
  return { start, end, compared, monthStart };
}

function summary(alert: CostAlert, channel: string) {
  return { key: alert.key, day: alert.day, figure: alert.figure, limit: alert.limit, channel };
}

/**
 * Month to date (the days' spend and fees: the bill) plus Cost Explorer's forecast of the rest; undefined when
 * Cost Explorer has no forecast (NaN),
 * so the budget check is skipped with its note and the daily checks still run.
 */
async function monthForecast(
  deps: CostDeps,
  days: Awaited<ReturnType<CostReader['dailyCosts']>>,
  today: string,
  monthStart: string,
): Promise<MonthForecast | undefined> {
  const nextMonth = utcDate(Date.UTC(Number(today.slice(0, 4)), Number(today.slice(5, 7)), 1));
  const monthToDate = days
    .filter((d) => d.date >= monthStart && d.date < today)
    .reduce((a, d) => a + d.total + (d.fees ?? 0), 0);
  const remaining = await deps.costs.forecast(today, nextMonth);
  if (!Number.isFinite(remaining)) return undefined;
  return { month: today.slice(0, 7), monthToDate, remaining };
}

/** The resource's own unit, when the policy leaves it out; a failed read leaves the cost unpriced, with a note. */
async function liveUnit(deps: CostDeps, target: Target): Promise<LiveUnit | undefined> {
  if (!deps.liveUnit || !needsLiveUnit(target)) return undefined;
  try {
    return await deps.liveUnit(target);
  } catch (error) {
    deps.log.warn('unit not read', {
      target: target.name,
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}

async function scalingCosts(deps: CostDeps, day: string): Promise<ScalingCost[]> {
  const from = new Date(`${day}T00:00:00Z`);
  const to = new Date(`${addDays(day, 1)}T00:00:00Z`);
  const result: ScalingCost[] = [];
  for (const target of deps.policy.targets) {
    // Every decision, applied or not, records the capacity it saw: together they trace the day's capacity.
    // The predict function's records say what it forecast (its floors), not what capacity it saw: recorded by
    // the hourly run (`forecast`), or before that trigger was recorded, with a Forecast* reason.
    const seen = (await deps.decisions(target.name, from, to)).filter(
      (d) => d.trigger !== 'forecast' && !d.reason?.startsWith('Forecast'),
    );
    // A cache group's decisions also record its replicas per shard: its cost counts the nodes they make.
    const changes = seen.map((d) => ({
      at: new Date(d.at),
      from: d.current,
      to: d.applied ? d.desired : d.current,
      ...(d.replicasPerShard
        ? {
            replicas: {
              from: d.replicasPerShard.current,
              to: d.applied ? d.replicasPerShard.desired : d.replicasPerShard.current,
            },
          }
        : {}),
    }));
    // A group counted in vCPUs, MiB or weights (its decisions say so): its unit-hours are not instance-hours.
    const countedIn = seen.find((d) => d.unit !== undefined)?.unit;
    // The engine each decision saw prices the replicas or nodes (the group's as read now only if none recorded one).
    const engines = recordedEngines(seen);
    const live = {
      ...(await liveUnit(deps, target)),
      ...(countedIn ? { countedIn } : {}),
      ...(engines.length > 0 ? { engines } : {}),
    };
    result.push(scalingCost(target, changes, { from, to }, deps.region, deps.prices, live));
  }
  return result;
}

/** The engines a target's decisions recorded, each once, in the order they were first seen. */
function recordedEngines(decisions: readonly LoggedDecision[]): EngineSeen[] {
  const byKey = new Map<string, EngineSeen>();
  for (const { engine } of decisions)
    if (engine) byKey.set(JSON.stringify([engine.name, engine.licenseModel, engine.storageType]), engine);
  return [...byKey.values()];
}
