import type { ReasonCode } from '../types';
import { followCap } from './followCap';
import { PLAN_STATE_FRESH_MINUTES } from './planMemberStates';
import { planOrder } from './planOrder';
import { formatDemand, plural } from './planText';
import { scaleInHold } from './scaleInHold';
import type {
  MemberPlan,
  PlanDecision,
  PlanMemberModel,
  PlanMemberState,
  PlanModel,
  PlanStep,
} from './types';
import { wantedUnits } from './wantedUnits';

/** What one evaluation of a plan reads: the plan, its demand's newest datapoint, each member's state. */
export interface PlanInput {
  readonly model: PlanModel;
  /** The newest complete datapoint of the demand signal; undefined when missing or stale. */
  readonly demand: number | undefined;
  /** The most the demand reached within the scale-in hold (its datapoints of the hold's span); undefined: unknown. */
  readonly highestDemand?: number;
  readonly members: Readonly<Record<string, PlanMemberState>>;
  readonly now: Date;
}

/**
 * What a plan asks of each member now: a floor that its own decision honours (through its own windows,
 * cooldowns, caps, bounds and gates), the largest of
 * - the units the measured demand needs (wantedUnits.ts), capped by members that cannot follow (followCap.ts);
 * - the plan's forecast floor in force (predict's, shifted by the member's own lead time, so the slowest tier
 *   starts first), capped the same way;
 * - on the way in, the scale-in hold (scaleInHold.ts: never above what it has).
 * Pure; the members come out in scale-out order, the next steps in the order they go.
 */
export function decidePlan(input: PlanInput): PlanDecision {
  const { model, demand, members: states } = input;
  const order = planOrder(model);
  const cap = demand === undefined ? undefined : followCap(model, demand, states);
  const sized: Sizing | undefined =
    cap && demand !== undefined
      ? { demand, sizedFor: cap.sizedFor, wanted: wantedUnits(model, cap.sizedFor) }
      : undefined;
  const plans = order.out.map((name) => memberPlan(input, name, sized));
  return {
    plan: model.name,
    ...(demand !== undefined ? { demand } : {}),
    ...(cap ? { sizedFor: cap.sizedFor } : {}),
    members: plans,
    steps: nextSteps(plans, order.in),
    notices: cap?.notices ?? [],
  };
}

/** The measured demand, the demand the plan sizes for (lower under a cap) and each member's units for it. */
interface Sizing {
  readonly demand: number;
  readonly sizedFor: number;
  readonly wanted: Map<string, { readonly wanted: number }>;
}

/** One member's floor: the largest of the demand's need, its forecast floor and its scale-in hold. */
function memberPlan(input: PlanInput, name: string, sized: Sizing | undefined): MemberPlan {
  const { model, members: states } = input;
  const member = model.members.find((m) => m.name === name) as PlanMemberModel;
  const state = states[name] ?? { ordered: 0, serving: 0, changes: [] };
  const want = sized?.wanted.get(name)?.wanted;
  const capped = sized !== undefined && sized.sizedFor < sized.demand;
  const units = (n: number) => `${n} ${plural(member.unit, n)}`;
  const candidates: { floor: number; reason: ReasonCode; message: string }[] = [];
  if (sized && want !== undefined)
    candidates.push({
      floor: want,
      reason: capped ? 'PlanCapped' : 'PlanDemand',
      message: `${capped ? `capped at the demand ${formatDemand(sized.sizedFor)} a member that cannot follow carries (of ${formatDemand(sized.demand)})` : `demand ${formatDemand(sized.demand)}`} needs ${units(want)}${followsText(member)}`,
    });
  if (state.forecastFloor) {
    // Under a cap the forecast asks no more than the cap allows either.
    const floor = Math.min(state.forecastFloor.units, capped && want !== undefined ? want : Infinity);
    candidates.push({
      floor,
      reason: 'PlanForecast',
      message: `the forecast needs ${units(floor)} within its ${member.leadMinutes} min lead time (${state.forecastFloor.source})`,
    });
  }
  const hold = scaleInHold(model, name, states, input.now, input.highestDemand);
  if (hold)
    candidates.push({
      floor: hold.units,
      reason: 'PlanScaleInHold',
      message:
        hold.frontHighest === undefined
          ? `held at ${units(hold.units)} while ${hold.front}'s state is unknown (none recorded in the last ${PLAN_STATE_FRESH_MINUTES} min)`
          : `held at ${units(hold.units)} until ${hold.front} has been below ${hold.frontHighest} for ${model.scaleInHoldMinutes} min`,
    });
  const base = {
    member: name,
    current: state.ordered,
    serving: state.serving,
    ...(want !== undefined ? { wanted: want } : {}),
  };
  const top = candidates.reduce<(typeof candidates)[number] | undefined>(
    (a, b) => (a === undefined || b.floor > a.floor ? b : a),
    undefined,
  );
  if (!top)
    return {
      ...base,
      floor: 0,
      reason: 'MetricsMissing',
      message: `plan ${model.name}: no fresh demand datapoint and no forecast floor: no floor for ${name}`,
    };
  return { ...base, floor: top.floor, reason: top.reason, message: `plan ${model.name}: ${top.message}` };
}

/** Growth first, slowest first (the members come in that order); then shrinking, fastest first. */
function nextSteps(plans: readonly MemberPlan[], inOrder: readonly string[]): PlanStep[] {
  const growth: PlanStep[] = plans
    .filter((p) => p.floor > p.current)
    .map((p) => ({ member: p.member, from: p.current, to: p.floor, direction: 'out' }));
  const shrink: PlanStep[] = inOrder
    .map((name) => plans.find((p) => p.member === name) as MemberPlan)
    .filter((p) => p.wanted !== undefined && p.floor < p.current)
    .map((p) => ({ member: p.member, from: p.current, to: p.floor, direction: 'in' }));
  return [...growth, ...shrink];
}

function followsText(member: PlanMemberModel): string {
  const f = member.follows;
  if ('unitsPerDemand' in f) return ` (${f.unitsPerDemand} per unit of demand)`;
  return ` (${f.units} per ${f.per} of ${f.member}'s, rounded up)`;
}
