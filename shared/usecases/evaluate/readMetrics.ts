import { lookbackSeconds, meanPerPeriod } from '../../decision/ruleReadings';
import type { MetricReading } from '../../decision/types';
import { metricDimensions } from '../../policy/targetResource';
import type { MetricQuery } from '../../ports';
import { describeError } from './describeError';
import { kindScaler } from './kindScaler';
import type { EvaluateDeps, TargetLook, TargetReadings } from './types';

/** A metric the batch reads besides its targets' rules (a plan's demand), over its own span at least. */
export interface ExtraQuery {
  readonly key: string;
  readonly metric: MetricQuery['metric'];
  readonly lookbackSeconds: number;
}

/** The batch's readings: per target, and per extra query's key. */
export interface BatchReadings {
  readonly byTarget: Map<string, TargetReadings>;
  readonly extra: Map<string, readonly MetricReading[]>;
}

/**
 * One batched read for every rule of every target observed, reaching back over the longest evaluation
 * window; the kind may ask for several metrics per rule (one per available replica), combined into the
 * series the decision reads. `extra` metrics (a plan's demand, over its scale-in hold) ride in the same read,
 * which then reaches back as far as the longest of them. A failed batch only leaves its own targets without
 * metrics (they hold: missing metrics never scale in).
 */
export async function readMetrics(
  deps: EvaluateDeps,
  looks: readonly TargetLook[],
  now: Date,
  extra: readonly ExtraQuery[] = [],
): Promise<BatchReadings> {
  const { model } = kindScaler(deps.capacity);
  const queries: MetricQuery[] = [];
  const owner = new Map<string, { target: string; rule: string }>();
  const observed = looks.flatMap((l) =>
    l.observed && 'observation' in l.observed
      ? [{ target: l.target, observation: l.observed.observation }]
      : [],
  );
  for (const { target, observation } of observed) {
    for (const rule of target.rules) {
      const metrics = model.metricsFor
        ? model.metricsFor(target, rule, observation)
        : [{ ...rule.metric, dimensions: metricDimensions(target, rule.metric.dimensions) }];
      for (const metric of metrics) {
        const id = `q${queries.length}`;
        owner.set(id, { target: target.name, rule: rule.name });
        queries.push({ id, metric });
      }
    }
  }
  const extraIds = new Map<string, string>();
  for (const q of extra) {
    const id = `d${extraIds.size}`;
    extraIds.set(id, q.key);
    queries.push({ id, metric: q.metric });
  }
  const lookback = Math.max(
    600,
    ...observed.flatMap(({ target }) => target.rules.map((r) => lookbackSeconds(target, r))),
    ...extra.map((q) => q.lookbackSeconds),
  );
  const read =
    queries.length > 0
      ? await deps.metrics.recent(queries, now, lookback)
      : { values: new Map<string, readonly MetricReading[]>(), failures: [] };
  for (const failure of read.failures) {
    const affected = [...new Set(failure.ids.map((id) => owner.get(id)?.target ?? extraIds.get(id)))];
    deps.log.error('metric read failed', { targets: affected, error: describeError(failure.error) });
    deps.decisionMetrics?.failed('metrics');
  }
  const raw = new Map<string, Record<string, MetricReading[][]>>();
  for (const [id, where] of owner) {
    const byRule = raw.get(where.target) ?? {};
    byRule[where.rule] = [...(byRule[where.rule] ?? []), [...(read.values.get(id) ?? [])]];
    raw.set(where.target, byRule);
  }
  const byTarget = new Map<string, TargetReadings>();
  for (const { target, observation } of observed) {
    const series = raw.get(target.name) ?? {};
    const combined: Record<string, MetricReading[]> = {};
    for (const rule of target.rules) {
      const ofRule = series[rule.name] ?? [];
      combined[rule.name] =
        ofRule.length === 1
          ? (ofRule[0] ?? [])
          : model.combine
            ? model.combine(target, rule, ofRule, observation, now)
            : meanPerPeriod(ofRule);
    }
    byTarget.set(target.name, { combined, raw: series });
  }
  const extraReadings = new Map<string, readonly MetricReading[]>();
  for (const [id, key] of extraIds) extraReadings.set(key, read.values.get(id) ?? []);
  return { byTarget, extra: extraReadings };
}

/** A target's readings, or none (no datapoints: the decision holds). */
export const noReadings: TargetReadings = { combined: {}, raw: {} };
