import type { KindAction } from '../../shared/decision/kindModel';
import type {
  RdsReplicasObservation,
  ReplicaAction,
  ReplicaInstance,
} from '../../shared/decision/rdsReplicas';
import type { ResourceScaler } from '../../shared/ports';
import { observation } from '../unit/decision/rdsReplicasFixtures';

/**
 * An in-memory RDS source (the example's `event-platform-db`) that takes minutes: replicas stay `creating`
 * until the test says so (`settleAll`), and can fail; `refuse` makes the next actions throw as AWS refusing.
 */
export class SlowRds implements ResourceScaler<RdsReplicasObservation> {
  replicas: ReplicaInstance[] = [];
  readonly actions: ReplicaAction[] = [];
  /** What a new replica becomes at the next `settleAll`. */
  outcome = 'available';
  /** Thrown by `act` while set (a refusal, a throttle). */
  refuse?: Error;
  /** Reader discovery as published (a target with `readerDiscovery`): what the actions' `discovery` wrote. */
  published?: string[];
  constructor(private readonly clock: { now(): Date }) {}
  async observe(): Promise<RdsReplicasObservation> {
    return observation(
      this.replicas.map((r) => ({ ...r, tags: { ...r.tags } })),
      this.published ? { discovery: [...this.published] } : {},
    );
  }
  async act(_t: unknown, kindAction: KindAction) {
    if (this.refuse) throw this.refuse;
    const action = kindAction as unknown as ReplicaAction;
    this.actions.push(action);
    if (this.published && 'discovery' in action && action.discovery) this.published = [...action.discovery];
    if (action.type === 'create' || action.type === 'replace')
      this.replicas.push({
        id: action.candidates[0] ?? '',
        status: 'creating',
        tags: { 'scalepilot:managed': 'true', 'scalepilot:target': 'events-db' },
        deletionProtection: false,
        createdAt: this.clock.now(),
        endpoint: `${action.candidates[0]}.rds`,
      });
    if (action.type === 'delete' || action.type === 'deleteFailed')
      this.replicas = this.replicas.map((r) => (r.id === action.replica ? { ...r, status: 'deleting' } : r));
    if (action.type === 'drain')
      this.replicas = this.replicas.map((r) =>
        r.id === action.replica ? { ...r, tags: { ...r.tags, 'scalepilot:draining': action.at } } : r,
      );
  }
  settleAll() {
    this.replicas = this.replicas
      .filter((r) => r.status !== 'deleting')
      .map((r) => (r.status === 'creating' ? { ...r, status: this.outcome } : r));
  }
}
