import type { PolicyProblem } from '../errors';
import { checkEvaluation } from './checkEvaluation';
import { checkPlans } from './checkPlans';
import { describePath, isRecord } from './describePath';
import { checkReplicaNames } from './replicaNames';
import { DEFAULT_MAX_UNITS_PER_DECISION } from './schema';
import { resourceKeyByKind } from './targetResource';

type Path = (string | number)[];

/**
 * The semantic phase of validation: relations between fields that a schema cannot express.
 * It reads the raw document defensively, so that it reports its problems even when the structural
 * phase found others (an operator fixes everything in one pass, not one error per run).
 */
export function checkMeaning(raw: unknown): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const report = (path: Path, message: string) => problems.push({ path: describePath(raw, path), message });
  if (!isRecord(raw) || !Array.isArray(raw.targets)) return problems;

  const policyCap = numberOr(raw.maxUnitsPerDecision, DEFAULT_MAX_UNITS_PER_DECISION);
  const firstByName = new Map<string, number>();
  const firstByResource = new Map<string, number>();

  raw.targets.forEach((target, i) => {
    if (!isRecord(target)) return;
    const at = (...rest: Path): Path => ['targets', i, ...rest];

    if (typeof target.name === 'string') {
      const first = firstByName.get(target.name);
      if (first === undefined) firstByName.set(target.name, i);
      else report(at('name'), `duplicate target name "${target.name}" (first used by targets[${first}])`);
    }

    const resourceKey = resourceKeyByKind[target.kind as keyof typeof resourceKeyByKind];
    const resource = resourceKey ? target[resourceKey] : undefined;
    if (typeof resource === 'string' && resource !== '') {
      // RDS and ElastiCache identifiers are case-insensitive (stored lowercase); group names are not.
      const key = `${String(target.kind)}:${target.kind === 'asg' ? resource : resource.toLowerCase()}`;
      const first = firstByResource.get(key);
      if (first === undefined) firstByResource.set(key, i);
      else
        report(
          at(resourceKey),
          `"${resource}" is already managed by targets[${first}]; two targets would fight`,
        );
    }

    const capacity = isRecord(target.capacity) ? target.capacity : {};
    const min = asNumber(capacity.min);
    const max = asNumber(capacity.max);
    const rangeOk = min !== undefined && max !== undefined && max >= min;
    if (min !== undefined && max !== undefined && max < min)
      report(at('capacity', 'max'), `${max} is below min ${min}`);
    const cap = numberOr(target.maxUnitsPerDecision, policyCap);

    if (!Array.isArray(target.rules)) return;
    const firstRuleByName = new Map<string, number>();
    target.rules.forEach((rule, j) => {
      if (!isRecord(rule)) return;
      const ruleAt = (...rest: Path) => at('rules', j, ...rest);
      if (typeof rule.name === 'string') {
        const first = firstRuleByName.get(rule.name);
        if (first === undefined) firstRuleByName.set(rule.name, j);
        else report(ruleAt('name'), `duplicate rule name "${rule.name}" (first used by rules[${first}])`);
      }
      if (rule.type !== 'step') return;

      const outs = arrayOfRecords(rule.scaleOut);
      const ins = arrayOfRecords(rule.scaleIn);
      const checkStep = (direction: 'scaleOut' | 'scaleIn', k: number, size: number | undefined) => {
        const field = direction === 'scaleOut' ? 'add' : 'remove';
        if (size === undefined) return;
        if (rangeOk && min !== undefined && max !== undefined && size > max - min)
          report(
            ruleAt(direction, k, field),
            `step of ${size} does not fit the range ${min}..${max} (at most ${max - min})`,
          );
        if (size > cap)
          report(ruleAt(direction, k, field), `step of ${size} exceeds maxUnitsPerDecision ${cap}`);
      };
      outs.forEach((step, k) => {
        checkStep('scaleOut', k, asNumber(step.add));
      });
      ins.forEach((step, k) => {
        checkStep('scaleIn', k, asNumber(step.remove));
      });
      reportDuplicateThresholds(outs, 'above', (k, v) =>
        report(ruleAt('scaleOut', k, 'above'), `threshold ${v} appears twice`),
      );
      reportDuplicateThresholds(ins, 'below', (k, v) =>
        report(ruleAt('scaleIn', k, 'below'), `threshold ${v} appears twice`),
      );

      const lowestOut = Math.min(...outs.map((s) => asNumber(s.above) ?? Number.POSITIVE_INFINITY));
      ins.forEach((step, k) => {
        const below = asNumber(step.below);
        if (below !== undefined && below >= lowestOut)
          report(ruleAt('scaleIn', k, 'below'), `${below} is not below the scale-out threshold ${lowestOut}`);
      });
    });
  });

  if (isRecord(raw.cost)) {
    const daily = asNumber(raw.cost.dailyLimitUsd);
    const monthly = asNumber(raw.cost.monthlyBudgetUsd);
    if (daily !== undefined && monthly !== undefined && monthly < daily)
      report(['cost', 'monthlyBudgetUsd'], `${monthly} is below the daily limit ${daily}`);
  }
  // A known event must name targets that exist (a typo would silently raise no floor).
  const events =
    isRecord(raw.predictive) && Array.isArray(raw.predictive.events) ? raw.predictive.events : [];
  events.forEach((event: unknown, i) => {
    if (!isRecord(event) || !Array.isArray(event.targets)) return;
    event.targets.forEach((name, j) => {
      if (typeof name !== 'string') return;
      const at = firstByName.get(name);
      const target = at === undefined ? undefined : (raw.targets as unknown[])[at];
      if (at === undefined)
        report(['predictive', 'events', i, 'targets', j], `"${name}" is not a target of this policy`);
      else if (isRecord(target) && target.predictive !== true)
        report(
          ['predictive', 'events', i, 'targets', j],
          `target "${name}" has no predictive: true, so the event would raise no floor`,
        );
    });
  });
  problems.push(...checkEvaluation(raw), ...checkReplicaNames(raw));
  problems.push(...checkPlans(raw));
  return problems;
}

function reportDuplicateThresholds(
  steps: Record<string, unknown>[],
  key: 'above' | 'below',
  report: (index: number, value: number) => void,
) {
  const seen = new Set<number>();
  steps.forEach((step, k) => {
    const value = asNumber(step[key]);
    if (value === undefined) return;
    if (seen.has(value)) report(k, value);
    seen.add(value);
  });
}

function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function numberOr(value: unknown, fallback: number): number {
  return asNumber(value) ?? fallback;
}

function arrayOfRecords(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}
