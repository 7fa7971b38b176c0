import type { GateOutcome } from './kindModel';
import type { CapacityState, Decision } from './types';

/**
 * Holds the direction a group's suspended process stops, and only that one: with Launch suspended EC2 Auto
 * Scaling launches no instance, so a scale-out would only raise a desired capacity nothing fills (and that lands
 * at once, perhaps stale, when Launch resumes); with Terminate suspended it terminates none, so a scale-in would
 * leave instances running beyond desired. The other direction goes ahead ("How suspended processes affect other
 * processes", EC2 Auto Scaling user guide): an operator who stops scale-in for an incident does not stop the group
 * growing under load. Both suspended: the group is busy (`busy`), held before the rules. Undefined: no objection.
 */
export function suspendedProcessGate(
  decision: Pick<Decision, 'current' | 'desired'>,
  state: Pick<CapacityState, 'suspendedProcesses'>,
): GateOutcome | undefined {
  const suspended = state.suspendedProcesses ?? [];
  const held =
    decision.desired > decision.current && suspended.includes('Launch')
      ? { process: 'Launch', direction: 'scale-out', other: 'scale-in' }
      : decision.desired < decision.current && suspended.includes('Terminate')
        ? { process: 'Terminate', direction: 'scale-in', other: 'scale-out' }
        : undefined;
  if (!held) return undefined;
  return {
    skip: 'AsgBusy',
    message: `held: the group's ${held.process} process is suspended, and a ${held.direction} waits for it to resume (a ${held.other} goes ahead)`,
  };
}
