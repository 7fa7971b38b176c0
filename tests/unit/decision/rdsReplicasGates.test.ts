// The gates of a replica change, one table row per gate: each row fails without its gate (the health and lag
// gates: rdsReplicaHealthGates.test.ts).
import { describe, expect, it } from 'vitest';
import { gate } from '../../../shared/decision/rdsReplicas';
import { calm, checkGateRow, draining, type GateRow, sp, twoManaged } from './rdsReplicaGateRows';
import {
  ago,
  decision,
  managed,
  NOW,
  observation,
  rawMetrics,
  rdsTarget,
  replica,
} from './rdsReplicasFixtures';

describe('the gates of a replica change (each row fails without its gate)', () => {
  const rows: GateRow[] = [
    {
      name: 'source state: nothing while the source is not available',
      observation: { ...twoManaged, source: { ...twoManaged.source, status: 'backing-up' } },
      decision: decision(3, 2),
      want: { kind: 'skip', reason: 'SourceNotAvailable' },
    },
    {
      name: 'source state: nothing while a modification is being applied (modifying)',
      observation: { ...twoManaged, source: { ...twoManaged.source, status: 'modifying' } },
      decision: decision(3, 4),
      want: { kind: 'skip', reason: 'SourceNotAvailable' },
    },
    {
      name: 'source state (issue 21, 5): a change waiting for the maintenance window does not hold the target',
      observation: {
        ...twoManaged,
        source: { ...twoManaged.source, modifying: true, pendingModifications: ['DBInstanceClass'] },
      },
      decision: decision(3, 4),
      want: { kind: 'pass', type: 'create', desired: 4 },
    },
    {
      name: 'source state (issue 21, 5): busy for 30 minutes is told (notify)',
      observation: {
        ...twoManaged,
        source: { ...twoManaged.source, status: 'modifying', busySince: ago(31 * 60) },
      },
      decision: decision(3, 3),
      want: { kind: 'skip', reason: 'SourceNotAvailable', notify: true },
    },
    {
      name: 'source state (issue 21, 5): busy for 10 minutes is a routine wait (no notice)',
      observation: {
        ...twoManaged,
        source: { ...twoManaged.source, status: 'modifying', busySince: ago(10 * 60) },
      },
      decision: decision(3, 3),
      want: { kind: 'skip', reason: 'SourceNotAvailable', notify: false },
    },
    {
      name: 'refusal (issue 21, 4): a cluster with Aurora Auto Scaling on its readers',
      observation: observation([managed(sp(1), 1)], {
        aurora: true,
        nativeScaling: ['rds:cluster:ReadReplicaCount'],
      }),
      target: rdsTarget({ aurora: true }),
      decision: decision(1, 2),
      want: { kind: 'skip', reason: 'RdsReplicasUnsupported', notify: true },
    },
    {
      name: 'refusal (issue 21, 4): Serverless v2 readers (db.serverless) are not counted in ACUs',
      observation: observation([managed(sp(1), 1)], {
        aurora: true,
        source: { ...twoManaged.source, serverlessV2: true },
      }),
      target: rdsTarget({ aurora: true }),
      decision: decision(1, 2),
      want: { kind: 'skip', reason: 'RdsReplicasUnsupported' },
    },
    {
      name: 'Serverless v2 with a provisioned replicaInstanceClass is a mixed cluster: readers are added',
      observation: observation([managed(sp(1), 1)], {
        aurora: true,
        source: { ...twoManaged.source, serverlessV2: true },
      }),
      target: rdsTarget({ aurora: true, replicaInstanceClass: 'db.r6g.large' }),
      decision: decision(1, 2),
      want: { kind: 'pass', type: 'create', desired: 2 },
    },
    {
      name: 'ownership: only hand-made replicas above the minimum is a recorded skip (NotOwned)',
      observation: observation([replica('a', 1), replica('b', 2)]),
      decision: decision(2, 1),
      want: { kind: 'skip', reason: 'NotOwned' },
    },
    {
      name: 'ownership: a replica tagged for another target is not ours',
      observation: observation([
        replica('a', 1),
        replica(sp(1), 2, { tags: { 'scalepilot:managed': 'true', 'scalepilot:target': 'other' } }),
      ]),
      decision: decision(2, 1),
      want: { kind: 'skip', reason: 'NotOwned' },
    },
    {
      name: 'ownership: the newest managed replica drains first, never the newer hand-made one',
      observation: observation([managed(sp(1), 1), managed(sp(2), 2), replica('hand', 3)]),
      decision: decision(3, 2),
      want: { kind: 'act', reason: 'Draining', type: 'drain', replica: sp(2), desired: 3 },
    },
    {
      name: 'ownership: a managed replica someone replicates from (a cascade) is never removed: the next managed one drains',
      observation: observation([
        replica('a', 1),
        managed(sp(1), 2),
        managed(sp(2), 3, { replicas: ['analytics'] }),
      ]),
      decision: decision(3, 2),
      want: { kind: 'act', reason: 'Draining', type: 'drain', replica: sp(1), desired: 3 },
    },
    {
      name: 'ownership: the only managed replica has a read replica of its own: NotOwned, nothing removed',
      observation: observation([replica('a', 1), managed(sp(1), 2, { replicas: ['analytics'] })]),
      decision: decision(2, 1),
      want: { kind: 'skip', reason: 'NotOwned' },
    },
    {
      name: 'ownership: a draining replica someone started replicating from is put back, never deleted',
      observation: observation([
        replica('a', 1),
        managed(sp(1), 2),
        managed(sp(2), 3, { ...draining(301), replicas: ['analytics'] }),
      ]),
      decision: decision(3, 2),
      want: { kind: 'act', reason: 'DrainCancelled', type: 'cancelDrain', replica: sp(2) },
    },
    {
      name: 'ownership: a replaced failed replica with a read replica of its own is left and told, not deleted',
      observation: observation([
        managed(sp(1), 1, { status: 'failed', replicas: ['analytics'] }),
        managed(sp(2), 2),
      ]),
      decision: decision(1, 1),
      want: { kind: 'skip', reason: 'NotOwned', notify: true },
    },
    {
      name: 'WouldReAlarm: 70% connections on 3 readers is 105% on 2',
      observation: twoManaged,
      decision: decision(3, 2, { metrics: { connections: 70, cpu: 10 } }),
      want: { kind: 'skip', reason: 'WouldReAlarm' },
    },
    {
      name: 'WouldReAlarm: 55% CPU on 3 readers is 82.5% on 2 (threshold 70)',
      observation: twoManaged,
      decision: decision(3, 2, { metrics: { connections: 10, cpu: 55 } }),
      want: { kind: 'skip', reason: 'WouldReAlarm' },
    },
    {
      name: 'WouldReAlarm: 45% CPU on 3 readers is 67.5% on 2: removal goes ahead',
      observation: twoManaged,
      decision: decision(3, 2, { metrics: { connections: 10, cpu: 45 } }),
      want: { kind: 'act', reason: 'Draining', type: 'drain', replica: sp(2) },
    },
    {
      name: 'deletion protection: a protected replica is a recorded skip',
      observation: observation([replica('a', 1), managed(sp(1), 2, { deletionProtection: true })]),
      decision: decision(2, 1),
      want: { kind: 'skip', reason: 'DeletionProtected' },
    },
    {
      name: 'drain: with drainSeconds 0 the replica is deleted at once, one at a time',
      target: rdsTarget({ drainSeconds: 0 }),
      observation: twoManaged,
      decision: decision(3, 1, { metrics: { connections: 10, cpu: 5 } }),
      want: { kind: 'act', reason: 'ScaleIn', type: 'delete', replica: sp(2), desired: 2 },
    },
    {
      name: 'drain: within drainSeconds the replica keeps draining',
      observation: observation([replica('a', 1), managed(sp(1), 2), managed(sp(2), 3, draining(100))]),
      decision: decision(3, 2),
      want: { kind: 'skip', reason: 'Draining' },
    },
    {
      name: 'drain: after drainSeconds with load low the drained replica is deleted',
      observation: observation([replica('a', 1), managed(sp(1), 2), managed(sp(2), 3, draining(301))]),
      decision: decision(3, 2),
      want: { kind: 'pass', type: 'delete', replica: sp(2), desired: 2 },
    },
    {
      name: 'drain: a scale-out condition cancels the drain',
      observation: observation([replica('a', 1), managed(sp(1), 2), managed(sp(2), 3, draining(100))]),
      decision: decision(3, 4),
      want: { kind: 'act', reason: 'DrainCancelled', type: 'cancelDrain', replica: sp(2), desired: 3 },
    },
    {
      name: 'drain: load no longer low after drainSeconds cancels it',
      observation: observation([replica('a', 1), managed(sp(1), 2), managed(sp(2), 3, draining(400))]),
      decision: decision(3, 3),
      want: { kind: 'act', reason: 'DrainCancelled', type: 'cancelDrain', replica: sp(2) },
    },
    {
      name: 'min counts what serves: the one serving replica is not drained while the other is still creating',
      observation: observation([managed(sp(1), 1), replica('by-hand', 2, { status: 'creating' })]),
      decision: decision(2, 1, { metrics: { connections: 10, cpu: 5 } }),
      want: { kind: 'skip', reason: 'AtMinCapacity' },
    },
    {
      name: 'min counts what serves: a drain is cancelled when the others do not serve (creating)',
      observation: observation([
        managed(sp(1), 1, { status: 'creating' }),
        managed(sp(2), 2, draining(400)),
        managed(sp(3), 3, { status: 'backing-up' }),
      ]),
      decision: decision(3, 2, { metrics: { connections: 10, cpu: 5 } }),
      want: { kind: 'act', reason: 'DrainCancelled', type: 'cancelDrain', replica: sp(2) },
    },
    {
      name: 'drain: a lagging replica holds the delete of a drained one',
      observation: observation([replica('a', 1), managed(sp(1), 2), managed(sp(2), 3, draining(400))]),
      decision: decision(3, 2),
      metrics: rawMetrics(['a', sp(1)], { a: 300 }),
      want: { kind: 'skip', reason: 'ReplicaLagging' },
    },
    {
      name: 'one operation: a scale-out by 2 creates one replica, the lowest free name',
      observation: observation([managed(sp(2), 1)]),
      decision: decision(1, 3),
      want: { kind: 'act', reason: 'ScaleOut', type: 'create', desired: 2 },
    },
    {
      name: 'a scale-out by 1 is the generic decision with its create',
      observation: observation([managed(sp(1), 1)]),
      decision: decision(1, 2),
      want: { kind: 'pass', type: 'create', desired: 2 },
    },
    {
      name: 'discovery: out of sync is synced with a record',
      target: rdsTarget({ readerDiscovery: { ssmParameterName: '/db/readers' } }),
      observation: observation([managed(sp(1), 1)], { discovery: [] }),
      decision: decision(1, 1),
      want: { kind: 'act', reason: 'ReaderDiscoverySynced', type: 'syncDiscovery', desired: 1 },
    },
    {
      name: 'discovery: in sync changes nothing',
      target: rdsTarget({ readerDiscovery: { ssmParameterName: '/db/readers' } }),
      observation: observation([managed(sp(1), 1)], {
        discovery: [`${sp(1)}.abc.us-east-1.rds.amazonaws.com`],
      }),
      decision: decision(1, 1),
      want: { kind: 'pass' },
    },
  ];
  it.each(rows)('$name', checkGateRow);

  it('creates under the lowest free name, skipping one another instance holds (DBInstanceAlreadyExists ahead of time)', () => {
    const o = observation([managed(sp(2), 1)], { otherIds: [sp(1)] });
    const out = gate({
      target: rdsTarget(),
      decision: decision(1, 2),
      observation: o,
      metrics: calm(o),
      now: NOW,
    });
    expect('act' in out && out.act).toMatchObject({ type: 'create', candidates: [sp(3), sp(4), sp(5)] });
  });

  it('a replacement at capacity.max changes no count but is an operation: written ahead, nothing else until it serves (the soak, seed 2026)', () => {
    const o = observation([
      managed(sp(1), 1),
      managed(sp(2), 2),
      managed(sp(3), 3, { replication: { status: 'stopped', normal: false } }),
    ]);
    const out = gate({
      target: rdsTarget({ capacity: { min: 1, max: 2 } }),
      decision: decision(2, 2),
      observation: o,
      metrics: calm(o),
      now: NOW,
    });
    expect('act' in out && out.act).toMatchObject({ type: 'replace', desired: 2, pending: true });
  });

  it('a replacement of a replica that failed for capacity starts with the next placement (RDS-EVENT-0031)', () => {
    const t = rdsTarget({
      replicaInstanceClass: 'db.r6g.large',
      fallbackInstanceClasses: ['db.r5.large'],
      fallbackAvailabilityZones: ['us-east-1b'],
    });
    const o = observation([managed(sp(1), 1, { status: 'failed', instanceClass: 'db.r6g.large' })]);
    const out = gate({ target: t, decision: decision(0, 1), observation: o, metrics: calm(o), now: NOW });
    expect('act' in out && out.act).toMatchObject({
      type: 'replace',
      failed: sp(1),
      placements: [
        { instanceClass: 'db.r5.large' },
        { instanceClass: 'db.r6g.large', availabilityZone: 'us-east-1b' },
      ],
    });
  });
});
