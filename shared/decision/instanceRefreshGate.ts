import type { GateOutcome } from './kindModel';
import type { CapacityState, Decision } from './types';

/**
 * Holds a group's scale-in while an instance refresh runs on it; its scale-out goes ahead. EC2 Auto Scaling keeps
 * scaling a group through a refresh, launching new instances from the refresh's desired configuration (a refresh
 * with checkpoints can last hours, so holding every change would leave the group short under load for that long).
 * A lower desired capacity mid-refresh is what the refresh's healthy percentages are reckoned against: it would
 * let the refresh terminate more at once and could take the instances it has just launched. Undefined: no
 * objection (no refresh, or not a scale-in).
 */
export function instanceRefreshGate(
  decision: Pick<Decision, 'current' | 'desired'>,
  state: Pick<CapacityState, 'instanceRefresh'>,
): GateOutcome | undefined {
  if (state.instanceRefresh === undefined || decision.desired >= decision.current) return undefined;
  return {
    skip: 'AsgBusy',
    message: `held: instance refresh ${state.instanceRefresh}, and a scale-in waits for it to end (a scale-out goes ahead)`,
  };
}
