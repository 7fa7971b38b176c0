import { describe, expect, it } from 'vitest';
import { replicaGateStates } from '../../../shared/decision/rdsReplicaGateStates';
import { managed, NOW, observation, rdsTarget, replica } from './rdsReplicasFixtures';

describe('replicaGateStates (what scalepilot plan shows of each replica)', () => {
  it.each([
    { name: "Scalepilot's, healthy, unprotected: removable", r: managed('db-sp-1', 1), removable: true },
    {
      name: 'with deletion protection: not removable',
      r: managed('db-sp-1', 1, { deletionProtection: true }),
      removable: false,
    },
    {
      name: 'with a read replica of its own (deleting it would promote it): not removable',
      r: managed('db-sp-1', 1, { replicas: ['someones-cascade'] }),
      removable: false,
    },
    { name: 'made by hand: not removable', r: replica('reporting', 1), removable: false },
  ])('$name', ({ r, removable }) => {
    const [state] = replicaGateStates(rdsTarget(), observation([r]), {}, NOW);
    expect(state?.removable).toBe(removable);
  });
});
