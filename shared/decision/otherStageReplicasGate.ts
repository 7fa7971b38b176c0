import type { GateOutcome } from './kindModel';
import { type RdsReplicasObservation, STAGE_TAG } from './rdsReplicasView';

/**
 * Holds a target whose source has replicas another stage's Scalepilot made (tagged `scalepilot:stage` with
 * another stage's name: a dev stage pointed at prod's database, a blue/green redeploy under a new stage name):
 * two deployments scaling one source undo each other's changes, one adding what the other removes. Nothing is
 * created, drained or deleted until they are gone, and theirs are never touched (isManaged). Told once.
 * Undefined (no objection) when the source has none, or where the stage is unknown (no replica then reads as
 * another stage's: otherStageOf).
 */
export function otherStageReplicasGate(observation: RdsReplicasObservation): GateOutcome | undefined {
  const theirs = observation.replicas.filter((r) => r.otherStage !== undefined);
  if (theirs.length === 0) return undefined;
  const stages = [...new Set(theirs.map((r) => r.otherStage))].sort();
  const ids = theirs.map((r) => r.id).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const named = stages.length === 1 ? `stage ${stages[0]}` : `stages ${stages.join(', ')}`;
  return {
    skip: 'OtherStageReplicas',
    notify: true,
    message: `${observation.source.id} has replicas Scalepilot's ${named} made (${ids.join(', ')}, tagged ${STAGE_TAG}): two stages scaling one source would undo each other's changes, so this stage adds and removes nothing there and never touches theirs; manage the source from one stage (take the target out of the other's policy, or release that stage)`,
  };
}
