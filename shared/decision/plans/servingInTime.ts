import type { PlanMemberState } from './types';

/**
 * The units a member will serve `leadMinutes` from now from the orders it has placed so far (pure): an order
 * serves `ownLeadMinutes` after it was placed, so by then every order placed up to `ownLeadMinutes −
 * leadMinutes` ago serves. The level it had ordered at that moment (its changes since then undone), at least
 * what serves now and at most what it has ordered now (a scale-in takes effect at once). A member at least as
 * fast as the lead serves by then all it has ordered. An order still not serving more than `leadMinutes` past
 * its own lead (a replica stuck in `creating`) is overdue: it has missed its estimate by more than the span
 * asked about, so nothing says it serves within that span, and it is not counted until it does (an order a
 * minute or two late, as lead times vary, still counts).
 */
export function servingInTime(
  state: PlanMemberState,
  ownLeadMinutes: number,
  leadMinutes: number,
  now: Date,
): number {
  const behind = ownLeadMinutes - leadMinutes;
  const byThen = behind <= 0 ? state.ordered : orderedAt(state, now.getTime() - behind * 60_000);
  const dueBy = now.getTime() - (ownLeadMinutes + leadMinutes) * 60_000;
  const overdue = Math.max(0, orderedAt(state, dueBy) - state.serving);
  return Math.min(state.ordered, Math.max(state.serving, byThen - overdue));
}

/** The level the member had ordered at `time`: the first change after it undone (its `from`), else now's. */
function orderedAt(state: PlanMemberState, time: number): number {
  const later = state.changes.find((c) => c.at.getTime() > time);
  return later ? later.from : state.ordered;
}
