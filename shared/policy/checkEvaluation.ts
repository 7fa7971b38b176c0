import type { PolicyProblem } from '../errors';
import { describePath, isRecord } from './describePath';

type Path = (string | number)[];

/** CloudWatch alarms refuse EvaluationPeriods × Period above one day; Scalepilot keeps one day of history. */
const ONE_DAY = 86_400;

/**
 * Metrics published per instance (by the group's own dimension): with no instance running they have no
 * datapoints, so a proportional rule on them can never leave zero.
 */
const PER_INSTANCE_NAMESPACES = new Set(['AWS/EC2', 'CWAgent']);

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

    rules.forEach((rule, j) => {
      const periods = asNumber(rule.evaluationPeriods) ?? 1;
      const period = periodOf(rule);
      if (periods * period > ONE_DAY)
        report(
          at('rules', j, 'evaluationPeriods'),
          `${periods} periods of ${period} s span ${periods * period} s; CloudWatch alarms and the decision look back at most one day (86400 s)`,
        );
    });

    const windows: [Path, unknown][] = [];
    if (isRecord(target.stabilization))
      for (const key of ['scaleOutSeconds', 'scaleInSeconds'])
        windows.push([at('stabilization', key), target.stabilization[key]]);
    if (isRecord(target.rateLimits))
      for (const direction of ['scaleOut', 'scaleIn']) {
        const limits = target.rateLimits[direction];
        if (Array.isArray(limits))
          limits.forEach((limit, k) => {
            if (isRecord(limit))
              windows.push([at('rateLimits', direction, k, 'periodSeconds'), limit.periodSeconds]);
          });
      }
    for (const [path, value] of windows) {
      const seconds = asNumber(value);
      if (seconds !== undefined && seconds > ONE_DAY)
        report(path, `${seconds} s is longer than the 24 h (86400 s) of history Scalepilot keeps per target`);
    }

    const capacity = isRecord(target.capacity) ? target.capacity : {};
    if (target.kind === 'asg' && capacity.min === 0) {
      rules.forEach((rule) => {
        const metric = isRecord(rule.metric) ? rule.metric : {};
        if (rule.type === 'target-tracking' && PER_INSTANCE_NAMESPACES.has(String(metric.namespace)))
          report(
            at('capacity', 'min'),
            `0 cannot be left: target-tracking rule "${String(rule.name)}" reads ${String(metric.namespace)}/${String(metric.name)}, which has no datapoints while no instance runs. Use min ≥ 1, or track a metric that exists without instances (queue depth, request count)`,
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
