/** How RDS plays its instances' life cycles; every duration in virtual minutes, `[min, max]`. */
export interface RdsConfig {
  /** `creating` then `backing-up` then `available` (RDS snapshots the source, then restores the replica). */
  readonly createMinutes: readonly [number, number];
  /** Aurora readers join the cluster volume: no backup phase. */
  readonly auroraCreateMinutes: readonly [number, number];
  readonly deleteMinutes: readonly [number, number];
  /** Chance a new replica ends in a failed state instead of `available`, and which states. */
  readonly createFailure: number;
  readonly failureStates: readonly ('failed' | 'storage-full' | 'incompatible-parameters')[];
  /** Chance a new replica stays `creating` for `stuckMinutes` before it fails. */
  readonly stuckCreating: number;
  readonly stuckMinutes: readonly [number, number];
  /**
   * Chance a new replica's volumes go on loading from S3 once it is created, shown `storage-initialization` for
   * `storageInitializationMinutes` ("fully operational, but performance might not be at its fullest": RDS User
   * Guide, Creating a read replica; up to 4 TiB an hour, hours for a large source).
   */
  readonly storageInitialization: number;
  readonly storageInitializationMinutes: readonly [number, number];
  /** Chance a create is refused with InsufficientDBInstanceCapacity, and classes that always are. */
  readonly insufficientCapacity: number;
  readonly noCapacityClasses: readonly string[];
}

export const defaultRdsConfig: RdsConfig = {
  createMinutes: [10, 20],
  auroraCreateMinutes: [5, 10],
  deleteMinutes: [3, 8],
  createFailure: 0,
  failureStates: ['storage-full', 'incompatible-parameters', 'failed'],
  stuckCreating: 0,
  stuckMinutes: [120, 240],
  storageInitialization: 0,
  storageInitializationMinutes: [30, 180],
  insufficientCapacity: 0,
  noCapacityClasses: [],
};

/** Statuses from which RDS deletes an instance; any other is InvalidDBInstanceState. */
export const DELETABLE = new Set([
  'available',
  'storage-initialization', // fully operational, its volumes still loading
  'storage-optimization', // fully operational after a storage change
  'creating',
  'failed',
  'storage-full',
  'incompatible-parameters',
  'incompatible-network',
  'inaccessible-encryption-credentials',
  'stopped',
]);

export type Replication = {
  status: 'replicating' | 'stopped' | 'error' | 'terminated';
  message: string;
  /** Whether RDS's status check shows it in StatusInfos yet (ReplicaLag reports −1 at once). */
  shown: boolean;
};

/** One DB instance as the layer plays it (instances the layer never saw are moto's as they are). */
export interface RdsLife {
  readonly id: string;
  readonly engine: string;
  /** Replica of this source instance, or reader of this Aurora cluster. */
  readonly source?: string;
  readonly cluster?: string;
  readonly createdAt: number;
  /** `creating` until this instant, then `backing-up` until `readyAt`. */
  creatingUntil: number;
  readyAt: number;
  /** What it becomes at `readyAt`: `available`, or a failed state. */
  endState: string;
  /** A create that stays `creating` for hours (then fails). */
  readonly stuck?: boolean;
  /** Created, its volumes loading from S3 until this instant (`storage-initialization`). */
  readonly initializingUntil?: number;
  deletingUntil?: number;
  deleted?: boolean;
  /** A change being applied (`modifying`), and what it sets when it ends. */
  modifying?: { from: number; until: number; instanceClass?: string; what: string };
  /** A change waiting for the maintenance window. */
  pending?: { instanceClass?: string; action: string; applyAt: number; minutes: number };
  replication: Replication;
  storageFull?: boolean;
}

/** An instance's status at `now`. */
export function statusAt(life: RdsLife, now: number): string {
  if (life.deletingUntil !== undefined) return 'deleting';
  if (now < life.creatingUntil) return 'creating';
  if (now < life.readyAt) return 'backing-up';
  if (life.endState !== 'available') return life.endState;
  if (life.storageFull) return 'storage-full';
  if (life.initializingUntil !== undefined && now < life.initializingUntil) return 'storage-initialization';
  if (life.modifying && now >= life.modifying.from && now < life.modifying.until) return 'modifying';
  return 'available';
}
