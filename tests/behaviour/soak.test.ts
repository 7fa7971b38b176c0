import { describe, expect, it } from 'vitest';
import type { BehaviourName } from '../harness/awsBehaviour/behaviourCounts';
import { runSoak } from '../harness/awsBehaviour/soak/runSoak';

// CI's short soak (issue 21): a fixed seed, a quarter of a virtual day of every function on the behaviour
// layer, the invariants checked after every step. Each day's episodes are scheduled inside it, so it also
// shows that the soak still makes behaviours happen (each counted where AWS would show it, not where it is
// scheduled). `npm run soak -- --days 7 --seed S` is the long one, where every behaviour must play. The same
// seed plays the same quarter-day however loaded the machine: the layer's draws are keyed on what they are for
// and the virtual time, not taken in the order parallel calls arrive (one CI run lost every replica delete so).

/** Behaviours each quarter-day plays whatever the scalers decide: one per service and kind of episode. */
const SEEN: readonly BehaviourName[] = [
  'rds.replicaCreating',
  // The read replicas' daily rush and lull meet the day's create and delete races (seed 2026 counted 0).
  'rds.replicaDeleting',
  'rds.invalidStateOnCreate',
  'rds.invalidStateOnDelete',
  'rds.crossRegionReplica',
  'rds.replicationStopped',
  'aurora.readerCreating',
  'cache.reshardModifying',
  'foreign.reshard',
  'asg.pendingWarmup',
  'asg.suspendedProcesses',
  'asg.instanceRefresh',
  'throttling.rds',
  'throttling.other',
  'html5xx',
];

describe('soak (short)', () => {
  it('seed 21: a quarter of a virtual day of randomized commands breaks no invariant, and plays the behaviours', {
    timeout: 600_000,
  }, async () => {
    const result = await runSoak({ days: 0.25, seed: 21, stepMinutes: 5 });
    expect(result.failures).toEqual([]);
    expect(result.violations).toBe(0);
    expect(result.steps).toBeGreaterThanOrEqual(70);
    expect(
      SEEN.filter((name) => result.behaviours[name] === 0),
      JSON.stringify(result.behaviours),
    ).toEqual([]);
  });
});
