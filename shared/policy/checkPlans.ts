import type { PolicyProblem } from '../errors';
import { describePath, isRecord, recordsInPlace } from './describePath';
import { FLOOR_HORIZON_MINUTES } from './predictiveSchema';

type Path = (string | number)[];

/** The lead time of a kind when a member names none and the ledger has observed too little (minutes). */
const DEFAULT_PROVISIONING_MINUTES = { 'rds-replicas': 15, 'cache-shards': 10 } as const;
const DEFAULT_WARMUP_SECONDS = 300;

/** What every plan's checks read of the whole policy, and where they report. */
interface PolicyContext {
  readonly report: (path: Path, message: string) => void;
  readonly targets: ReadonlyMap<string, Record<string, unknown>>;
  readonly horizon: number;
  readonly provisioning: Record<string, unknown>;
  /** Which plan each target is already a member of. */
  readonly memberOf: Map<string, string>;
}

/** One plan's place and its members, as the checks of that plan read them. */
interface PlanContext extends PolicyContext {
  readonly at: (...rest: Path) => Path;
  readonly label: string;
  readonly members: readonly Record<string, unknown>[];
  readonly names: ReadonlySet<string>;
}

/**
 * The meaning of the `plans` section (issue 24), read from the raw document like checkMeaning: every member
 * is a target of the policy and in one plan only, ratios and readiness gates name members of the same plan
 * and close no cycle, the entry follows the demand, a demand rule exists, and no lead time outruns the
 * forecast horizon (its floors could not start early enough). One problem per line, with its place.
 */
export function checkPlans(raw: unknown): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  if (!isRecord(raw) || !Array.isArray(raw.plans)) return problems;
  const targets = new Map<string, Record<string, unknown>>();
  if (Array.isArray(raw.targets))
    for (const t of raw.targets) if (isRecord(t) && typeof t.name === 'string') targets.set(t.name, t);
  const predictive = isRecord(raw.predictive) ? raw.predictive : {};
  const policy: PolicyContext = {
    report: (path, message) => problems.push({ path: describePath(raw, path), message }),
    targets,
    // The schema's default when the policy names none: the floors' 48 hours.
    horizon: numberOr(predictive.horizonMinutes, FLOOR_HORIZON_MINUTES),
    provisioning: isRecord(predictive.provisioningMinutes) ? predictive.provisioningMinutes : {},
    memberOf: new Map(),
  };
  const planNames = new Map<string, number>();
  raw.plans.forEach((plan, i) => {
    if (!isRecord(plan)) return;
    const at = (...rest: Path): Path => ['plans', i, ...rest];
    if (typeof plan.name === 'string') {
      const first = planNames.get(plan.name);
      if (first === undefined) planNames.set(plan.name, i);
      else policy.report(at('name'), `duplicate plan name "${plan.name}" (first used by plans[${first}])`);
    }
    const members = recordsInPlace(plan.members);
    const context: PlanContext = {
      ...policy,
      at,
      label: typeof plan.name === 'string' ? plan.name : `plans[${i}]`,
      members,
      names: new Set(members.map((m) => m.target).filter((n): n is string => typeof n === 'string')),
    };
    members.forEach((member, j) => {
      checkMember(context, member, j);
    });
    checkCycles(context);
    checkDemandRule(context, plan.demand);
  });
  return problems;
}

/** One member: a target, in no other plan, the entry following the demand, its ratio, gates and lead time. */
function checkMember(c: PlanContext, member: Record<string, unknown>, j: number) {
  const name = member.target;
  if (typeof name !== 'string') return;
  const at = (...rest: Path) => c.at('members', j, ...rest);
  const target = c.targets.get(name);
  if (!target) c.report(at('target'), `"${name}" is not a target of this policy`);
  const first = c.memberOf.get(name);
  if (first !== undefined) c.report(at('target'), `"${name}" is already a member of plan "${first}"`);
  else c.memberOf.set(name, c.label);
  if (j === 0 && member.unitsPerDemand === undefined && isRecord(member.ratio))
    c.report(
      at('ratio'),
      `"${name}" is the entry (the demand reaches it first): it must follow the demand (unitsPerDemand)`,
    );
  if (isRecord(member.ratio) && typeof member.ratio.member === 'string') {
    const other = member.ratio.member;
    if (other === name) c.report(at('ratio', 'member'), `"${name}" cannot follow itself`);
    else if (!c.names.has(other))
      c.report(at('ratio', 'member'), `"${other}" is not a member of plan "${c.label}"`);
  }
  if (Array.isArray(member.waitFor))
    member.waitFor.forEach((other, k) => {
      if (other === name) c.report(at('waitFor', k), `"${name}" cannot wait for itself`);
      else if (typeof other === 'string' && !c.names.has(other))
        c.report(at('waitFor', k), `"${other}" is not a member of plan "${c.label}"`);
    });
  const lead = target ? leadMinutes(member, target, c.provisioning) : undefined;
  if (lead && lead.minutes > c.horizon)
    c.report(
      at(lead.explicit ? 'leadTimeMinutes' : 'target'),
      `lead time ${lead.minutes} min${lead.explicit ? '' : ` (${lead.source})`} is longer than predictive.horizonMinutes ${c.horizon}: the floors could not start early enough`,
    );
}

/** Ratio and gate cycles of two members or more (an edge to itself is the member's own problem). */
function checkCycles(c: PlanContext) {
  const ratioEdge = (m: Record<string, unknown>) =>
    isRecord(m.ratio) && typeof m.ratio.member === 'string' && m.ratio.member !== m.target
      ? [m.ratio.member]
      : [];
  const waitEdges = (m: Record<string, unknown>) =>
    Array.isArray(m.waitFor)
      ? m.waitFor.filter((w): w is string => typeof w === 'string' && w !== m.target)
      : [];
  reportCycle(c.members, ratioEdge, (j, cycle) =>
    c.report(
      c.at('members', j, 'ratio', 'member'),
      `ratio cycle ${cycle.join(' → ')}: a chain of ratios must end at a member that follows the demand`,
    ),
  );
  reportCycle(c.members, waitEdges, (j, cycle) =>
    c.report(
      c.at('members', j, 'waitFor'),
      `readiness gates wait in a circle ${cycle.join(' → ')}: none of them could ever grow`,
    ),
  );
}

/** A demand read from a member's rule names a member of the plan and one of its rules. */
function checkDemandRule(c: PlanContext, demand: unknown) {
  const rule = isRecord(demand) && isRecord(demand.rule) ? demand.rule : undefined;
  if (!rule || typeof rule.member !== 'string') return;
  const target = c.targets.get(rule.member);
  if (!c.names.has(rule.member))
    c.report(c.at('demand', 'rule', 'member'), `"${rule.member}" is not a member of plan "${c.label}"`);
  else if (
    target &&
    typeof rule.rule === 'string' &&
    !(Array.isArray(target.rules) && target.rules.some((r) => isRecord(r) && r.name === rule.rule))
  )
    c.report(c.at('demand', 'rule', 'rule'), `"${rule.rule}" is not a rule of target "${rule.member}"`);
}

/** A member's lead time as validation can know it: the policy's, or the kind's default. */
function leadMinutes(
  member: Record<string, unknown>,
  target: Record<string, unknown>,
  provisioning: Record<string, unknown>,
): { minutes: number; explicit: boolean; source?: string } | undefined {
  const explicit = asNumber(member.leadTimeMinutes);
  if (explicit !== undefined) return { minutes: explicit, explicit: true };
  if (target.kind === 'asg') {
    const seconds = numberOr(target.instanceWarmupSeconds, DEFAULT_WARMUP_SECONDS);
    return { minutes: Math.ceil(seconds / 60), explicit: false, source: "the group's instanceWarmupSeconds" };
  }
  if (target.kind === 'rds-replicas' || target.kind === 'cache-shards')
    return {
      minutes: numberOr(provisioning[target.kind], DEFAULT_PROVISIONING_MINUTES[target.kind]),
      explicit: false,
      source: `predictive.provisioningMinutes.${target.kind}`,
    };
  return undefined;
}

/**
 * Reports each cycle of a plan's member graph once, at the member (by index) whose edge closes it, with the
 * cycle's names in order.
 */
function reportCycle(
  members: readonly Record<string, unknown>[],
  edges: (member: Record<string, unknown>) => string[],
  report: (index: number, cycle: string[]) => void,
) {
  const index = new Map<string, number>();
  members.forEach((m, j) => {
    if (typeof m.target === 'string' && !index.has(m.target)) index.set(m.target, j);
  });
  const done = new Set<string>();
  const walk = (name: string, path: string[]) => {
    if (done.has(name)) return;
    const from = path.indexOf(name);
    if (from >= 0) {
      const cycle = [...path.slice(from), name];
      report(index.get(path.at(-1) as string) as number, cycle);
      return;
    }
    const j = index.get(name);
    if (j === undefined) return;
    for (const next of edges(members[j] as Record<string, unknown>)) walk(next, [...path, name]);
    done.add(name);
  };
  for (const name of index.keys()) walk(name, []);
}

function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function numberOr(value: unknown, fallback: number): number {
  return asNumber(value) ?? fallback;
}
