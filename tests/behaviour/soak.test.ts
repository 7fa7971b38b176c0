import { describe, expect, it } from 'vitest';
import { runSoak } from '../harness/awsBehaviour/soak/runSoak';

// CI's short soak (issue 21): a fixed seed, a few virtual hours of every function on the behaviour layer,
// the invariants checked after every step. `npm run soak -- --days 7 --seed S` is the long one.

describe('soak (short)', () => {
  it('seed 21: a quarter of a virtual day of randomized commands breaks no invariant', {
    timeout: 600_000,
  }, async () => {
    const result = await runSoak({ days: 0.25, seed: 21, stepMinutes: 5 });
    expect(result.failures).toEqual([]);
    expect(result.violations).toBe(0);
    expect(result.steps).toBeGreaterThanOrEqual(70);
    expect(result.behaviours['rds.replicaCreating']).toBeGreaterThan(0);
  });
});
