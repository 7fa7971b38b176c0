import { unitByKind } from '../policy/targetResource';
import type { GateOutcome } from './kindModel';
import type { CapacityState, Decision } from './types';

/**
 * Keeps a group's scale-in from lowering its desired capacity below its units protected from scale-in: cut to
 * them when it can still lower it, skipped when it cannot; undefined (no objection) otherwise, scale-outs too.
 * AWS documents that a scale-in on protected instances decrements desired and terminates none of them until
 * their protection is lifted ("Use instance scale-in protection", EC2 Auto Scaling user guide): desired would
 * then stop counting instances that still run (and carry load into the group's metric), and the group would
 * drop to it at once when the long job holding the protection ends.
 */
export function scaleInProtectionGate(
  decision: Pick<Decision, 'kind' | 'current' | 'desired'>,
  state: Pick<CapacityState, 'scaleInProtected' | 'unitLabel'>,
): GateOutcome | undefined {
  const kept = state.scaleInProtected ?? 0;
  if (decision.desired >= decision.current || decision.desired >= kept) return undefined;
  const unit = state.unitLabel ?? unitByKind[decision.kind];
  const why = `${kept} ${unit}${kept === 1 ? '' : 's'} protected from scale-in (EC2 Auto Scaling terminates none of them until their protection is lifted)`;
  if (kept >= decision.current)
    return { skip: 'ScaleInProtected', message: `no scale-in below ${kept}: ${why}` };
  return {
    act: { type: 'setDesiredCapacity', desired: kept },
    reason: 'ScaleInProtected',
    message: `scale-in stopped at ${kept}, not ${decision.desired}: ${why}`,
  };
}
