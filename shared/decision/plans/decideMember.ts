import { decideCapacity } from '../decideCapacity';
import { historySeconds, nextHistory } from '../nextHistory';
import type { Decision, DecisionInput, ScalingHistory } from '../types';
import { applyGateVerdict } from './applyGateVerdict';
import { planRuleInput } from './planRuleInput';
import { planScaleIn } from './planScaleIn';
import { readinessGate } from './readinessGate';
import type { MemberPlan, PlanMemberState, PlanModel } from './types';

/** One member's decision inside a plan, and the plan's levels to keep for its next one. */
export interface MemberDecision {
  readonly decision: Decision;
  /** The plan's past levels for the member (the stabilisation window of the scale-ins the plan leads). */
  readonly planLevels: ScalingHistory['recommendations'];
}

/**
 * A plan member's decision, as its scaler's walk takes it (pure): the member's own `decideCapacity` with the
 * plan's floor (`asked`: decidePlan.ts), the scale-in the plan leads when no rule of the member asks for more
 * (planScaleIn.ts), then the readiness gate on what that grows to. Everything else in the member's walk (its
 * kind's gates, the lease, the intent, the action) follows as for any target.
 */
export function decideMember(input: {
  /** The member's decision input as its walk reads it, without a floor. */
  readonly decision: DecisionInput;
  readonly asked: MemberPlan | undefined;
  readonly model: PlanModel;
  readonly states: Readonly<Record<string, PlanMemberState>>;
  readonly planLevels: ScalingHistory['recommendations'];
  /** The plan's measured demand (PlanDecision.demand): the readiness gate sizes no level beyond it; without it the gate holds no one. */
  readonly demand?: number;
}): MemberDecision {
  const { asked, model, states } = input;
  // Only the plan's forecast floor releases scale-in from the window (scaleInHoldsUnderFloor: false): one from
  // the measured demand or the hold follows the demand's every dip.
  const floor =
    asked && asked.floor > 0
      ? {
          units: asked.floor,
          source: asked.message,
          ...(asked.reason === 'PlanForecast' ? {} : { fromForecast: false }),
        }
      : undefined;
  const base: DecisionInput = { ...input.decision, ...(floor ? { floor } : {}) };
  const own = decideCapacity(base);
  const planInput = floor ? planRuleInput(base, floor.units, input.planLevels) : undefined;
  const viaPlan = planInput ? decideCapacity(planInput) : undefined;
  const planLevels =
    planInput && viaPlan
      ? nextHistory(planInput.history, viaPlan, base.now, false, historySeconds(base.target)).recommendations
      : input.planLevels;
  const chosen = (viaPlan && asked && planScaleIn(base.target, own, viaPlan, asked.message)) || own;
  const decision = applyGateVerdict(
    chosen,
    readinessGate(model, base.target.name, chosen, states, base.now, input.demand),
    'readiness',
  );
  return { decision, planLevels };
}
