import type { GateOutcome } from './kindModel';
import type { CapacityState } from './types';

/**
 * Refuses a group that has its own AWS scaling policy changing its desired capacity (target tracking, step,
 * simple, or predictive in ForecastAndScale mode): each autoscaler would undo what the other set, as the RDS
 * and cache scalers refuse a target Application Auto Scaling already scales. Told once. Undefined (no objection)
 * when it has none, or when they were not read (a first look: the read under the lease has them, and every
 * action is decided again from it). Refused whether or not the rules ask for a change, so the refusal stays
 * the target's reason until the policies or the target are removed.
 */
export function scalingPolicyGate(
  groupName: string,
  state: Pick<CapacityState, 'scalingPolicies'>,
): GateOutcome | undefined {
  const policies = state.scalingPolicies ?? [];
  if (policies.length === 0) return undefined;
  const one = policies.length === 1;
  return {
    skip: 'ScalingPolicyConflict',
    message: `Auto Scaling group "${groupName}" has its own scaling ${one ? 'policy' : 'policies'} (${policies.join(', ')}) that ${one ? 'changes' : 'change'} its desired capacity: two autoscalers would fight; delete ${one ? 'it' : 'them'} or remove this target`,
    notify: true,
  };
}
