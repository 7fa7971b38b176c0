import { carriedDemand } from './carriedDemand';
import { highestOrderedSince } from './highestOrderedSince';
import { planOrder } from './planOrder';
import type { PlanMemberState, PlanModel } from './types';
import { wantedUnits } from './wantedUnits';

/**
 * A member held on the way in: the level it keeps, and the member in front of it with its highest level
 * (undefined: the front member's state is unknown, and the member keeps all it has).
 */
export interface ScaleInHold {
  readonly units: number;
  readonly front: string;
  readonly frontHighest: number | undefined;
}

/**
 * Scale-in runs fastest first, and each member follows only after the member in front of it (the next faster
 * one) has been smaller for the plan's hold: a member keeps what the demand needs of it at the level the front
 * member has had within the hold. That level counts only as far as the demand asked for it (`highestDemand`, the
 * most the demand reached within the hold, when known): a front member its own rules keep large holds no tier
 * behind it above what the demand needs. The hold only holds, never above the member's own ordered capacity.
 * A front member whose state is unknown (absent from `states`) cannot show it has been smaller: the member
 * keeps what it has. Undefined for the fastest member (nothing in front of it) and when the hold keeps nothing.
 */
export function scaleInHold(
  model: PlanModel,
  member: string,
  states: Readonly<Record<string, PlanMemberState>>,
  now: Date,
  highestDemand?: number,
): ScaleInHold | undefined {
  const order = planOrder(model).in;
  const front = order[order.indexOf(member) - 1];
  const own = states[member];
  const frontState = front === undefined ? undefined : states[front];
  if (front === undefined || !own) return undefined;
  if (!frontState)
    return own.ordered > 0 ? { units: own.ordered, front, frontHighest: undefined } : undefined;
  const since = new Date(now.getTime() - model.scaleInHoldMinutes * 60_000);
  const frontHighest = highestOrderedSince(frontState, since);
  const carried = Math.min(
    carriedDemand(model, front, frontHighest),
    highestDemand ?? Number.POSITIVE_INFINITY,
  );
  const needed = wantedUnits(model, carried).get(member)?.wanted ?? 0;
  const units = Math.min(own.ordered, needed);
  return units > 0 ? { units, front, frontHighest } : undefined;
}
