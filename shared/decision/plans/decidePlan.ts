import type { ReasonCode } from '../types';
import { followCap } from './followCap';
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
  const { model, demand, members: states, now } = input;
  const order = planOrder(model);
  const cap = demand === undefined ? undefined : followCap(model, demand, states);
  const wanted = cap ? wantedUnits(model, cap.sizedFor) : undefined;
  const capped = cap !== undefined && cap.sizedFor < (demand ?? 0);
  const byName = new Map(model.members.map((m) => [m.name, m]));

  const plans = order.out.map((name): MemberPlan => {
    const member = byName.get(name) as PlanMemberModel;
    const state = states[name] ?? { ordered: 0, serving: 0, changes: [] };
    const want = wanted?.get(name)?.wanted;
    const forecast = state.forecastFloor
      ? Math.min(state.forecastFloor.units, capped && want !== undefined ? want : Number.POSITIVE_INFINITY)
      : undefined;
    const hold = scaleInHold(model, name, states, now, input.highestDemand);
    const base = {
      member: name,
      current: state.ordered,
      serving: state.serving,
      ...(want !== undefined ? { wanted: want } : {}),
    };
    const units = (n: number) => `${n} ${plural(member.unit, n)}`;
    const candidates: { floor: number; reason: ReasonCode; message: string }[] = [];
    if (want !== undefined && cap && demand !== undefined)
      candidates.push({
        floor: want,
        reason: capped ? 'PlanCapped' : 'PlanDemand',
        message: `${capped ? `capped at the demand ${formatDemand(cap.sizedFor)} a member that cannot follow carries (of ${formatDemand(demand)})` : `demand ${formatDemand(demand)}`} needs ${units(want)}${followsText(member)}`,
      });
    if (forecast !== undefined && state.forecastFloor)
      candidates.push({
        floor: forecast,
        reason: 'PlanForecast',
        message: `the forecast needs ${units(forecast)} within its ${member.leadMinutes} min lead time (${state.forecastFloor.source})`,
      });
    if (hold)
      candidates.push({
        floor: hold.units,
        reason: 'PlanScaleInHold',
        message: `held at ${units(hold.units)} until ${hold.front} has been below ${hold.frontHighest} for ${model.scaleInHoldMinutes} min`,
      });
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
  });

  const growth: PlanStep[] = plans
    .filter((p) => p.floor > p.current)
    .map((p) => ({ member: p.member, from: p.current, to: p.floor, direction: 'out' }));
  const shrink: PlanStep[] = order.in
    .map((name) => plans.find((p) => p.member === name) as MemberPlan)
    .filter((p) => p.wanted !== undefined && p.floor < p.current)
    .map((p) => ({ member: p.member, from: p.current, to: p.floor, direction: 'in' }));
  return {
    plan: model.name,
    ...(demand !== undefined ? { demand } : {}),
    ...(cap ? { sizedFor: cap.sizedFor } : {}),
    members: plans,
    steps: [...growth, ...shrink],
    notices: cap?.notices ?? [],
  };
}

function followsText(member: PlanMemberModel): string {
  const f = member.follows;
  if ('unitsPerDemand' in f) return ` (${f.unitsPerDemand} per unit of demand)`;
  return ` (${f.units} per ${f.per} of ${f.member}'s, rounded up)`;
}
