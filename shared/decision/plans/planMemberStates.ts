import type { PlanMemberRecord, PlanMemberState } from './types';

/**
 * How old a member's recorded state may be before the others treat it as unknown: every scaler records its
 * members every minute, so five minutes is a few missed runs (a throttled run, a deploy), not a stopped scaler.
 */
export const PLAN_STATE_FRESH_MINUTES = 5;

/** The members' states as the others' scalers may use them, and those unknown with why. */
export interface PlanMemberStates {
  readonly states: Record<string, PlanMemberState>;
  /** By member: why its state is unknown (never recorded, or recorded too long ago). */
  readonly unknown: Record<string, string>;
}

/**
 * The recorded states of `members` that are fresh at `now` (at most PLAN_STATE_FRESH_MINUTES old), as the
 * plan decisions read them. A stale or missing one is left out, which the plan decisions read as unknown,
 * safely: it holds no member back from growing (readinessGate.ts) and lets none behind it shrink
 * (scaleInHold.ts).
 */
export function planMemberStates(
  records: ReadonlyMap<string, PlanMemberRecord>,
  members: readonly string[],
  now: Date,
): PlanMemberStates {
  const states: Record<string, PlanMemberState> = {};
  const unknown: Record<string, string> = {};
  for (const name of members) {
    const record = records.get(name);
    if (!record) {
      unknown[name] = 'no state recorded yet';
      continue;
    }
    const ageMinutes = (now.getTime() - record.at.getTime()) / 60_000;
    if (ageMinutes > PLAN_STATE_FRESH_MINUTES) {
      unknown[name] =
        `its state was last recorded ${Math.floor(ageMinutes)} min ago (stale after ${PLAN_STATE_FRESH_MINUTES})`;
      continue;
    }
    states[name] = {
      ordered: record.ordered,
      serving: record.serving,
      changes: record.changes,
      ...(record.blocked !== undefined ? { blocked: record.blocked } : {}),
      ...(record.reachable !== undefined ? { reachable: record.reachable } : {}),
      ...(record.max !== undefined ? { max: record.max } : {}),
    };
  }
  return { states, unknown };
}
