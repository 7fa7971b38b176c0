import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CacheShardsObservation } from '../../../shared/decision/cacheShards';
import { cacheShardsModel } from '../../../shared/decision/cacheShards';
import type { KindAction } from '../../../shared/decision/kindModel';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Policy } from '../../../shared/policy/schema';
import type { CapacityChangeNotice, KindScaler, MetricQuery } from '../../../shared/ports';
import { evaluateTargets } from '../../../shared/usecases/evaluateTargets';
import { testClock } from '../../harness/fixtures';
import { FunctionMetrics, InMemoryLedger } from '../../harness/inMemoryPorts';
import { cacheRules, cacheTarget, firstMemberPrimary, group } from './cacheShardsFixtures';

// The cache-shards model in the generic evaluation (evaluateTargets), on in-memory ports and a group that
// reshards over several minutes and may roll back, as AWS does: one modification at a time, a rolled-back
// reshard recorded as failed, notified and backed off, never counted as done.

const T0 = new Date('2026-11-30T12:00:30Z');

/** A replication group AWS reshards in `minutes` evaluations; `rollBack` returns it to its old count. */
class ReshardingGroup {
  readonly acts: KindAction[] = [];
  /** Actions asked for while a reshard was still running: the defect this model prevents. */
  readonly overlaps: KindAction[] = [];
  shards: number;
  private pending?: { to: number; left: number };
  constructor(
    shards: number,
    private readonly minutes = 2,
    public rollBack = false,
  ) {
    this.shards = shards;
  }
  /** One minute passes for AWS. */
  tick() {
    if (!this.pending) return;
    this.pending.left -= 1;
    if (this.pending.left > 0) return;
    if (!this.rollBack) this.shards = this.pending.to;
    this.pending = undefined;
  }
  scaler(): KindScaler<CacheShardsObservation> {
    return {
      model: cacheShardsModel,
      resource: {
        observe: async () => group(this.shards, 1, { status: this.pending ? 'modifying' : 'available' }),
        act: async (_target, action) => {
          if (this.pending) {
            this.overlaps.push(action);
            throw new Error('InvalidReplicationGroupState: the group is modifying');
          }
          this.acts.push(action);
          this.pending = { to: action.desired, left: this.minutes };
        },
      },
    };
  }
}

function policy(extra: Record<string, unknown> = {}): Policy {
  return validatePolicy({ version: 1, targets: [{ ...cacheTarget(), ...extra }] });
}

/** Memory per node from `memory()`, engine and host CPU from `cpu()`, read per CacheClusterId. */
function setUp(g: ReshardingGroup, load: { memory: () => number; cpu: () => number }, p = policy()) {
  const clock = testClock(T0);
  const ledger = new InMemoryLedger();
  const notices: CapacityChangeNotice[] = [];
  const metrics = new FunctionMetrics((_at, q: MetricQuery) =>
    q.metric.name === 'IsMaster'
      ? firstMemberPrimary(q.metric.dimensions.CacheClusterId ?? '')
      : q.metric.name === 'EngineCPUUtilization' || q.metric.name === 'CPUUtilization'
        ? load.cpu()
        : load.memory(),
  );
  const tick = async (owner: string) => {
    const evaluations = await evaluateTargets(
      {
        policy: p,
        kind: 'cache-shards',
        capacity: g.scaler() as KindScaler<unknown>,
        metrics,
        ledger,
        notifier: { capacityChanged: async (n) => void notices.push(n) },
        clock,
        log: { info() {}, warn() {}, error() {} },
        owner,
      },
      { trigger: 'schedule' },
    );
    clock.advance(60);
    g.tick();
    return evaluations;
  };
  return { clock, ledger, notices, tick, metrics };
}

describe('a reshard through the evaluation', () => {
  it('85% memory: one more shard, pending while modifying, then completed', async () => {
    const g = new ReshardingGroup(3, 2);
    const { tick, ledger, metrics } = setUp(g, { memory: () => 85, cpu: () => 40 });
    const reasons = [];
    for (let i = 0; i < 4; i++) reasons.push((await tick(`r${i}`)).map((e) => e.decision.reason));
    // Completed, then decided anew in the same evaluation: the cooldown of that scale-out holds.
    expect(reasons).toEqual([
      ['ScaleOut'],
      ['OperationPending'],
      ['OperationCompleted', 'ScaleOutCooldown'],
      ['ScaleOutCooldown'],
    ]);
    expect(g.acts).toEqual([{ type: 'reshard', desired: 4 }]);
    expect(g.shards).toBe(4);
    expect((await ledger.read('sessions')).intent).toBeUndefined();
    // One GetMetricData per evaluation, per node: engine and host CPU on every node; memory on every node with
    // its IsMaster, shard by shard, so each shard's primary is chosen from the same read.
    expect(metrics.reads).toHaveLength(4);
    expect(metrics.reads[0]?.map((q) => `${q.metric.name} ${q.metric.dimensions.CacheClusterId}`)).toEqual([
      ...['0001', '0002', '0003'].flatMap((s) => [
        `EngineCPUUtilization rg-${s}-001`,
        `EngineCPUUtilization rg-${s}-002`,
        `CPUUtilization rg-${s}-001`,
        `CPUUtilization rg-${s}-002`,
      ]),
      ...['0001', '0002', '0003'].flatMap((s) => [
        `DatabaseMemoryUsagePercentage rg-${s}-001`,
        `DatabaseMemoryUsagePercentage rg-${s}-002`,
        `IsMaster rg-${s}-001`,
        `IsMaster rg-${s}-002`,
      ]),
    ]);
  });

  it('a rolled-back reshard: OperationFailed, notified, backed off, not completed (defect: counted as applied)', async () => {
    const g = new ReshardingGroup(3, 2, true);
    const { tick, ledger, notices } = setUp(g, { memory: () => 85, cpu: () => 40 });
    expect((await tick('r1'))[0]?.decision.reason).toBe('ScaleOut');
    expect((await tick('r2'))[0]?.decision.reason).toBe('OperationPending');
    const [failed, ...rest] = await tick('r3');
    expect(rest).toEqual([]);
    expect(failed?.decision).toMatchObject({ reason: 'OperationFailed', current: 3, desired: 4 });
    expect(failed?.applied).toBe(false);
    expect(notices.map((n) => n.decision.reason)).toEqual(['ScaleOut', 'OperationFailed']);
    const record = await ledger.read('sessions');
    expect(record.failures).toBe(1);
    expect(record.intent).toBeUndefined();
    expect(record.backoffUntil?.getTime()).toBeGreaterThan(T0.getTime() + 120_000);
    expect(g.acts).toHaveLength(1);
  });

  it('dry run: decided and recorded, nothing resharded', async () => {
    const g = new ReshardingGroup(3);
    const { tick } = setUp(g, { memory: () => 85, cpu: () => 40 }, policy({ dryRun: true }));
    expect((await tick('r1'))[0]?.decision.reason).toBe('ScaleOut');
    expect(g.acts).toEqual([]);
  });

  it('one modification at a time, whatever the load and however long AWS takes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ memory: fc.integer({ min: 0, max: 100 }), cpu: fc.integer({ min: 0, max: 100 }) }),
          {
            minLength: 5,
            maxLength: 25,
          },
        ),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        async (loads, minutes, rollBack) => {
          const g = new ReshardingGroup(3, minutes, rollBack);
          let i = 0;
          const { tick } = setUp(g, {
            memory: () => loads[Math.min(i, loads.length - 1)]?.memory ?? 50,
            cpu: () => loads[Math.min(i, loads.length - 1)]?.cpu ?? 50,
          });
          for (; i < loads.length; i++) await tick(`r${i}`);
          expect(g.overlaps).toEqual([]);
          for (const act of g.acts) expect(act.desired).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** A group whose replica count AWS changes over `minutes` evaluations (status `modifying` meanwhile). */
class ReplicaGroup {
  readonly acts: KindAction[] = [];
  readonly overlaps: KindAction[] = [];
  replicas = 1;
  changedAt?: Date;
  private pending?: { to: number; left: number };
  constructor(private readonly minutes = 3) {}
  tick() {
    if (!this.pending) return;
    this.pending.left -= 1;
    if (this.pending.left > 0) return;
    this.replicas = this.pending.to;
    this.pending = undefined;
  }
  scaler(): KindScaler<CacheShardsObservation> {
    return {
      model: cacheShardsModel,
      resource: {
        observe: async () =>
          group(3, this.replicas, {
            status: this.pending ? 'modifying' : 'available',
            ...(this.changedAt ? { replicasChangedAt: this.changedAt } : {}),
          }),
        act: async (_target, action) => {
          if (this.pending) {
            this.overlaps.push(action);
            throw new Error('InvalidReplicationGroupState: the group is modifying');
          }
          this.acts.push(action);
          const a = action as KindAction & { replicasPerShard: number; at: string };
          this.changedAt = new Date(a.at);
          this.pending = { to: a.replicasPerShard, left: this.minutes };
        },
      },
    };
  }
}

describe('a replica change through the evaluation', () => {
  it('is the pending operation, written ahead: nothing else starts until the group is available at the new count', async () => {
    const g = new ReplicaGroup(3);
    const p = policy({
      capacity: { min: 1, max: 6 },
      replicaScaling: { min: 0, max: 3, rules: ['engine-cpu'] },
      rules: cacheRules({ cpuAbove: 50 }),
    });
    const { tick, ledger } = setUp(g as unknown as ReshardingGroup, { memory: () => 50, cpu: () => 60 }, p);
    const first = await tick('r0');
    expect(first.map((e) => e.decision.reason)).toEqual(['ReplicasScaledOut']);
    expect((await ledger.read('sessions')).intent?.action).toMatchObject({
      type: 'replicas',
      replicasPerShard: 2,
    });
    const reasons: string[][] = [];
    for (let i = 1; i < 5; i++) reasons.push((await tick(`r${i}`)).map((e) => e.decision.reason));
    expect(reasons[0]).toEqual(['OperationPending']);
    expect(reasons[1]).toEqual(['OperationPending']);
    expect(reasons[2]?.[0]).toBe('OperationCompleted');
    expect(g.acts).toHaveLength(1);
    expect(g.overlaps).toEqual([]);
    expect(g.replicas).toBe(2);
  });
});
