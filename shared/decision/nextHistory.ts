import type { Target } from '../policy/schema';
import type { Decision, ScalingHistory } from './types';

/** The longest window validation accepts: history is kept this long at most. */
export const MAX_HISTORY_SECONDS = 86_400;
const MIN_HISTORY_SECONDS = 3600;

/**
 * How long a target's history must be kept: its longest stabilisation window, rate-limit period or
 * instance warmup (at least an hour), so no configured window silently shrinks.
 */
export function historySeconds(target: Target): number {
  return Math.min(
    MAX_HISTORY_SECONDS,
    Math.max(
      MIN_HISTORY_SECONDS,
      target.stabilization.scaleOutSeconds,
      target.stabilization.scaleInSeconds,
      // A scale-out that AWS rolls back falls back to the one before it, which must still be in the record.
      target.stabilization.scaleInAfterScaleOutSeconds ?? 0,
      ...target.rateLimits.scaleOut.map((l) => l.periodSeconds),
      ...target.rateLimits.scaleIn.map((l) => l.periodSeconds),
      target.kind === 'asg' ? target.instanceWarmupSeconds : 0,
    ),
  );
}

/**
 * The history after one evaluation: its raw recommendation joins the windows; an applied change joins the
 * rate-limit record and sets the direction's last scale time. The ledger, the in-memory ledger of the tests
 * and the simulator all keep history through this one function.
 *
 * Entries are kept for `keepSeconds` with no count limit. Consecutive equal recommendations are kept as
 * one entry with the newest time: the windows only ask for the lowest or highest recommendation since some
 * instant, and a run of equal values is inside a window exactly when its newest member is, so a day of
 * one-minute evaluations stays a few entries long.
 */
export function nextHistory(
  history: ScalingHistory,
  decision: Decision,
  now: Date,
  applied: boolean,
  keepSeconds: number = MIN_HISTORY_SECONDS,
): ScalingHistory {
  const changed = applied && decision.desired !== decision.current;
  const previous = history.recommendations.at(-1);
  const recommendations =
    previous?.desired === decision.recommendation
      ? [...history.recommendations.slice(0, -1), { at: now, desired: decision.recommendation }]
      : [...history.recommendations, { at: now, desired: decision.recommendation }];
  const next: ScalingHistory = {
    ...history,
    recommendations,
    changes: changed
      ? [...history.changes, { at: now, from: decision.current, to: decision.desired }]
      : [...history.changes],
    ...(changed && decision.direction === 'out' ? { lastScaleOutAt: now } : {}),
    ...(changed && decision.direction === 'in' ? { lastScaleInAt: now } : {}),
  };
  return trimmed(next, now, keepSeconds);
}

/**
 * The history with a change that was made at `change.at` but not recorded then (a reconciled intent):
 * it joins the rate-limit record and starts its direction's cooldown from when it was made.
 */
export function withAppliedChange(
  history: ScalingHistory,
  change: { at: Date; from: number; to: number },
  now: Date,
  keepSeconds: number = MIN_HISTORY_SECONDS,
): ScalingHistory {
  if (change.from === change.to) return trimmed(history, now, keepSeconds);
  const later = (a: Date | undefined) => (a && a > change.at ? a : change.at);
  const next: ScalingHistory = {
    ...history,
    changes: [...history.changes, change].sort((a, b) => a.at.getTime() - b.at.getTime()),
    ...(change.to > change.from
      ? { lastScaleOutAt: later(history.lastScaleOutAt) }
      : { lastScaleInAt: later(history.lastScaleInAt) }),
  };
  return trimmed(next, now, keepSeconds);
}

/**
 * The history without a change that AWS rolled back (a failed reshard, a replica that never came up): it
 * leaves the rate-limit record, and its direction's last scale time falls back to the change before it.
 */
export function withoutChange(
  history: ScalingHistory,
  change: { at: Date; from: number; to: number },
): ScalingHistory {
  const same = (c: { at: Date; from: number; to: number }) =>
    c.at.getTime() === change.at.getTime() && c.from === change.from && c.to === change.to;
  const changes = history.changes.filter((c) => !same(c));
  const out = change.to > change.from;
  const last = changes.filter((c) => c.to > c.from === out).at(-1)?.at;
  const { lastScaleOutAt, lastScaleInAt, ...rest } = history;
  const wasIt = (at: Date | undefined) => at?.getTime() === change.at.getTime();
  const keepOut = out && wasIt(lastScaleOutAt) ? last : lastScaleOutAt;
  const keepIn = !out && wasIt(lastScaleInAt) ? last : lastScaleInAt;
  return {
    ...rest,
    changes,
    ...(keepOut ? { lastScaleOutAt: keepOut } : {}),
    ...(keepIn ? { lastScaleInAt: keepIn } : {}),
  };
}

function trimmed(history: ScalingHistory, now: Date, keepSeconds: number): ScalingHistory {
  const keepAfter = now.getTime() - keepSeconds * 1000;
  const recent = <T extends { at: Date }>(items: readonly T[]) =>
    items.filter((i) => i.at.getTime() > keepAfter);
  return { ...history, recommendations: recent(history.recommendations), changes: recent(history.changes) };
}
