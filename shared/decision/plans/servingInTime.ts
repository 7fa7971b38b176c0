import type { PlanMemberState } from './types';

/**
 * The units a member will serve `leadMinutes` from now from the orders it has placed so far (pure): an order
 * serves `ownLeadMinutes` after it was placed, so by then every order placed up to `ownLeadMinutes −
 * leadMinutes` ago serves. The level it had ordered at that moment (its changes since then undone), at least
 * what serves now and at most what it has ordered now (a scale-in takes effect at once). A member at least as
 * fast as the lead serves by then all it has ordered.
 */
export function servingInTime(
  state: PlanMemberState,
  ownLeadMinutes: number,
  leadMinutes: number,
  now: Date,
): number {
  const behind = ownLeadMinutes - leadMinutes;
  if (behind <= 0) return state.ordered;
  const placedBy = now.getTime() - behind * 60_000;
  // Before the first change after that moment, the level was that change's `from`.
  const later = state.changes.find((c) => c.at.getTime() > placedBy);
  const then = later ? later.from : state.ordered;
  return Math.min(state.ordered, Math.max(state.serving, then));
}
