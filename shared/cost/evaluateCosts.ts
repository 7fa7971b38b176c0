import type { CostPolicy } from '../policy/schema';
import { costAlertText, costExplorerLink, usd } from './costMessage';
import type { CostAlert, CostEvaluation, DailyCost, MonthForecast, ScalingCost, ServiceMove } from './types';

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of an instant, in UTC (Cost Explorer's days are UTC days). */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return utcDate(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS);
}

/**
 * The newest complete day: the latest UTC day that ended at least `completeAfterHours` ago. Cost Explorer
 * fills a day in over the following hours, so a younger day is partial and is never compared.
 */
export function newestCompleteDay(now: Date, completeAfterHours: number): string {
  // A day D is complete when D + 1 day + completeAfterHours ≤ now.
  return utcDate(now.getTime() - completeAfterHours * 3_600_000 - DAY_MS);
}

/**
 * How many days one daily run compares: the newest complete day, and the day before it again. AWS updates
 * billing data up to three times a day, and the latest figures of a period are had by querying it again
 * (https://docs.aws.amazon.com/cost-management/latest/userguide/ce-api-best-practices.html); a result whose
 * figures may still change is marked `Estimated` (ResultByTime), but AWS documents no hour after which a
 * day's figures are final. In practice (no AWS figure) Cost Explorer fills a day in over the day or two after
 * it ended, so a day is compared first `completeAfterHours` after it ended and again by the next morning's
 * run: a day that crosses a limit only once later figures came in is alerted then. Spend added later still
 * is not compared.
 */
export const COMPARED_DAYS = 2;

/**
 * The days a daily run at `now` compares, oldest first: the newest complete day (`completeAfterHours`
 * decides when a day is first compared) and the `COMPARED_DAYS - 1` before it, which Cost Explorer may still
 * be filling in. Today is never compared.
 */
export function comparedDays(now: Date, completeAfterHours: number): string[] {
  const newest = newestCompleteDay(now, completeAfterHours);
  return Array.from({ length: COMPARED_DAYS }, (_, i) => addDays(newest, i + 1 - COMPARED_DAYS));
}

export interface CostInput {
  readonly cost: CostPolicy;
  readonly now: Date;
  /** `daily`: the compared days' spend, anomalies, scaling cost and the forecast; `forecast`: the forecast only. */
  readonly check: 'daily' | 'forecast';
  /** Cost Explorer's days from `trailingDays` before the oldest compared day up to today, in any order. */
  readonly days: readonly DailyCost[];
  readonly forecast?: MonthForecast;
  /** The cost of Scalepilot's scaling on each compared day, by date (a day left out: none known). */
  readonly scaling: Readonly<Record<string, readonly ScalingCost[]>>;
  readonly region: string;
}

/**
 * The cost alerts of one run, from the policy's cost section and the figures read. Pure: the same input
 * always gives the same alerts and the same words. A daily run compares each of `comparedDays` on its own
 * (oldest first: its alerts, then the newer day's); a check that cannot run says why in `notes`.
 */
export function evaluateCosts(input: CostInput): CostEvaluation {
  const notes: string[] = [];
  const forecastAlert = checkForecast(input, notes);
  const forecastAlerts = forecastAlert ? [forecastAlert] : [];
  if (input.check === 'forecast')
    return { alerts: forecastAlerts, notes, scaling: [], ...withForecast(input) };

  const compared = comparedDays(input.now, input.cost.completeAfterHours);
  const byDate = new Map(input.days.map((d) => [d.date, d]));
  const checks = compared.map((day, i) =>
    checkDay(input, day, byDate, i === compared.length - 1 ? 'newest' : 'again'),
  );
  const newest = checks[checks.length - 1];
  return {
    // The day is named with or without Cost Explorer's figures for it: a day without is a row all the same.
    ...(newest ? { day: newest.day } : {}),
    ...(newest?.dayCost ? { dayCost: newest.dayCost } : {}),
    compared,
    alerts: [...checks.flatMap((c) => c.alerts), ...forecastAlerts],
    notes: [...notes, ...checks.flatMap((c) => c.notes)],
    scaling: newest?.scaling ?? [],
    ...withForecast(input),
  };
}

/** The daily checks of one compared day: its spend against the limit, its anomalies, the cost of scaling. */
function checkDay(
  input: CostInput,
  day: string,
  byDate: ReadonlyMap<string, DailyCost>,
  turn: 'newest' | 'again',
): {
  day: string;
  dayCost?: DailyCost;
  alerts: CostAlert[];
  notes: string[];
  scaling: readonly ScalingCost[];
} {
  const { cost } = input;
  const scaling = input.scaling[day] ?? [];
  const dayCost = byDate.get(day);
  if (!dayCost || isEmpty(dayCost)) {
    const which =
      turn === 'newest'
        ? `the newest day complete ${cost.completeAfterHours} h after its end`
        : 'compared again while Cost Explorer may still be filling it in';
    return {
      day,
      alerts: [],
      scaling,
      notes: [`no Cost Explorer data for ${day} (${which}): no daily alert`],
    };
  }
  const alerts: CostAlert[] = [];
  const notes: string[] = [];
  const trailing = Array.from({ length: cost.anomaly.trailingDays }, (_, i) =>
    byDate.get(addDays(day, -1 - i)),
  )
    .filter((d): d is DailyCost => d !== undefined && !isEmpty(d))
    .reverse();
  const moves = topMoves(dayCost, trailing);
  const link = costExplorerLink(addDays(day, -cost.anomaly.trailingDays), day);
  const scalingUsd = scaling.reduce((sum, s) => sum + (s.usd ?? 0), 0);

  if (dayCost.total > cost.dailyLimitUsd)
    alerts.push(
      alert('daily-limit', 'daily-limit', day, dayCost.total, cost.dailyLimitUsd, {
        moves,
        link,
        scaling,
        estimated: dayCost.estimated,
      }),
    );
  else notes.push(`${day}: ${usd(dayCost.total)} is within the daily limit of ${usd(cost.dailyLimitUsd)}`);
  if (dayCost.fees)
    notes.push(
      `${day}: ${usd(dayCost.fees)} of tax, support and upfront fees counted toward the month, not the day`,
    );

  alerts.push(...anomalyAlerts(day, dayCost, trailing, cost.anomaly, { moves, link }, notes));

  if (cost.scalingDailyLimitUsd !== undefined && scalingUsd > cost.scalingDailyLimitUsd)
    alerts.push(
      alert('scaling-cost', 'scaling-cost', day, scalingUsd, cost.scalingDailyLimitUsd, {
        moves,
        link,
        scaling,
      }),
    );
  for (const s of scaling) if (s.note) notes.push(`${s.target} on ${day}: ${s.note}`);
  return { day, dayCost, alerts, notes, scaling };
}

/** One alert per service whose day is an anomaly against its trailing days (3 at least, else a note). */
function anomalyAlerts(
  day: string,
  dayCost: DailyCost,
  trailing: readonly DailyCost[],
  settings: CostInput['cost']['anomaly'],
  context: { moves: ReturnType<typeof topMoves>; link: string },
  notes: string[],
): CostAlert[] {
  if (trailing.length < 3) {
    notes.push(`${day}: only ${trailing.length} trailing day(s) with data, 3 needed: no anomaly check`);
    return [];
  }
  const alerts: CostAlert[] = [];
  for (const service of Object.keys(dayCost.byService).sort()) {
    const anomaly = serviceAnomaly(service, dayCost, trailing, settings);
    if (anomaly)
      alerts.push(
        alert('anomaly', `anomaly:${service}`, day, anomaly.amount, anomaly.expected, {
          ...context,
          service,
          why: anomaly.why,
        }),
      );
  }
  return alerts;
}

function withForecast(input: CostInput) {
  return input.forecast ? { forecast: input.forecast } : {};
}

function checkForecast(input: CostInput, notes: string[]): CostAlert | undefined {
  const budget = input.cost.monthlyBudgetUsd;
  if (budget === undefined) return undefined;
  if (!input.forecast) {
    notes.push('no month-end forecast from Cost Explorer: no budget check');
    return undefined;
  }
  const monthEnd = input.forecast.monthToDate + input.forecast.remaining;
  const today = utcDate(input.now.getTime());
  if (monthEnd <= budget) {
    notes.push(
      `${input.forecast.month}: month-end forecast ${usd(monthEnd)} is within the budget of ${usd(budget)}`,
    );
    return undefined;
  }
  return alert('forecast', 'forecast', today, monthEnd, budget, {
    forecast: input.forecast,
    link: costExplorerLink(`${input.forecast.month}-01`, today),
  });
}

/** A day Cost Explorer returned with nothing in it is missing data, not a free day. */
function isEmpty(d: DailyCost): boolean {
  return d.total === 0 && Object.keys(d.byService).length === 0 && !d.fees;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function std(values: readonly number[], mu: number): number {
  return Math.sqrt(mean(values.map((v) => (v - mu) ** 2)));
}

/** The services that cost most on the day, with their change against the trailing mean. */
function topMoves(day: DailyCost, trailing: readonly DailyCost[], top = 5): ServiceMove[] {
  return Object.entries(day.byService)
    .map(([service, amount]) => {
      const before = trailing.length > 0 ? mean(trailing.map((d) => d.byService[service] ?? 0)) : amount;
      return { service, amount, change: amount - before };
    })
    .sort((a, b) => b.amount - a.amount || a.service.localeCompare(b.service))
    .slice(0, top);
}

/**
 * A service is anomalous when its spend rose by at least `minRisePercent` over the trailing mean, at least
 * `zScore` standard deviations above it, and by at least `minAbsoluteUsd`: all three, so a $0.10 → $0.30
 * jump (+200%, huge z) is no alert, nor is a large service's ordinary wobble.
 */
function serviceAnomaly(
  service: string,
  day: DailyCost,
  trailing: readonly DailyCost[],
  limits: CostPolicy['anomaly'],
): { amount: number; expected: number; why: string } | undefined {
  const amount = day.byService[service] ?? 0;
  const history = trailing.map((d) => d.byService[service] ?? 0);
  const mu = mean(history);
  const sigma = std(history, mu);
  const rise = amount - mu;
  if (rise < limits.minAbsoluteUsd) return undefined;
  const risePercent = mu > 0 ? (100 * rise) / mu : Number.POSITIVE_INFINITY;
  if (risePercent < limits.minRisePercent) return undefined;
  const z = sigma > 0 ? rise / sigma : Number.POSITIVE_INFINITY;
  if (z < limits.zScore) return undefined;
  const pct = Number.isFinite(risePercent) ? `+${risePercent.toFixed(0)}%` : 'new spend';
  const zText = Number.isFinite(z) ? `z = ${z.toFixed(1)}` : 'flat history';
  return {
    amount,
    expected: mu,
    why: `${usd(amount)} against a ${trailing.length}-day mean of ${usd(mu)} (${pct}, ${zText}, +${usd(rise)})`,
  };
}

function alert(
  kind: CostAlert['kind'],
  key: string,
  day: string,
  figure: number,
  limit: number,
  detail: Parameters<typeof costAlertText>[0]['detail'],
): CostAlert {
  const { subject, text } = costAlertText({ kind, day, figure, limit, detail });
  return { kind, key, day, figure, limit, subject, text };
}
