import type { PlanModel } from './types';

/**
 * The order a plan moves its members in. Out: the longest lead time first, so the slowest tier starts first
 * (on a tie, the member further from the entry first). In: the exact reverse, the fastest first, so every
 * member shrinks only behind the one in front of it.
 */
export function planOrder(model: PlanModel): { readonly out: string[]; readonly in: string[] } {
  const out = model.members
    .map((m, index) => ({ name: m.name, lead: m.leadMinutes, index }))
    .sort((a, b) => b.lead - a.lead || b.index - a.index)
    .map((m) => m.name);
  return { out, in: [...out].reverse() };
}
