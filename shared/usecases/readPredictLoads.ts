import { type ActualLoad, HEADROOM_WINDOW_MINUTES } from '../decision/floorSizing';
import { historyPeriodSeconds, loadHistory, unforecastable } from '../decision/forecastFloors';
import type { LoadHistory } from '../forecast/types';
import type { Rule, Target } from '../policy/schema';
import { metricDimensions } from '../policy/targetResource';
import type { MetricQuery } from '../ports';
import type { PredictDeps } from './predictTargets';

const MINUTE = 60_000;
/** The recent load read for the headroom: its window, and the hour since the forecast it scores was made. */
const CALIBRATION_READ_MINUTES = HEADROOM_WINDOW_MINUTES + 60;

/**
 * Two batched metric reads for every target: the lookback's history at the forecast's period, and the last
 * hours at each rule's own period (a minute, mostly), which the headroom is measured on. `of` gives a target's
 * loads per rule.
 */
export async function readPredictLoads(
  deps: Pick<PredictDeps, 'policy' | 'history'>,
  targets: readonly Target[],
  now: Date,
) {
  const reads = historyQueries(targets, historyPeriodSeconds);
  // Whole 5-minute periods only: the one in progress would read low.
  const end = new Date(Math.floor(now.getTime() / (5 * MINUTE)) * 5 * MINUTE);
  const start = new Date(end.getTime() - deps.policy.predictive.lookbackDays * 1440 * MINUTE);
  const points =
    reads.queries.length > 0
      ? await deps.history.history(reads.queries, start, end)
      : new Map<string, never[]>();
  const recentReads = historyQueries(targets, (rule) => rule.metric.periodSeconds);
  const recentEnd = new Date(Math.floor(now.getTime() / MINUTE) * MINUTE);
  const recentPoints =
    recentReads.queries.length > 0
      ? await deps.history.history(
          recentReads.queries,
          new Date(recentEnd.getTime() - CALIBRATION_READ_MINUTES * MINUTE),
          recentEnd,
        )
      : new Map<string, never[]>();
  const of = (target: Target) => {
    const histories: Record<string, LoadHistory> = {};
    for (const { rule, sum, count } of reads.byTarget.get(target.name) ?? [])
      histories[rule.name] = loadHistory(rule, points.get(sum) ?? [], points.get(count) ?? []);
    const recent: Record<string, ActualLoad> = {};
    for (const { rule, sum, count } of recentReads.byTarget.get(target.name) ?? [])
      recent[rule.name] = {
        ...loadHistory(
          rule,
          recentPoints.get(sum) ?? [],
          recentPoints.get(count) ?? [],
          rule.metric.periodSeconds,
        ),
        periodMinutes: rule.metric.periodSeconds / 60,
      };
    return { histories, recent };
  };
  return { of };
}

/** Per forecastable rule of every target: a Sum and a SampleCount query of its metric, at `period(rule)`. */
function historyQueries(targets: readonly Target[], period: (rule: Rule) => number) {
  const queries: MetricQuery[] = [];
  const byTarget = new Map<string, { rule: Rule; sum: string; count: string }[]>();
  for (const target of targets) {
    const rules = target.rules.filter((r) => unforecastable(r) === undefined);
    byTarget.set(
      target.name,
      rules.map((rule) => {
        const metric = {
          ...rule.metric,
          dimensions: metricDimensions(target, rule.metric.dimensions),
          periodSeconds: period(rule),
        };
        const sum = `h${queries.length}`;
        queries.push({ id: sum, metric: { ...metric, statistic: 'Sum' } });
        const count = `h${queries.length}`;
        // A count is not a percentage of anything.
        const { percentOf: _, ...plain } = metric;
        queries.push({ id: count, metric: { ...plain, statistic: 'SampleCount' } });
        return { rule, sum, count };
      }),
    );
  }
  return { queries, byTarget };
}
