import type { KindAction, KindModel } from './kindModel';
import { discoveryWhilePending, gate } from './rdsReplicasGates';
import { settle } from './rdsReplicasSettle';
import { capacity, combine, metricsFor, type RdsReplicasObservation } from './rdsReplicasView';
import type { EngineSeen } from './types';

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
  // Every decision records the source's engine: the cost of scaling prices its replicas by it.
  gate: ({ target, decision, observation, metrics, now }) => {
    const outcome = gate({ target, decision, observation, metrics, now });
    const engine = engineOf(observation);
    return engine ? { ...outcome, record: { engine } } : outcome;
  },
  metricsFor,
  combine,
  settle,
  stepWhilePending: discoveryWhilePending,
  settlesAtOnce: false,
};

export type { KindAction };

/** The source's engine and what else sets a replica's price (a source's license model, a cluster's storage). */
function engineOf({ source }: RdsReplicasObservation): EngineSeen | undefined {
  if (!source.engine) return undefined;
  return {
    name: source.engine,
    ...(source.licenseModel ? { licenseModel: source.licenseModel } : {}),
    ...(source.storageType ? { storageType: source.storageType } : {}),
  };
}
