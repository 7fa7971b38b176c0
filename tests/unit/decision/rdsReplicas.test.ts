// The replica kind's pure pieces: capacity view, settlement, the readers' metrics, projection and names.
// The gates' tables are in rdsReplicasGates.test.ts and rdsReplicaHealthGates.test.ts.
import { describe, expect, it } from 'vitest';
import {
  capacity,
  combine,
  metricsFor,
  placements,
  projectedLoad,
  type ReplicaAction,
  settle,
  UNHEALTHY_STATES,
} from '../../../shared/decision/rdsReplicas';
import { isValidDbIdentifier, replicaId } from '../../../shared/decision/rdsReplicasNames';
import type { PendingIntent } from '../../../shared/decision/types';
import { ago, flat, managed, NOW, observation, rdsTarget, replica } from './rdsReplicasFixtures';

const SOURCE = 'event-platform-db';
const sp = (n: number) => `${SOURCE}-sp-${n}`;

describe('capacity view of RDS read replicas', () => {
  it.each([
    {
      name: 'available replicas are current and serving',
      replicas: [replica('a', 1), replica('b', 2)],
      current: 2,
      serving: 2,
    },
    {
      name: 'a replica being created is current, not serving',
      replicas: [replica('a', 1), managed(sp(1), 2, { status: 'creating' })],
      current: 2,
      serving: 1,
    },
    {
      name: 'a draining replica is current, not serving',
      replicas: [
        replica('a', 1),
        managed(sp(1), 2, { tags: { 'scalepilot:draining': ago(10).toISOString() } }),
      ],
      current: 2,
      serving: 1,
    },
    ...[...UNHEALTHY_STATES].map((status) => ({
      name: `a replica in ${status} is no capacity`,
      replicas: [replica('a', 1), managed(sp(1), 2, { status })],
      current: 1,
      serving: 1,
    })),
    {
      name: 'a replica being deleted is no capacity',
      replicas: [replica('a', 1, { status: 'deleting' })],
      current: 0,
      serving: 0,
    },
  ])('$name', ({ replicas, current, serving }) => {
    expect(capacity(rdsTarget(), observation(replicas))).toMatchObject({
      current,
      serving,
      liveMin: 0,
      liveMax: 15,
    });
  });

  it.each([
    { name: 'PostgreSQL: 15 replicas per source', engine: 'postgres', aurora: false, max: 15 },
    { name: 'MySQL: 15', engine: 'mysql', aurora: false, max: 15 },
    { name: 'Oracle: 5', engine: 'oracle-ee', aurora: false, max: 5 },
    { name: 'Aurora: 15 readers per cluster', engine: 'aurora-postgresql', aurora: true, max: 15 },
  ])('replica limit: $name', ({ engine, aurora, max }) => {
    const o = observation([]);
    expect(capacity(rdsTarget({ aurora }), { ...o, aurora, source: { ...o.source, engine } }).liveMax).toBe(
      max,
    );
  });
});

describe('settlement: one operation at a time per source', () => {
  const intent = (action: ReplicaAction, recorded = true, at = ago(60)): PendingIntent => ({
    id: 'x#1',
    from: 1,
    to: action.desired,
    at,
    token: 1,
    reason: 'ScaleOut',
    action,
    recorded,
  });
  const create: ReplicaAction = { type: 'create', desired: 2, candidates: [sp(1), sp(2)], placements: [{}] };
  const del: ReplicaAction = { type: 'delete', desired: 0, replica: sp(1) };
  it.each([
    {
      name: 'create in flight while creating',
      action: create,
      replicas: [managed(sp(1), 1, { status: 'creating' })],
      want: 'in-flight',
    },
    {
      name: 'create in flight while backing up after creation',
      action: create,
      replicas: [managed(sp(1), 1, { status: 'backing-up' })],
      want: 'in-flight',
    },
    { name: 'create done once available', action: create, replicas: [managed(sp(1), 1)], want: 'done' },
    {
      name: 'create done while its volumes still load from S3 (storage-initialization: fully operational), however long',
      action: create,
      replicas: [managed(sp(1), 1, { status: 'storage-initialization' })],
      at: ago(180 * 60),
      want: 'done',
    },
    {
      name: 'create done under the second candidate name',
      action: create,
      replicas: [managed(sp(2), 1)],
      want: 'done',
    },
    ...['failed', 'incompatible-parameters', 'storage-full', 'inaccessible-encryption-credentials'].map(
      (status) => ({
        name: `create failed when the replica is ${status}`,
        action: create,
        replicas: [managed(sp(1), 1, { status })],
        want: 'failed',
      }),
    ),
    {
      name: 'create never applied (holder stopped before the call)',
      action: create,
      replicas: [],
      recorded: false,
      want: 'not-applied',
    },
    { name: 'create recorded but not visible yet', action: create, replicas: [], want: 'in-flight' },
    {
      name: 'create recorded and never appeared',
      action: create,
      replicas: [],
      at: ago(3600),
      want: 'failed',
    },
    {
      name: 'delete in flight while deleting',
      action: del,
      replicas: [managed(sp(1), 1, { status: 'deleting' })],
      want: 'in-flight',
    },
    {
      name: 'delete in flight while RDS prechecks it (delete-precheck), past the 5 minutes a delete has to show',
      action: del,
      replicas: [managed(sp(1), 1, { status: 'delete-precheck' })],
      at: ago(6 * 60),
      want: 'in-flight',
    },
    { name: 'delete done once gone', action: del, replicas: [], want: 'done' },
    {
      name: 'delete never applied',
      action: del,
      replicas: [managed(sp(1), 1)],
      recorded: false,
      want: 'not-applied',
    },
    {
      name: 'deadline (issue 21, 2): a create still creating past replicaCreateDeadlineMinutes failed',
      action: create,
      replicas: [managed(sp(1), 1, { status: 'creating' })],
      at: ago(61 * 60),
      want: 'failed',
    },
    {
      name: 'deadline (issue 21, 2): a delete still deleting past 30 minutes failed',
      action: del,
      replicas: [managed(sp(1), 1, { status: 'deleting' })],
      at: ago(31 * 60),
      want: 'failed',
    },
    {
      name: 'deadline (issue 21, 3): a delete AWS accepted whose replica never went deleting failed',
      action: del,
      replicas: [managed(sp(1), 1)],
      at: ago(6 * 60),
      want: 'failed',
    },
  ])('$name', ({ action, replicas, recorded = true, at, want }) => {
    expect(settle(rdsTarget(), intent(action, recorded, at), observation(replicas), NOW).status).toBe(want);
  });
});

describe('metrics of the readers, not the source', () => {
  const t = rdsTarget();
  const [connections, cpu] = t.rules;
  if (!connections || !cpu) throw new Error('fixture changed');
  it('per available reader, and the first rule also reads each reader’s ReplicaLag', () => {
    const o = observation([managed(sp(1), 1), managed(sp(2), 2, { status: 'creating' }), replica('hand', 3)]);
    expect(
      metricsFor(t, connections, o).map((m) => `${m.name}:${m.dimensions.DBInstanceIdentifier}`),
    ).toEqual([
      'DatabaseConnections:event-platform-db-sp-1',
      'DatabaseConnections:hand',
      'ReplicaLag:event-platform-db-sp-1',
      'ReplicaLag:hand',
    ]);
    expect(metricsFor(t, cpu, o).map((m) => m.dimensions.DBInstanceIdentifier)).toEqual([sp(1), 'hand']);
    expect(metricsFor(t, connections, o)[0]?.percentOf).toBe(100);
  });
  it('with no reader, the source’s metric (its reads land there)', () => {
    expect(metricsFor(t, cpu, observation([])).map((m) => m.dimensions)).toEqual([
      { DBInstanceIdentifier: SOURCE },
    ]);
  });
  it('Aurora: the cluster’s Role=READER dimension, and AuroraReplicaLag per reader', () => {
    const a = rdsTarget({ aurora: true, sourceDbInstanceIdentifier: 'events-cluster' });
    const o = {
      ...observation([managed(sp(1), 1)]),
      aurora: true,
      source: { ...observation([]).source, id: 'events-cluster' },
    };
    expect(metricsFor(a, connections, o).map((m) => [m.name, m.dimensions])).toEqual([
      ['DatabaseConnections', { DBClusterIdentifier: 'events-cluster', Role: 'READER' }],
      ['AuroraReplicaLag', { DBInstanceIdentifier: sp(1) }],
    ]);
  });
  it('Aurora with no reader serving: the cluster’s Role=WRITER (its reads land there; READER has no datapoint)', () => {
    const a = rdsTarget({ aurora: true, sourceDbInstanceIdentifier: 'events-cluster' });
    const source = { ...observation([]).source, id: 'events-cluster' };
    for (const readers of [[], [managed(sp(1), 1, { status: 'creating' })]]) {
      const o = { ...observation(readers), aurora: true, source };
      expect(metricsFor(a, connections, o).map((m) => [m.name, m.dimensions])).toEqual([
        ['DatabaseConnections', { DBClusterIdentifier: 'events-cluster', Role: 'WRITER' }],
      ]);
    }
  });
  it('averages the readers per period, leaving out a lagging one', () => {
    const o = observation([]);
    const lagging = combine(t, connections, [flat(20), flat(60), flat(5), flat(120)], o);
    expect(lagging.map((p) => p.value)).toEqual([20, 20, 20]);
    const none = combine(t, connections, [flat(20), flat(60), flat(5), flat(6)], o);
    expect(none.map((p) => p.value)).toEqual([40, 40, 40]);
    expect(combine(t, cpu, [flat(20), flat(60)], o).map((p) => p.value)).toEqual([40, 40, 40]);
  });
});

describe('WouldReAlarm projection and placement', () => {
  it.each([
    { name: '3 readers at 60 → 90 on 2', value: 60, n: 3, want: 90 },
    { name: '2 readers at 40 → 80 on 1', value: 40, n: 2, want: 80 },
    { name: '1 reader: no projection (its reads return to the source)', value: 40, n: 1, want: undefined },
  ])('current × n ÷ (n − 1): $name', ({ value, n, want }) => {
    expect(projectedLoad(value, n)).toBe(want);
  });
  it('placements: the policy’s class (else the source’s), then fallback classes, then AZs, in order', () => {
    const o = observation([]);
    expect(placements(rdsTarget(), o)).toEqual([{ instanceClass: 'db.t4g.medium' }]);
    expect(
      placements(
        rdsTarget({
          replicaInstanceClass: 'db.r6g.large',
          fallbackInstanceClasses: ['db.r6g.xlarge', 'db.r5.large'],
          fallbackAvailabilityZones: ['us-east-1b', 'us-east-1c'],
        }),
        o,
      ),
    ).toEqual([
      { instanceClass: 'db.r6g.large' },
      { instanceClass: 'db.r6g.xlarge' },
      { instanceClass: 'db.r5.large' },
      { instanceClass: 'db.r6g.large', availabilityZone: 'us-east-1b' },
      { instanceClass: 'db.r6g.large', availabilityZone: 'us-east-1c' },
    ]);
  });
});

describe('replica names: <source>-sp-<n>, shortened with a hash to stay a valid 63-character identifier', () => {
  const long63 = `events-${'x'.repeat(55)}1`;
  it.each([
    { name: 'a short source keeps its name', source: SOURCE, n: 3, want: `${SOURCE}-sp-3` },
    {
      name: 'a 57-character source still fits with two digits',
      source: `a${'b'.repeat(56)}`,
      n: 99,
      want: `a${'b'.repeat(56)}-sp-99`,
    },
    {
      name: 'a 63-character source is shortened with its hash',
      source: long63,
      n: 1,
      want: /^events-x{43}-[0-9a-f]{6}-sp-1$/,
    },
    {
      name: 'a hyphen at the cut is dropped (no "--")',
      source: `${'a'.repeat(49)}-${'b'.repeat(13)}`,
      n: 12,
      want: /^a{49}-[0-9a-f]{6}-sp-12$/,
    },
  ])('$name', ({ source, n, want }) => {
    const id = replicaId(source, n);
    if (typeof want === 'string') expect(id).toBe(want);
    else expect(id).toMatch(want);
    expect(isValidDbIdentifier(id)).toBe(true);
    expect(replicaId(source, n)).toBe(id); // deterministic
  });
  it('numbers outside 1..99 are refused', () => {
    expect(() => replicaId(SOURCE, 0)).toThrow(RangeError);
    expect(() => replicaId(SOURCE, 100)).toThrow(RangeError);
  });
});
