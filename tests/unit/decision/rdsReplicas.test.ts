import { describe, expect, it } from 'vitest';
import type { GateOutcome } from '../../../shared/decision/kindModel';
import {
  capacity,
  combine,
  gate,
  metricsFor,
  placements,
  projectedLoad,
  type RdsReplicasObservation,
  type ReplicaAction,
  settle,
  UNHEALTHY_STATES,
} from '../../../shared/decision/rdsReplicas';
import { isValidDbIdentifier, replicaId } from '../../../shared/decision/rdsReplicasNames';
import type { Decision, MetricReading, PendingIntent } from '../../../shared/decision/types';
import type { RdsReplicasTarget } from '../../../shared/policy/schema';
import {
  ago,
  decision,
  flat,
  managed,
  NOW,
  observation,
  rawMetrics,
  rdsTarget,
  replica,
} from './rdsReplicasFixtures';

const SOURCE = 'event-platform-db';
const sp = (n: number) => `${SOURCE}-sp-${n}`;

const outcomeOf = (o: GateOutcome) => ({
  kind: 'skip' in o ? 'skip' : 'reason' in o ? 'act' : 'pass',
  reason: 'skip' in o ? o.skip : 'reason' in o ? o.reason : undefined,
  action: ('act' in o ? o.act : undefined) as ReplicaAction | undefined,
  message: 'message' in o ? o.message : '',
});

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

interface GateRow {
  name: string;
  target?: RdsReplicasTarget;
  observation: RdsReplicasObservation;
  decision: Decision;
  metrics?: Record<string, MetricReading[][]>;
  want: {
    kind: 'skip' | 'act' | 'pass';
    reason?: string;
    type?: string;
    replica?: string;
    desired?: number;
    notify?: boolean;
  };
}

const draining = (since: number) => ({ tags: { 'scalepilot:draining': ago(since).toISOString() } });
const twoManaged = observation([replica(`${SOURCE}-manual`, 1), managed(sp(1), 2), managed(sp(2), 3)]);
const readersOf = (o: RdsReplicasObservation) =>
  o.replicas
    .filter((r) => r.status === 'available' && !r.tags['scalepilot:draining'])
    .map((r) => r.id)
    .sort();
const calm = (o: RdsReplicasObservation) => rawMetrics(readersOf(o));

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
      name: 'health (issue 21, 1): replication failed (StatusInfos) is no capacity: the older managed replica is removed',
      observation: observation([
        managed(sp(1), 1, { replication: { status: 'error', normal: false, message: 'Error 1062' } }),
        managed(sp(2), 2),
      ]),
      decision: decision(1, 1),
      want: { kind: 'act', reason: 'RemovingFailedReplica', type: 'deleteFailed', replica: sp(1) },
    },
    {
      name: 'health (issue 21, 1): the newest replica with replication stopped is replaced',
      observation: observation([
        managed(sp(1), 1),
        managed(sp(2), 2, { replication: { status: 'stopped', normal: false } }),
      ]),
      decision: decision(1, 1),
      want: { kind: 'act', reason: 'ReplacingFailedReplica', type: 'replace', desired: 2 },
    },
    {
      name: 'health (issue 21, 1): ReplicaLag −1 (MySQL: replication not active) is no capacity, and no healthy replica is drained for it',
      observation: observation([managed(sp(1), 1), managed(sp(2), 2)]),
      metrics: rawMetrics([sp(1), sp(2)], { [sp(1)]: -1 }),
      decision: decision(2, 1),
      want: { kind: 'act', reason: 'RemovingFailedReplica', type: 'deleteFailed', replica: sp(1) },
    },
    {
      name: 'health (issue 21, 2): a managed replica still creating past replicaCreateDeadlineMinutes is replaced',
      observation: observation([
        managed(sp(1), 1),
        managed(sp(2), 2, {
          status: 'creating',
          tags: { 'scalepilot:requested-at': ago(61 * 60).toISOString() },
        }),
      ]),
      decision: decision(2, 2),
      want: { kind: 'act', reason: 'ReplacingFailedReplica', type: 'replace' },
    },
    {
      name: 'health (issue 21, 2): creating within the deadline is a create still running',
      observation: observation([
        managed(sp(1), 1),
        managed(sp(2), 2, {
          status: 'creating',
          tags: { 'scalepilot:requested-at': ago(59 * 60).toISOString() },
        }),
      ]),
      decision: decision(2, 2),
      want: { kind: 'pass' },
    },
    {
      name: 'health (issue 21, 11): a replaced failed replica with deletion protection is left and told, not deleted',
      observation: observation([
        managed(sp(1), 1, { status: 'failed', deletionProtection: true }),
        managed(sp(2), 2),
      ]),
      decision: decision(1, 1),
      want: { kind: 'skip', reason: 'DeletionProtected', notify: true },
    },
    {
      name: 'health (issue 21, 11): a protected replaced replica does not hold a scale-out',
      observation: observation([
        managed(sp(1), 1, { status: 'failed', deletionProtection: true }),
        managed(sp(2), 2),
      ]),
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
      name: 'lag: no removal while a replica lags over the limit',
      observation: twoManaged,
      decision: decision(3, 2),
      metrics: rawMetrics(readersOf(twoManaged), { [`${SOURCE}-manual`]: 61 }),
      want: { kind: 'skip', reason: 'ReplicaLagging' },
    },
    {
      name: 'lag: no removal while a replica’s lag is unknown',
      observation: twoManaged,
      decision: decision(3, 2),
      metrics: rawMetrics(readersOf(twoManaged), { [sp(1)]: undefined }),
      want: { kind: 'skip', reason: 'ReplicaLagging' },
    },
    {
      name: 'lag at the limit is not lagging',
      observation: twoManaged,
      decision: decision(3, 2),
      metrics: rawMetrics(readersOf(twoManaged), { [sp(1)]: 60 }),
      want: { kind: 'act', reason: 'Draining', type: 'drain', replica: sp(2) },
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
      name: 'health: a failed managed replica is replaced, with a record',
      observation: observation([managed(sp(1), 1), managed(sp(2), 2, { status: 'storage-full' })]),
      decision: decision(1, 1),
      want: { kind: 'act', reason: 'ReplacingFailedReplica', type: 'replace', desired: 2 },
    },
    {
      name: 'health: a failed replica replaced by a newer healthy one is deleted',
      observation: observation([managed(sp(1), 1, { status: 'failed' }), managed(sp(2), 2)]),
      decision: decision(1, 1),
      want: {
        kind: 'act',
        reason: 'RemovingFailedReplica',
        type: 'deleteFailed',
        replica: sp(1),
        desired: 1,
      },
    },
    {
      name: 'health: after two failed replacements the target stops acting',
      observation: observation([
        replica('a', 0),
        managed(sp(1), 1, { status: 'failed' }),
        managed(sp(2), 2, { status: 'failed' }),
        managed(sp(3), 3, { status: 'incompatible-parameters' }),
      ]),
      decision: decision(1, 2),
      want: { kind: 'skip', reason: 'ReplacementsExhausted' },
    },
    {
      name: 'health: a failed hand-made replica is not touched',
      observation: observation([managed(sp(1), 1), replica('hand', 2, { status: 'failed' })]),
      decision: decision(1, 1),
      want: { kind: 'pass' },
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
  it.each(rows)('$name', (row) => {
    const out = gate({
      target: row.target ?? rdsTarget(),
      decision: row.decision,
      observation: row.observation,
      metrics: row.metrics ?? calm(row.observation),
      now: NOW,
    });
    const o = outcomeOf(out);
    expect(o.kind).toBe(row.want.kind);
    if (row.want.reason) expect(o.reason).toBe(row.want.reason);
    if (row.want.notify !== undefined) expect('skip' in out && out.notify === true).toBe(row.want.notify);
    const act = o.action;
    if (row.want.type === undefined) expect(act).toBeUndefined();
    else expect(act?.type).toBe(row.want.type);
    if (row.want.replica) expect(act && 'replica' in act ? act.replica : undefined).toBe(row.want.replica);
    if (row.want.desired !== undefined) expect(act?.desired).toBe(row.want.desired);
  });

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

  it('drain takes the replica out of reader discovery; its cancel puts it back', () => {
    const t = rdsTarget({
      readerDiscovery: { route53: { hostedZoneId: 'Z123', recordName: 'reader.db.internal' } },
    });
    const o = observation([managed(sp(1), 1), managed(sp(2), 2)]);
    const drain = gate({ target: t, decision: decision(2, 1), observation: o, metrics: calm(o), now: NOW });
    expect('act' in drain && drain.act).toMatchObject({
      type: 'drain',
      discovery: [`${sp(1)}.abc.us-east-1.rds.amazonaws.com`],
    });
    const drained = observation([managed(sp(1), 1), managed(sp(2), 2, draining(30))]);
    const cancel = gate({
      target: t,
      decision: decision(2, 3),
      observation: drained,
      metrics: calm(drained),
      now: NOW,
    });
    expect('act' in cancel && cancel.act).toMatchObject({
      type: 'cancelDrain',
      discovery: [`${sp(1)}.abc.us-east-1.rds.amazonaws.com`, `${sp(2)}.abc.us-east-1.rds.amazonaws.com`],
    });
  });

  it('with no reader left, discovery points at the source so reads keep working', () => {
    const t = rdsTarget({ readerDiscovery: { ssmParameterName: '/db/readers' } });
    const o = observation([], { discovery: [`${sp(1)}.abc.us-east-1.rds.amazonaws.com`] });
    const out = gate({ target: t, decision: decision(0, 0), observation: o, metrics: calm(o), now: NOW });
    expect('act' in out && out.act).toMatchObject({
      discovery: [`${SOURCE}.abc.us-east-1.rds.amazonaws.com`],
    });
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
  it('averages the readers per period, leaving out a lagging one', () => {
    const lagging = combine(t, connections, [flat(20), flat(60), flat(5), flat(120)]);
    expect(lagging.map((p) => p.value)).toEqual([20, 20, 20]);
    const none = combine(t, connections, [flat(20), flat(60), flat(5), flat(6)]);
    expect(none.map((p) => p.value)).toEqual([40, 40, 40]);
    expect(combine(t, cpu, [flat(20), flat(60)]).map((p) => p.value)).toEqual([40, 40, 40]);
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
