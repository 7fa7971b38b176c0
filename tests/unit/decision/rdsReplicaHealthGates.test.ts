// The health and lag gates of a replica change (a failed, stuck or lagging replica), one table row per gate:
// each row fails without its gate.
import { describe, it } from 'vitest';
import {
  checkGateRow,
  type GateRow,
  onPostgres,
  readersOf,
  SOURCE,
  sp,
  twoManaged,
  withNewestLag,
} from './rdsReplicaGateRows';
import { ago, decision, managed, observation, rawMetrics, replica } from './rdsReplicasFixtures';

describe('the health and lag gates of a replica change (each row fails without its gate)', () => {
  const rows: GateRow[] = [
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
    ...['backing-up', 'configuring-enhanced-monitoring', 'configuring-log-exports', 'starting'].map(
      (status) => ({
        name: `health: a replica in service for days, ${status}, is past its create: no deadline (defect: replaced as failed)`,
        observation: observation([
          managed(sp(1), 1),
          managed(sp(2), 2, { status, tags: { 'scalepilot:requested-at': ago(3 * 86_400).toISOString() } }),
        ]),
        decision: decision(2, 2),
        want: { kind: 'pass' as const },
      }),
    ),
    {
      name: 'health: a replica never created yet (no InstanceCreateTime), backing up past the deadline, failed and goes',
      observation: observation([
        managed(sp(1), 1),
        managed(sp(2), 2, {
          status: 'backing-up',
          createdAt: undefined,
          tags: { 'scalepilot:requested-at': ago(61 * 60).toISOString() },
        }),
      ]),
      decision: decision(2, 2),
      want: { kind: 'act' as const, reason: 'RemovingFailedReplica', type: 'deleteFailed', replica: sp(2) },
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
      // RDS measures a PostgreSQL replica's lag from the last transaction replayed: a quiet source reads up to 5 min.
      name: 'lag: a quiet PostgreSQL source’s replicas at 290 s are no laggards (defect: every one left discovery, scale-in held)',
      observation: onPostgres(twoManaged),
      decision: decision(3, 2),
      metrics: rawMetrics(readersOf(twoManaged), { [sp(1)]: 290, [sp(2)]: 290, [`${SOURCE}-manual`]: 290 }),
      want: { kind: 'act', reason: 'Draining', type: 'drain', replica: sp(2) },
    },
    {
      name: 'lag: a PostgreSQL replica past the idle 5 minutes (361 s) lags',
      observation: onPostgres(twoManaged),
      decision: decision(3, 2),
      metrics: rawMetrics(readersOf(twoManaged), { [sp(1)]: 361 }),
      want: { kind: 'skip', reason: 'ReplicaLagging' },
    },
    {
      // The I/O thread reconnecting after a source failover or a reboot reads −1 for a minute.
      name: 'health: one −1 datapoint after healthy ones is no failed replication (defect: an older healthy replica deleted)',
      observation: observation([managed(sp(1), 1), managed(sp(2), 2)]),
      metrics: withNewestLag(rawMetrics([sp(1), sp(2)]), 0, -1),
      decision: decision(2, 2),
      want: { kind: 'pass' },
    },
    {
      name: 'lag at the limit is not lagging',
      observation: twoManaged,
      decision: decision(3, 2),
      metrics: rawMetrics(readersOf(twoManaged), { [sp(1)]: 60 }),
      want: { kind: 'act', reason: 'Draining', type: 'drain', replica: sp(2) },
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
  ];
  it.each(rows)('$name', checkGateRow);
});
