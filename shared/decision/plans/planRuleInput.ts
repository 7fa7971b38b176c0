import type { TargetTrackingRule } from '../../policy/schema';
import type { DecisionInput } from '../types';

/** The rule a plan's level becomes for a member (its name cannot clash: the plan target has no other rule). */
export const PLAN_RULE: TargetTrackingRule = {
  name: 'plan',
  type: 'target-tracking',
  metric: { namespace: 'Scalepilot/Plan', name: 'UnitsNeeded', statistic: 'Average', periodSeconds: 60 },
  target: 100,
  tolerance: 0,
  evaluationPeriods: 1,
};

/**
 * A member's decision input with the plan's level as its one rule (the level as a percentage of what it has,
 * at a target of 100%): `decideCapacity` on it gives the plan's scale-in through the member's own
 * stabilisation window (over the plan's past levels, `recommendations`), cooldowns, rate limits, blast-radius
 * cap and bounds, all of it counted as serving. Undefined for a member with nothing ordered (a level is no
 * percentage of zero).
 */
export function planRuleInput(
  input: DecisionInput,
  level: number,
  recommendations: DecisionInput['history']['recommendations'],
): DecisionInput | undefined {
  const { current } = input.state;
  if (!(current > 0)) return undefined;
  const { floor: _floor, ...rest } = input;
  // The level counts units, not the load they serve: read against all the member has (no unit booting or
  // warming), since the rule scales what serves and would lead the member below the level while some boots.
  const target =
    input.target.kind === 'asg'
      ? { ...input.target, rules: [PLAN_RULE], instanceWarmupSeconds: 0 }
      : { ...input.target, rules: [PLAN_RULE] };
  return {
    ...rest,
    target,
    state: { ...input.state, serving: current },
    readings: {
      [PLAN_RULE.name]: [
        // The last complete minute, as the member's own metrics are read.
        { value: (100 * level) / current, timestamp: new Date(input.now.getTime() - 60_000) },
      ],
    },
    history: { ...input.history, recommendations },
  };
}
