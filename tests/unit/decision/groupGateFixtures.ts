import { desiredCapacityModel } from '../../../shared/decision/kindModel';
import type { CapacityState, ScalingHistory } from '../../../shared/decision/types';
import { emptyHistory } from '../../../shared/decision/types';
import { decideTarget } from '../../../shared/usecases/evaluate/decideTarget';
import { seedStepPolicy, seedStepTarget } from '../../harness/fixtures';

// Shared by the Auto Scaling group's gate tests: the seed's step rule (CPU > 70 adds 2 to the serving units,
// < 30 removes 1) decided through the group's model, with one CPU datapoint 90 s before `now`.

/**
 * The decision of the seed's step target on a group in `state` at `cpu` percent, as a run makes it (with no history
 * unless given).
 */
export function decideGroup(
  state: CapacityState,
  cpu: number,
  now: Date,
  history: ScalingHistory = emptyHistory,
) {
  return decideTarget({
    policy: seedStepPolicy(),
    model: desiredCapacityModel,
    target: seedStepTarget(),
    observation: state,
    state,
    readings: { combined: { cpu: [{ value: cpu, timestamp: new Date(now.getTime() - 90_000) }] }, raw: {} },
    history,
    floors: undefined,
    paused: { state: 'running' },
    now,
  });
}

/** What a gate test compares: the reason, the capacity asked for, and whether an action goes to AWS. */
export function gateOutcome(decided: ReturnType<typeof decideGroup>) {
  return {
    reason: decided.decision.reason,
    desired: decided.decision.desired,
    acts: decided.action !== undefined,
  };
}
