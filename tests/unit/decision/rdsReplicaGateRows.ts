// The gate rows of the RDS replicas kind: one table row per gate, each failing without its gate.
import { expect } from 'vitest';
import type { GateOutcome } from '../../../shared/decision/kindModel';
import { gate, type RdsReplicasObservation, type ReplicaAction } from '../../../shared/decision/rdsReplicas';
import type { Decision, MetricReading } from '../../../shared/decision/types';
import type { RdsReplicasTarget } from '../../../shared/policy/schema';
import { ago, managed, NOW, observation, rawMetrics, rdsTarget, replica } from './rdsReplicasFixtures';

export const SOURCE = 'event-platform-db';
export const sp = (n: number) => `${SOURCE}-sp-${n}`;

export const outcomeOf = (o: GateOutcome) => ({
  kind: 'skip' in o ? 'skip' : 'reason' in o ? 'act' : 'pass',
  reason: 'skip' in o ? o.skip : 'reason' in o ? o.reason : undefined,
  action: ('act' in o ? o.act : undefined) as ReplicaAction | undefined,
  message: 'message' in o ? o.message : '',
});

export interface GateRow {
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

export const draining = (since: number) => ({ tags: { 'scalepilot:draining': ago(since).toISOString() } });
export const twoManaged = observation([replica(`${SOURCE}-manual`, 1), managed(sp(1), 2), managed(sp(2), 3)]);
export const readersOf = (o: RdsReplicasObservation) =>
  o.replicas
    .filter((r) => r.status === 'available' && !r.tags['scalepilot:draining'])
    .map((r) => r.id)
    .sort();
export const calm = (o: RdsReplicasObservation) => rawMetrics(readersOf(o));
export const onPostgres = (o: RdsReplicasObservation): RdsReplicasObservation => ({
  ...o,
  source: { ...o.source, engine: 'postgres' },
});
/** The metrics with reader i's lag series ending in one datapoint of `value` after its older ones. */
export const withNewestLag = (m: Record<string, MetricReading[][]>, i: number, value: number) => {
  const readers = (m.connections?.length ?? 0) / 2;
  const series = m.connections?.[readers + i] ?? [];
  const newest = series.at(-1);
  return {
    ...m,
    connections: (m.connections ?? []).map((s, k) =>
      k === readers + i && newest ? [...series.slice(0, -1), { ...newest, value }] : s,
    ),
  };
};

/** One row through the gate: its outcome, reason, notice and action as the row wants them. */
export function checkGateRow(row: GateRow): void {
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
}
