import type { PolicyProblem } from '../errors';
import { checkDefaultDimensions } from './checkDefaultDimensions';
import { checkEvaluation } from './checkEvaluation';
import { checkParameterNames } from './checkParameterNames';
import { checkPlans } from './checkPlans';
import { describePath, isRecord, recordsInPlace } from './describePath';
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
  const report: Report = (path, message) => problems.push({ path: describePath(raw, path), message });
  if (!isRecord(raw) || !Array.isArray(raw.targets)) return problems;

  const policyCap = numberOr(raw.maxUnitsPerDecision, DEFAULT_MAX_UNITS_PER_DECISION);
  const firstByName = new Map<string, number>();
  const firstByResource = new Map<string, number>();
  raw.targets.forEach((target, i) => {
    if (!isRecord(target)) return;
    const at = (...rest: Path): Path => ['targets', i, ...rest];
    checkUnique(target, i, at, { firstByName, firstByResource }, report);
    checkRules(target, at, policyCap, report);
  });
  checkCost(raw, report);
  checkEvents(raw, firstByName, report);
  problems.push(...checkEvaluation(raw), ...checkDefaultDimensions(raw), ...checkReplicaNames(raw));
  problems.push(...checkPlans(raw), ...checkParameterNames(raw));
  return problems;
}

type Report = (path: Path, message: string) => void;

/** A target's name, and the resource it manages, used by no target before it. */
function checkUnique(
  target: Record<string, unknown>,
  i: number,
  at: (...rest: Path) => Path,
  seen: { firstByName: Map<string, number>; firstByResource: Map<string, number> },
  report: Report,
): void {
  if (typeof target.name === 'string') {
    const first = seen.firstByName.get(target.name);
    if (first === undefined) seen.firstByName.set(target.name, i);
    else report(at('name'), `duplicate target name "${target.name}" (first used by targets[${first}])`);
  }
  const resourceKey = resourceKeyByKind[target.kind as keyof typeof resourceKeyByKind];
  const resource = resourceKey ? target[resourceKey] : undefined;
  if (typeof resource !== 'string' || resource === '') return;
  // RDS and ElastiCache identifiers are case-insensitive (stored lowercase); group names are not.
  const key = `${String(target.kind)}:${target.kind === 'asg' ? resource : resource.toLowerCase()}`;
  const first = seen.firstByResource.get(key);
  if (first === undefined) seen.firstByResource.set(key, i);
  else
    report(at(resourceKey), `"${resource}" is already managed by targets[${first}]; two targets would fight`);
}

/** The capacity range, and each rule: a unique name, and a step rule's steps and thresholds. */
function checkRules(
  target: Record<string, unknown>,
  at: (...rest: Path) => Path,
  policyCap: number,
  report: Report,
) {
  const capacity = isRecord(target.capacity) ? target.capacity : {};
  const min = asNumber(capacity.min);
  const max = asNumber(capacity.max);
  if (min !== undefined && max !== undefined && max < min)
    report(at('capacity', 'max'), `${max} is below min ${min}`);
  const range = min !== undefined && max !== undefined && max >= min ? { min, max } : undefined;
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
    if (rule.type === 'step') checkStepRule(rule, ruleAt, { range, cap }, report);
  });
}

/**
 * A step rule's steps fit the range and the per-decision cap, no threshold appears twice, and every scale-in
 * threshold sits below the lowest scale-out one.
 */
function checkStepRule(
  rule: Record<string, unknown>,
  ruleAt: (...rest: Path) => Path,
  limits: { range?: { min: number; max: number }; cap: number },
  report: Report,
): void {
  const outs = recordsInPlace(rule.scaleOut);
  const ins = recordsInPlace(rule.scaleIn);
  const checkStep = (direction: 'scaleOut' | 'scaleIn', k: number, size: number | undefined) => {
    const field = direction === 'scaleOut' ? 'add' : 'remove';
    if (size === undefined) return;
    const { range, cap } = limits;
    if (range && size > range.max - range.min)
      report(
        ruleAt(direction, k, field),
        `step of ${size} does not fit the range ${range.min}..${range.max} (at most ${range.max - range.min})`,
      );
    if (size > cap) report(ruleAt(direction, k, field), `step of ${size} exceeds maxUnitsPerDecision ${cap}`);
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
}

function checkCost(raw: Record<string, unknown>, report: Report): void {
  if (!isRecord(raw.cost)) return;
  const daily = asNumber(raw.cost.dailyLimitUsd);
  const monthly = asNumber(raw.cost.monthlyBudgetUsd);
  if (daily !== undefined && monthly !== undefined && monthly < daily)
    report(['cost', 'monthlyBudgetUsd'], `${monthly} is below the daily limit ${daily}`);
}

/** A known event must name targets that exist, with predictive on (a typo would silently raise no floor). */
function checkEvents(
  raw: Record<string, unknown>,
  firstByName: ReadonlyMap<string, number>,
  report: Report,
): void {
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
