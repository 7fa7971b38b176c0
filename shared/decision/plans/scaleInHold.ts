import { carriedDemand } from './carriedDemand';
import { highestOrderedSince } from './highestOrderedSince';
import { planOrder } from './planOrder';
import type { PlanMemberState, PlanModel } from './types';
import { wantedUnits } from './wantedUnits';

/**
 * A member held on the way in: the level it keeps, and the member in front of it that holds it with that
 * member's highest level (undefined: that member's state is unknown, and the member keeps all it has).
 */
export interface ScaleInHold {
  readonly units: number;
  readonly front: string;
  readonly frontHighest: number | undefined;
}

/**
 * Scale-in runs fastest first, and each member follows only after the members in front of it (every faster
 * one) have been smaller for the plan's hold: a member keeps what the demand needs of it at the highest level
 * any member in front has had within the hold. Every one, not the next only: one in front that never grew with
 * the burst (a reshard held by its CPU, a cooldown, a dry run: nothing that counts as blocked) would otherwise
 * let the members behind it fall to the demand of now while the entry's burst is minutes old. A level counts
 * only as far as the demand asked for it (`highestDemand`, the most the demand reached within the hold, when
 * known): a member in front its own rules keep large holds no tier behind it above what the demand needs. The
 * hold only holds, never above the member's own ordered capacity. A member in front whose state is unknown
 * (absent from `states`) cannot show it has been smaller: the member keeps what it has. Undefined for the
 * fastest member (nothing in front of it) and when the hold keeps nothing. On a tie the nearest member in
 * front is named.
 */
export function scaleInHold(
  model: PlanModel,
  member: string,
  states: Readonly<Record<string, PlanMemberState>>,
  now: Date,
  highestDemand?: number,
): ScaleInHold | undefined {
  const order = planOrder(model).in;
  // Nearest first, so a tie names the member directly in front.
  const fronts = order.slice(0, Math.max(0, order.indexOf(member))).reverse();
  const own = states[member];
  if (fronts.length === 0 || !own) return undefined;
  const unknown = fronts.find((front) => !states[front]);
  if (unknown !== undefined)
    return own.ordered > 0 ? { units: own.ordered, front: unknown, frontHighest: undefined } : undefined;
  const since = new Date(now.getTime() - model.scaleInHoldMinutes * 60_000);
  let held: ScaleInHold | undefined;
  for (const front of fronts) {
    const frontHighest = highestOrderedSince(states[front] as PlanMemberState, since);
    const carried = Math.min(
      carriedDemand(model, front, frontHighest),
      highestDemand ?? Number.POSITIVE_INFINITY,
    );
    const needed = wantedUnits(model, carried).get(member)?.wanted ?? 0;
    const units = Math.min(own.ordered, needed);
    if (units > 0 && (held === undefined || units > held.units)) held = { units, front, frontHighest };
  }
  return held;
}
