import type { CapacityChangeNotice, RolledUpNotice } from '../../ports';

/**
 * A notice the run queued; `rollable`: a hold or skip told once, on a target the run took no action on (never a
 * change, a failed or settled operation, or a preparing step such as a replica replaced or a shard's replicas).
 */
export type QueuedNotice = CapacityChangeNotice & { readonly rollable?: boolean };

/**
 * More notices of one kind and reason in one batch than one SNS PublishBatch carries: a condition of the fleet
 * (a stage switched to grants by tag with its groups untagged, an Availability Zone out of an instance type), told
 * in one message rather than one a target.
 */
export const ROLL_UP_AT = 10;

/** Targets named in one rolled-up message: its SNS attributes (each target's name, for filter policies) stay small. */
export const TARGETS_PER_ROLLUP = 200;

/**
 * The batch's notices, the rollable ones (holds and skips told once) rolled up by kind and reason where
 * `ROLL_UP_AT` or more share them; every other notice (a change, a failed or settled operation, an action that
 * keeps the count, a dry run's would-be change) is told alone, as before. Pure.
 */
export function rollUpNotices(notices: readonly QueuedNotice[]): {
  single: CapacityChangeNotice[];
  rolledUp: RolledUpNotice[];
} {
  const groups = new Map<string, CapacityChangeNotice[]>();
  for (const notice of notices) {
    if (!notice.rollable || notice.decision.desired !== notice.decision.current) continue;
    const key = `${notice.decision.kind} ${notice.decision.reason}`;
    groups.set(key, [...(groups.get(key) ?? []), notice]);
  }
  const rolled = new Set<CapacityChangeNotice>();
  const rolledUp: RolledUpNotice[] = [];
  for (const group of groups.values()) {
    const [first] = group;
    if (!first || group.length < ROLL_UP_AT) continue;
    for (const notice of group) rolled.add(notice);
    for (let i = 0; i < group.length; i += TARGETS_PER_ROLLUP)
      rolledUp.push({
        kind: first.decision.kind,
        reason: first.decision.reason,
        notices: group.slice(i, i + TARGETS_PER_ROLLUP),
      });
  }
  return { single: notices.filter((n) => !rolled.has(n)), rolledUp };
}
