import type { PlanMemberState } from './types';

/**
 * The most units a member has had ordered at any time since `since`: its level now, and every level its
 * changes after `since` left or reached (before such a change, the level was its `from`).
 */
export function highestOrderedSince(state: PlanMemberState, since: Date): number {
  let highest = state.ordered;
  for (const change of state.changes)
    if (change.at > since) highest = Math.max(highest, change.from, change.to);
  return highest;
}
