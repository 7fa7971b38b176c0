import {
  metricsFor,
  type RdsReplicasObservation,
  type ReplicaGateState,
  replicaGateStates,
} from '../decision/rdsReplicas';
import type { RdsReplicasTarget } from '../policy/schema';
import type { MetricsReader, ResourceScaler } from '../ports';

/**
 * The gates' state of each replica of one target now (for `scalepilot plan`): one observation and one
 * metric read of the readers' lag.
 */
export async function rdsReplicaStates(
  resource: ResourceScaler<RdsReplicasObservation>,
  metrics: MetricsReader,
  target: RdsReplicasTarget,
  now: Date,
): Promise<ReplicaGateState[]> {
  const observation = await resource.observe(target);
  const first = target.rules[0];
  if (!first) return replicaGateStates(target, observation, {}, now);
  const queries = metricsFor(target, first, observation).map((metric, i) => ({ id: `q${i}`, metric }));
  const read = await metrics.recent(queries, now, 600);
  const series = queries.map((q) => [...(read.values.get(q.id) ?? [])]);
  return replicaGateStates(target, observation, { [first.name]: series }, now);
}

/** One line per replica, as the plan prints it under its target. */
export function replicaStateLine(s: ReplicaGateState): string {
  const parts = [
    s.status,
    owner(s),
    ...(s.broken ? [`no capacity: ${s.broken}`] : []),
    s.serving ? 'serving' : 'not serving',
    s.lagSeconds === null ? 'lag unknown (blocks removals)' : `lag ${s.lagSeconds} s`,
    ...(s.drainingSince ? [`draining since ${s.drainingSince}`] : []),
    ...(s.deletionProtection ? ['deletion protection (never removed)'] : []),
    ...(s.removable ? ['removable'] : []),
  ];
  return `  replica ${s.id}: ${parts.join(', ')}`;
}

/** Whose the replica is, as the plan says it (with the stage its Scalepilot tag names, when it has one). */
function owner(s: ReplicaGateState): string {
  const stage = s.stage !== undefined ? ` of stage ${s.stage}` : '';
  if (s.owner === 'scalepilot') return `created by Scalepilot${stage}`;
  if (s.owner === 'by hand') return 'made by hand (never removed)';
  if (s.owner === 'another Region')
    return 'in another Region (counts against the replica limit, never touched)';
  if (s.owner === 'another stage') return `created by Scalepilot${stage}, another deployment (never touched)`;
  return 'another target’s';
}
