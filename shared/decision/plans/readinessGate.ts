import type { ReasonCode } from '../types';
import { carriedDemand } from './carriedDemand';
import { plural } from './planText';
import { servingInTime } from './servingInTime';
import type { GateVerdict, PlanMemberState, PlanModel } from './types';
import { wantedUnits } from './wantedUnits';

/**
 * The readiness gate (a member's `waitFor`): the member does not grow past a level until each member it waits
 * for serves what that level needs of it: the units the demand it would carry at that level asks of them
 * (e.g. "api held at 6 until events-db serves 3 read replicas (serving 2)"). With the plan's `gateTiming`
 * `in-time`, "serves" is counted when the member's own new capacity would: what the members it waits for will
 * serve within its own lead time from what they have ordered (servingInTime.ts), so its capacity arrives with
 * theirs rather than a lead time after them (with `serving`, what they serve now). It only limits growth: a
 * proposal at or below the current capacity passes, it never takes the member below what it has, and a step
 * back into the member's own range (`OutOfRange`) passes: the gate never holds a member below its minimum. A member
 * whose state is unknown (absent from `states`: its scaler recorded none lately) holds no one back: a scaler
 * that stopped must not freeze the tier in front of it. Nor does a gate without a fresh demand datapoint: the
 * members behind follow the demand, so they are asked for nothing while it is missing, and waiting on them
 * would hold the member for the whole metric outage. Nor does a member that cannot grow: one at its maximum
 * (waiting would bring no more), one whose plan record says it is blocked (refused, failed, at a quota, not
 * scalable: followCap.ts already caps the plan for it and tells of it), or one in dry run while this member acts
 * (it changes nothing, so waiting would hold this member for good; with both in dry run the gate shows what a
 * live run would hold).
 */
export function readinessGate(
  model: PlanModel,
  member: string,
  proposal: { readonly current: number; readonly desired: number; readonly reason?: ReasonCode },
  states: Readonly<Record<string, PlanMemberState>>,
  now: Date,
  demand: number | undefined,
): GateVerdict {
  const own = model.members.find((m) => m.name === member);
  if (!own || own.waitFor.length === 0 || proposal.desired <= proposal.current) return { proceed: true };
  // The member's own range is the policy's bound, kept with or without the others (as heldWithoutRecords does).
  if (proposal.reason === 'OutOfRange')
    return {
      proceed: true,
      message: `${member} not held for ${own.waitFor.join(', ')}: a step back into its own range (OutOfRange) goes ahead`,
    };
  if (demand === undefined)
    return {
      proceed: true,
      message: `${member} not held for ${own.waitFor.join(', ')}: no fresh demand datapoint, so the plan asks them for nothing to wait for`,
    };
  const passedOver = own.waitFor.flatMap((other) => {
    const why = cannotGrow(states[other], states[member]);
    return why ? [`${member} not held for ${other}: ${why}, so waiting would bring nothing`] : [];
  });
  const waited = own.waitFor.filter((other) => !cannotGrow(states[other], states[member]));
  const passed: GateVerdict =
    passedOver.length > 0 ? { proceed: true, message: passedOver.join('; ') } : { proceed: true };
  const inTime = model.gateTiming === 'in-time';
  const ready = (other: string, state: PlanMemberState) => {
    const lead = model.members.find((m) => m.name === other)?.leadMinutes ?? 0;
    return inTime ? servingInTime(state, lead, own.leadMinutes, now) : state.serving;
  };
  const shortAt = (level: number) => {
    // A level passes on what it carries, never more than the demand: capacity the member's own rules add
    // beyond the demand loads no one behind it.
    const passedOn = Math.min(carriedDemand(model, member, level), demand);
    const needs = wantedUnits(model, passedOn);
    for (const other of waited) {
      const state = states[other];
      if (!state) continue;
      // Within its range and what its resource takes now: waiting would not bring more than that.
      const need = Math.min(needs.get(other)?.wanted ?? 0, state.max ?? Number.POSITIVE_INFINITY);
      const serving = ready(other, state);
      if (need > serving) return { other, need, serving: state.serving, ready: serving };
    }
    return undefined;
  };
  let allowed = proposal.desired;
  let short = shortAt(allowed);
  if (!short) return passed;
  let blocking = short;
  while (short && allowed > proposal.current) {
    blocking = short;
    allowed -= 1;
    short = shortAt(allowed);
  }
  const unit = model.members.find((m) => m.name === blocking.other)?.unit ?? 'unit';
  const waiting = inTime
    ? `until ${blocking.other} serves ${blocking.need} ${plural(unit, blocking.need)} within ${member}'s ${own.leadMinutes} min lead time (serving ${blocking.serving}, ${blocking.ready} by then)`
    : `until ${blocking.other} serves ${blocking.need} ${plural(unit, blocking.need)} (serving ${blocking.serving})`;
  return {
    hold: allowed,
    reason: 'ReadinessGate',
    message:
      allowed === proposal.current
        ? `${member} held at ${allowed} ${waiting}`
        : `${member} grows to ${allowed}, not ${proposal.desired}, ${waiting}`,
  };
}

/** Why a member waited for will not grow whatever the wait (blocked, or in dry run while `own` acts); undefined: it may. */
function cannotGrow(
  state: PlanMemberState | undefined,
  own: PlanMemberState | undefined,
): string | undefined {
  if (state?.blocked !== undefined) return `it cannot follow (${state.blocked})`;
  if (state?.dryRun && !own?.dryRun) return 'it is in dry run and changes nothing';
  return undefined;
}
