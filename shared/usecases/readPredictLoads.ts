import { type ActualLoad, HEADROOM_WINDOW_MINUTES } from '../decision/floorSizing';
import { historyPeriodSeconds, loadHistory, unforecastable } from '../decision/forecastFloors';
import type { MetricReading } from '../decision/types';
import type { LoadHistory } from '../forecast/types';
import type { Rule, Target } from '../policy/schema';
import { metricDimensions } from '../policy/targetResource';
import type { MetricQuery } from '../ports';
import type { PredictDeps } from './predictTargets';

const MINUTE = 60_000;
/** The recent load read for the headroom: its window, and the hour since the forecast it scores was made. */
const CALIBRATION_READ_MINUTES = HEADROOM_WINDOW_MINUTES + 60;

/**
 * Targets whose lookback histories are read and held together: about 90 MB of datapoints (32 days at 5 minutes,
 * a Sum and a SampleCount a rule). Read for every target at once, before the first forecast, the histories ran
 * the function's 1 GB out at about 300 predictive targets, every hour, before its deadline could defer any.
 */
export const HISTORY_CHUNK_TARGETS = 25;

type Points = ReadonlyMap<string, readonly MetricReading[]>;

/**
 * The loads each target's forecast reads: the lookback's history at the forecast's period, read a chunk of
 * targets at a time as the run reaches them (the chunk before is let go, and a read that fails fails its
 * chunk's targets, not the run), and the last hours at each rule's own period (a minute, mostly), which the
 * headroom is measured on, read for every target at once (a few hundred datapoints each). `of` gives a
 * target's loads per rule; ask in the targets' order.
 */
export async function readPredictLoads(
  deps: Pick<PredictDeps, 'policy' | 'history'>,
  targets: readonly Target[],
  now: Date,
) {
  // Whole 5-minute periods only: the one in progress would read low.
  const end = new Date(Math.floor(now.getTime() / (5 * MINUTE)) * 5 * MINUTE);
  const start = new Date(end.getTime() - deps.policy.predictive.lookbackDays * 1440 * MINUTE);
  const recentReads = historyQueries(targets, (rule) => rule.metric.periodSeconds);
  const recentEnd = new Date(Math.floor(now.getTime() / MINUTE) * MINUTE);
  const recentPoints: Points =
    recentReads.queries.length > 0
      ? await deps.history.history(
          recentReads.queries,
          new Date(recentEnd.getTime() - CALIBRATION_READ_MINUTES * MINUTE),
          recentEnd,
        )
      : new Map();
  const chunks = chunkedHistory(deps, targets, { start, end });
  const of = async (target: Target) => {
    const { reads, points } = await chunks.of(target);
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

/** The lookback history of the chunk a target is in: read on the first ask, held until another chunk is asked. */
function chunkedHistory(
  deps: Pick<PredictDeps, 'history'>,
  targets: readonly Target[],
  span: { readonly start: Date; readonly end: Date },
) {
  const indexOf = new Map(targets.map((t, i) => [t.name, i]));
  let held:
    | { index: number; read: Promise<{ reads: ReturnType<typeof historyQueries>; points: Points }> }
    | undefined;
  return {
    of(target: Target) {
      const index = Math.floor((indexOf.get(target.name) ?? 0) / HISTORY_CHUNK_TARGETS);
      if (held?.index !== index) {
        const reads = historyQueries(
          targets.slice(index * HISTORY_CHUNK_TARGETS, (index + 1) * HISTORY_CHUNK_TARGETS),
          historyPeriodSeconds,
        );
        const points: Promise<Points> =
          reads.queries.length > 0
            ? deps.history.history(reads.queries, span.start, span.end)
            : Promise.resolve(new Map());
        // Held in the chunk before's place: its datapoints go as this read starts.
        held = { index, read: points.then((p) => ({ reads, points: p })) };
      }
      return held.read;
    },
  };
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
