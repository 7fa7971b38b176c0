/**
 * Every behaviour the layer plays, by name, in the order of issue 21's list; the soak prints how often each
 * was played. A count is an episode (a replica that went through `creating`, a refusal answered, a reshard
 * rolled back), not the number of answers that showed it.
 */
export const behaviourNames = [
  // RDS read replicas
  'rds.replicaCreating',
  'rds.replicaBackingUp',
  'rds.storageInitialization',
  'rds.replicaDeleting',
  'rds.sourceModifying',
  'rds.pendingMaintenance',
  'rds.storageFull',
  'rds.incompatibleParameters',
  'rds.replicationStopped',
  'rds.invalidStateOnDelete',
  'rds.invalidStateOnCreate',
  'rds.alreadyExists',
  'rds.insufficientCapacity',
  'rds.stuckCreating',
  'rds.crossRegionReplica',
  // Aurora readers
  'aurora.readerCreating',
  'aurora.readerDeleting',
  'aurora.readerEndpoint',
  // ElastiCache
  'cache.reshardModifying',
  'cache.slotMigration',
  'cache.reshardRolledBack',
  'cache.largeKeyKept',
  'cache.refusedWhileModifying',
  'cache.nodeQuota',
  'cache.replicasModifying',
  // Auto Scaling
  'asg.pendingWarmup',
  'asg.instanceRefresh',
  'asg.suspendedProcesses',
  'asg.insufficientCapacity',
  'asg.scaleInProtected',
  'asg.launchHeldInHook',
  'asg.unhealthyReplaced',
  // Throttling, at the documented rates and in storms
  'throttling.rds',
  'throttling.getMetricData',
  'throttling.other',
  // Changes made by someone else
  'foreign.consoleResize',
  'foreign.reshard',
  'foreign.manualReplica',
  'foreign.desiredCapacity',
  'foreign.scalingPolicy',
  // Front ends answering a 5xx with an HTML page
  'html5xx',
  // A function that died at a write-ahead point (lease taken, intent written, AWS called, before or after
  // recording), its next run a new container
  'restart.writeAhead',
] as const;
export type BehaviourName = (typeof behaviourNames)[number];

export class BehaviourCounts {
  private readonly counts = new Map<BehaviourName, number>(behaviourNames.map((n) => [n, 0]));

  count(name: BehaviourName, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  get(name: BehaviourName): number {
    return this.counts.get(name) ?? 0;
  }

  /** Every behaviour with its count (0 included), in the list's order. */
  snapshot(): Record<BehaviourName, number> {
    return Object.fromEntries(behaviourNames.map((n) => [n, this.get(n)])) as Record<BehaviourName, number>;
  }
}
