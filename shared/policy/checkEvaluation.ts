import type { PolicyProblem } from '../errors';
import { describePath, isRecord, recordsInPlace } from './describePath';
import { perUnitMetricReason } from './metricsWithoutUnits';

type Path = (string | number)[];

/** CloudWatch alarms refuse EvaluationPeriods × Period above one day; Scalepilot keeps one day of history. */
const ONE_DAY = 86_400;

/**
 * The timing checks: what a rule's metric period and evaluation periods demand of staleness, and the
 * windows the ledger's history must cover. Reads the raw document defensively, as checkMeaning does.
 */
export function checkEvaluation(raw: unknown): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const report = (path: Path, message: string) => problems.push({ path: describePath(raw, path), message });
  if (!isRecord(raw) || !Array.isArray(raw.targets)) return problems;

  raw.targets.forEach((target, i) => {
    if (!isRecord(target)) return;
    const at = (...rest: Path): Path => ['targets', i, ...rest];
    const rules = Array.isArray(target.rules) ? target.rules.filter(isRecord) : [];

    const stale = asNumber(target.metricStaleAfterSeconds);
    if (stale !== undefined) {
      const longest = rules.reduce<{ period: number; name: string }>(
        (a, r) => {
          const period = periodOf(r);
          return period > a.period ? { period, name: String(r.name) } : a;
        },
        { period: 0, name: '' },
      );
      if (stale < 2 * longest.period)
        report(
          at('metricStaleAfterSeconds'),
          `${stale} s is less than two periods of rule "${longest.name}" (2 × ${longest.period} s): its newest complete datapoint is routinely older, so every evaluation would read it as missing. Set at least ${2 * longest.period}, or leave it out (default: 300 s or two periods, whichever is longer)`,
        );
    }

    // Each rule at its own index (a bad item before it must not move its place).
    recordsInPlace(target.rules).forEach((rule, j) => {
      const periods = asNumber(rule.evaluationPeriods) ?? 1;
      const period = periodOf(rule);
      if (periods * period > ONE_DAY)
        report(
          at('rules', j, 'evaluationPeriods'),
          `${periods} periods of ${period} s span ${periods * period} s; CloudWatch alarms and the decision look back at most one day (86400 s)`,
        );
    });

    // A group at 0 leaves it only on a rule whose metric reports without instances (metricsWithoutUnits.ts).
    const capacity = isRecord(target.capacity) ? target.capacity : {};
    if (target.kind === 'asg' && capacity.min === 0) {
      rules.forEach((rule) => {
        const metric = isRecord(rule.metric) ? rule.metric : {};
        if (typeof metric.namespace !== 'string' || typeof metric.name !== 'string') return;
        const dimensions = isRecord(metric.dimensions) ? (metric.dimensions as Record<string, string>) : {};
        const why = perUnitMetricReason({ namespace: metric.namespace, name: metric.name, dimensions });
        if (why)
          report(
            at('capacity', 'min'),
            `0 cannot be left: ${String(rule.type)} rule "${String(rule.name)}" reads ${metric.namespace}/${metric.name}, which has no datapoints while no instance runs (${why}). Use min ≥ 1, or rules on a metric that exists without instances (queue depth, the load balancer's request count)`,
          );
      });
    }
  });
  return problems;
}

function periodOf(rule: Record<string, unknown>): number {
  return (isRecord(rule.metric) ? asNumber(rule.metric.periodSeconds) : undefined) ?? 60;
}

function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
