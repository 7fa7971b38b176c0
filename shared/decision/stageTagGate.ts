import { GROUP_STAGE_TAG } from '../policy/fleetSchema';
import type { Policy, Target } from '../policy/schema';
import type { GateOutcome } from './kindModel';
import type { CapacityState } from './types';

/**
 * Refuses a group of a stage whose roles grant by tag (`fleet.grantGroupsBy: tag`) while it does not carry the
 * tag `scalepilot:stage` with the stage's name: the role may not resize it, and AWS would refuse the change
 * (AccessDenied) after the lease, the intent and a notice of a failure the operator cannot read as a missing
 * tag. Told once, and refused whether or not the rules ask for a change, so the reason stays until it is
 * tagged. Undefined (no objection) by name, for other kinds, and where the stage is not known (the CLI's
 * `plan` without `--stage`).
 */
export function stageTagGate(
  policy: Pick<Policy, 'fleet'>,
  target: Target,
  state: Pick<CapacityState, 'stageTag'>,
  stage: string | undefined,
): GateOutcome | undefined {
  if (policy.fleet.grantGroupsBy !== 'tag' || target.kind !== 'asg' || stage === undefined) return undefined;
  if (state.stageTag === stage) return undefined;
  const has =
    state.stageTag === undefined ? 'has no such tag' : `is tagged ${JSON.stringify(state.stageTag)}`;
  return {
    skip: 'GroupNotTagged',
    message: `Auto Scaling group "${target.autoScalingGroupName}" ${has}: the roles of stage ${stage} may change only groups tagged ${GROUP_STAGE_TAG}=${stage} (fleet.grantGroupsBy: tag); tag it to let Scalepilot scale it`,
    notify: true,
  };
}
