import type { KindAction, KindModel } from './kindModel';
import { discoveryWhilePending, gate } from './rdsReplicasGates';
import { settle } from './rdsReplicasSettle';
import { capacity, combine, metricsFor, type RdsReplicasObservation } from './rdsReplicasView';

/**
 * RDS read replicas as a kind (issues 12 and 21): the capacity view and metrics (rdsReplicasView), the
 * gates (rdsReplicasGates), the settlement of an operation in flight with its deadlines
 * (rdsReplicasSettle), and what `plan` shows of each replica (rdsReplicaGateStates). Pure: the adapter
 * (`shared/adapters/RdsReplicaCapacity.ts`) turns its describe calls into an `RdsReplicasObservation` and
 * carries out the one `ReplicaAction` the gates chose.
 */
export * from './rdsReplicaGateStates';
export * from './rdsReplicasGates';
export * from './rdsReplicasSettle';
export * from './rdsReplicasView';

/** The RDS read-replica kind: AWS carries a create or delete out over 10-20 minutes. */
export const rdsReplicasModel: KindModel<RdsReplicasObservation> = {
  capacity: (target, observation, now, metrics) => capacity(target, observation, metrics, now),
  gate: ({ target, decision, observation, metrics, now }) =>
    gate({ target, decision, observation, metrics, now }),
  metricsFor,
  combine,
  settle,
  stepWhilePending: discoveryWhilePending,
  settlesAtOnce: false,
};

export type { KindAction };
