// The readers' averages leave a lagging reader out at the engine's lag limit, the one reader discovery and the
// gates use: on PostgreSQL at least 360 s, as RDS measures a replica's lag from the last transaction replayed
// and a quiet source's replicas read up to five minutes. The averages used the policy's limit alone, so such a
// replica, serving and published, dropped out of the load the decision read (the others' average stood for all).
import { describe, expect, it } from 'vitest';
import { combine } from '../../../shared/decision/rdsReplicas';
import { flat, observation, rdsTarget } from './rdsReplicasFixtures';

describe('a lagging reader is left out of the averages at the engine’s lag limit', () => {
  it.each([
    { name: 'MySQL, 120 s over the policy’s 60 s: left out', engine: 'mysql', lag: 120, want: 20 },
    { name: 'MySQL, 30 s: counted', engine: 'mysql', lag: 30, want: 40 },
    {
      name: 'PostgreSQL, a quiet source’s 290 s: counted (under 360 s)',
      engine: 'postgres',
      lag: 290,
      want: 40,
    },
    { name: 'PostgreSQL, 361 s: left out', engine: 'postgres', lag: 361, want: 20 },
    {
      name: 'PostgreSQL, a policy limit over 360 s (600 s) holds: 400 s counted',
      engine: 'postgres',
      limit: 600,
      lag: 400,
      want: 40,
    },
    { name: 'PostgreSQL, replication not active (−1): left out', engine: 'postgres', lag: -1, want: 20 },
  ])('$name', ({ engine, lag, limit, want }) => {
    const t = rdsTarget(limit ? { replicaLagLimitSeconds: limit } : {});
    const [connections] = t.rules;
    if (!connections) throw new Error('fixture changed');
    const o = observation([]);
    const seen = { ...o, source: { ...o.source, engine } };
    // Two readers' connections (20 and 60), then their lag (−1 in every datapoint: replication not active).
    const series = [flat(20), flat(60), flat(0), flat(lag)];
    expect(combine(t, connections, series, seen).map((p) => p.value)).toEqual([want, want, want]);
  });
});
