import type { Decision, ScalingHistory } from './types';

/** History older than this is dropped: longer than any stabilisation window or rate-limit period in use. */
export const HISTORY_SECONDS = 3600;
const HISTORY_ENTRIES = 120;

/**
 * The history after one evaluation: its raw recommendation joins the windows; an applied change joins the
 * rate-limit record and sets the direction's last scale time. The ledger, the in-memory ledger of the tests
 * and the simulator all keep history through this one function.
 */
export function nextHistory(
  history: ScalingHistory,
  decision: Decision,
  now: Date,
  applied: boolean,
): ScalingHistory {
  const keepAfter = now.getTime() - HISTORY_SECONDS * 1000;
  const recent = <T extends { at: Date }>(items: T[]) =>
    items.filter((i) => i.at.getTime() > keepAfter).slice(-HISTORY_ENTRIES);
  const changed = applied && decision.desired !== decision.current;
  return {
    ...history,
    recommendations: recent([...history.recommendations, { at: now, desired: decision.recommendation }]),
    changes: recent(
      changed
        ? [...history.changes, { at: now, from: decision.current, to: decision.desired }]
        : [...history.changes],
    ),
    ...(changed && decision.direction === 'out' ? { lastScaleOutAt: now } : {}),
    ...(changed && decision.direction === 'in' ? { lastScaleInAt: now } : {}),
  };
}
