import type { PlanNotice } from '../../decision/plans/types';
import type { Decision } from '../../decision/types';
import type { TargetRecord } from '../../ports';
import type { EvaluationRun } from './EvaluationRun';
import { rollUpNotices } from './rollUpNotices';

/**
 * The notify step: a change (or a notice worth telling) for the operators' topic, queued on the run and
 * sent when its batch is done (`sendNotices`), in as few calls as the notifier takes (SNS PublishBatch).
 */
export function notifyChange(
  run: EvaluationRun,
  decision: Decision,
  dryRun: boolean,
  at: Date,
  options: { readonly rollable?: boolean } = {},
): void {
  run.notices.push({ decision, dryRun, at, ...(options.rollable ? { rollable: true } : {}) });
}

/**
 * Sends the notices the batch queued, those many targets share rolled up (rollUpNotices) where the notifier can.
 * One that cannot be sent fails its targets' evaluations (the run then fails and Lambda retries it): a change is
 * never left untold without a trace.
 */
export async function sendNotices(run: EvaluationRun): Promise<void> {
  const notices = run.notices.splice(0);
  if (notices.length === 0) return;
  const { notifier } = run.deps;
  const { single, rolledUp } = notifier.noticesRolledUp
    ? rollUpNotices(notices)
    : { single: notices, rolledUp: [] };
  await run.guard(
    notices.map((n) => n.decision.target),
    async () => {
      if (single.length > 0 && notifier.capacityChangedMany) await notifier.capacityChangedMany(single);
      else for (const notice of single) await notifier.capacityChanged(notice);
      for (const rollup of rolledUp) await notifier.noticesRolledUp?.(rollup);
    },
  );
}

/**
 * The notice a decision that repeats every minute carries, told when it first appears and again when it
 * changes: a dry run's would-be change, a skip the kind says is worth telling; null for the others.
 */
export function noticeOf(decision: Decision, dryRun: boolean, notify: boolean | undefined): string | null {
  if (decision.desired !== decision.current && dryRun)
    return `dry run ${decision.current}→${decision.desired}`;
  return notify ? `${decision.reason}` : null;
}

/** What tells a plan member's notice apart in the record's last notice (after the decision's own, if any). */
const PLAN_NOTICE = 'PlanMemberCannotFollow ';
const SEPARATOR = ' | ';

/**
 * The last notice a decision leaves in its target's record: its own notice (noticeOf), and for a plan member
 * that cannot follow, its plan notice's key; each part is told when it first appears and again when it
 * changes, independently of the other (planNoticeChanged, decisionNoticeChanged).
 */
export function noticeKey(
  decision: Decision,
  dryRun: boolean,
  notify: boolean | undefined,
  planNotice: PlanNotice | undefined,
): string | null {
  const parts = [noticeOf(decision, dryRun, notify), planNotice ? `${PLAN_NOTICE}${planNotice.key}` : null];
  const kept = parts.filter((p): p is string => p !== null);
  return kept.length > 0 ? kept.join(SEPARATOR) : null;
}

/** The two parts of a record's last notice: the decision's own, and the plan notice's. */
function noticeParts(key: string | null | undefined): { own: string | null; plan: string | null } {
  const parts = (key ?? '').split(SEPARATOR).filter((p) => p !== '');
  return {
    own: parts.find((p) => !p.startsWith(PLAN_NOTICE)) ?? null,
    plan: parts.find((p) => p.startsWith(PLAN_NOTICE)) ?? null,
  };
}

/** Whether the decision's own notice is new against the record's last one (told: it is not null). */
export function decisionNoticeChanged(key: string | null, before: string | undefined): boolean {
  const now = noticeParts(key).own;
  return now !== null && now !== noticeParts(before).own;
}

/** Whether the plan notice is new against the record's last one (told: it is not null). */
export function planNoticeChanged(key: string | null, before: string | undefined): boolean {
  const now = noticeParts(key).plan;
  return now !== null && now !== noticeParts(before).plan;
}

/** The plan part of a record's last notice, kept when a change resets the decision's own. */
export function planNoticePart(key: string | null): string | null {
  return noticeParts(key).plan;
}

/**
 * The parts of a decision's notice `key` to tell now: each when it is new against the record's last notice,
 * and one that changes nothing not again within the hour it was last told; a dry run's would-be change
 * (`wouldChange`) is told each time it comes back, as the change would be. `keys`: what `noticesToldAt` gets.
 */
export function noticesToTell(
  record: Pick<TargetRecord, 'lastNotice' | 'noticesToldAt'>,
  key: string | null,
  now: Date,
  wouldChange: boolean,
): { own: boolean; plan: boolean; keys: string[] } {
  const parts = noticeParts(key);
  const fresh = (part: string | null) => part !== null && !toldWithinTheHour(record.noticesToldAt, part, now);
  const own = decisionNoticeChanged(key, record.lastNotice) && (wouldChange || fresh(parts.own));
  const plan = planNoticeChanged(key, record.lastNotice) && fresh(parts.plan);
  const keys = [own ? parts.own : null, plan ? parts.plan : null].filter((k): k is string => k !== null);
  return { own, plan, keys };
}

/**
 * The same notice that changes nothing is told at most once in this long: a condition that comes and goes
 * (a source busy, then not, then busy again; an action refused between two holds) is told once an hour,
 * not each time it comes back (issue 21: no notice storms).
 */
const REPEAT_AFTER_MS = 60 * 60_000;

/** Whether the notice `key` was told less than an hour before `now`. */
export function toldWithinTheHour(
  told: Readonly<Record<string, Date>> | undefined,
  key: string,
  now: Date,
): boolean {
  const at = told?.[key];
  return at !== undefined && now.getTime() - at.getTime() < REPEAT_AFTER_MS;
}

/** The notices told within the hour, with `keys` told `now` (older ones dropped: the record stays small). */
export function withTold(
  told: Readonly<Record<string, Date>> | undefined,
  keys: readonly string[],
  now: Date,
): Record<string, Date> {
  const kept = Object.entries(told ?? {}).filter(([key]) => toldWithinTheHour(told, key, now));
  return Object.fromEntries([...kept, ...keys.map((key) => [key, now] as const)]);
}
