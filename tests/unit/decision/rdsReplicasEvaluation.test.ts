import { describe, expect, it } from 'vitest';
import { rdsReplicasModel } from '../../../shared/decision/rdsReplicas';
import type { Decision } from '../../../shared/decision/types';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { CapacityChangeNotice, KindScaler } from '../../../shared/ports';
import { evaluateTargets } from '../../../shared/usecases/evaluateTargets';
import { testClock } from '../../harness/fixtures';
import { FunctionMetrics, InMemoryLedger } from '../../harness/inMemoryPorts';
import { SlowRds } from '../../harness/slowRds';
import { managed, observation, rdsTarget } from './rdsReplicasFixtures';

// The RDS kind inside the generic use case, on in-memory ports: an RDS that takes minutes (replicas stay
// `creating` until the test says so, and can fail), so the pending operation, its settlement, the
// replacements and the drain are seen as the functions see them.

const T0 = new Date('2026-11-30T12:00:30Z');

function setUp(overrides: Record<string, unknown> = {}) {
  const clock = testClock(T0);
  const rds = new SlowRds(clock);
  const ledger = new InMemoryLedger();
  const notices: CapacityChangeNotice[] = [];
  let load = 95;
  /** Seconds of lag by replica (0 for any other). */
  const lag: Record<string, number> = {};
  const target = rdsTarget({ capacity: { min: 0, max: 5 }, ...overrides });
  const policy = validatePolicy({ version: 1, targets: [target] });
  const tick = (owner = 'r1', leaseSeconds?: number) =>
    evaluateTargets(
      {
        ...(leaseSeconds ? { leaseSeconds } : {}),
        policy,
        kind: 'rds-replicas',
        capacity: { resource: rds, model: rdsReplicasModel } as KindScaler<unknown>,
        metrics: new FunctionMetrics((_now, q) =>
          q.metric.name === 'ReplicaLag' ? (lag[q.metric.dimensions?.DBInstanceIdentifier ?? ''] ?? 0) : load,
        ),
        ledger,
        notifier: { capacityChanged: async (n) => void notices.push(n) },
        clock,
        log: { info() {}, warn() {}, error() {} },
        owner,
      },
      { trigger: 'schedule' },
    );
  return {
    clock,
    rds,
    ledger,
    notices,
    tick,
    setLoad: (v: number) => {
      load = v;
    },
    lag,
  };
}
const reasons = (e: { decision: Decision }[]) => e.map((x) => x.decision.reason);

/** Scalepilot's replica n of the example's source, available for hours (the older, the lower n). */
const servingReplica = (n: number) => ({
  id: `event-platform-db-sp-${n}`,
  status: 'available',
  tags: { 'scalepilot:managed': 'true', 'scalepilot:target': 'events-db' },
  deletionProtection: false,
  createdAt: new Date(T0.getTime() - (10 - n) * 3600_000),
  endpoint: `sp${n}.rds`,
});

describe('RDS replicas in the evaluation (one operation at a time per source)', () => {
  it('a create stays the pending operation until its replica is available: nothing new meanwhile', async () => {
    const { clock, rds, tick, ledger, setLoad } = setUp();
    expect(reasons(await tick())).toEqual(['ScaleOut']);
    expect((await ledger.read('events-db')).intent?.action).toMatchObject({ type: 'create' });
    for (let i = 0; i < 3; i += 1) {
      clock.advance(120);
      expect(reasons(await tick(`r${i + 2}`))).toEqual(['OperationPending']);
    }
    expect(rds.actions).toHaveLength(1);
    rds.settleAll();
    clock.advance(120);
    setLoad(50);
    const done = reasons(await tick('r9'));
    expect(done[0]).toBe('OperationCompleted');
    expect((await ledger.read('events-db')).intent).toBeUndefined();
  });

  it('a replica lagging while a create is in flight leaves reader discovery now, not once the create ends', async () => {
    const { clock, rds, tick, ledger, lag } = setUp({
      readerDiscovery: { ssmParameterName: '/events/readers' },
    });
    for (const n of [1, 2]) rds.replicas.push(servingReplica(n));
    rds.published = ['sp1.rds', 'sp2.rds'];
    expect(reasons(await tick())).toEqual(['ScaleOut']); // sp-3 creating
    clock.advance(120);
    lag['event-platform-db-sp-2'] = 900; // over the limit while sp-3 is still creating
    const [pending] = await tick('r2');
    expect(pending?.decision.reason).toBe('OperationPending');
    expect(pending?.decision.message).toContain('reader discovery set to sp1.rds');
    expect(rds.published).toEqual(['sp1.rds']);
    // The create is still the operation in flight, and nothing else was asked of RDS.
    expect((await ledger.read('events-db')).intent?.action).toMatchObject({ type: 'create' });
    expect(rds.actions.map((a) => a.type)).toEqual(['create', 'syncDiscovery']);
    // In sync: the next pending run writes nothing.
    clock.advance(60);
    expect(reasons(await tick('r3'))).toEqual(['OperationPending']);
    expect(rds.actions).toHaveLength(2);
  });

  it('a holder whose lease would not outlive the discovery write while a create is in flight writes nothing', async () => {
    const { clock, rds, tick, ledger, lag } = setUp({
      readerDiscovery: { ssmParameterName: '/events/readers' },
    });
    for (const n of [1, 2]) rds.replicas.push(servingReplica(n));
    rds.published = ['sp1.rds', 'sp2.rds'];
    await tick(); // sp-3 creating
    clock.advance(120);
    lag['event-platform-db-sp-2'] = 900;
    // A 10-second lease has less than the 15 seconds a call under it needs left: the next holder decides.
    expect(reasons(await tick('r2', 10))).toEqual(['LeaseHeld']);
    expect(rds.published).toEqual(['sp1.rds', 'sp2.rds']);
    expect(rds.actions.map((a) => a.type)).toEqual(['create']);
    expect((await ledger.read('events-db')).intent?.action).toMatchObject({ type: 'create' });
    clock.advance(60);
    expect(reasons(await tick('r3'))).toEqual(['OperationPending']);
    expect(rds.published).toEqual(['sp1.rds']);
  });

  it('a failed discovery write while a create is in flight is said, retried next run, and ends nothing', async () => {
    const { clock, rds, tick, ledger, lag } = setUp({
      readerDiscovery: { ssmParameterName: '/events/readers' },
    });
    rds.replicas.push(servingReplica(1));
    rds.published = ['sp1.rds'];
    await tick();
    clock.advance(120);
    lag['event-platform-db-sp-1'] = 900;
    rds.refuse = new Error('SSM PutParameter throttled');
    const [pending] = await tick('r2');
    expect(pending?.decision.reason).toBe('OperationPending');
    expect(pending?.decision.message).toContain('failed (SSM PutParameter throttled): tried again next run');
    const record = await ledger.read('events-db');
    expect(record.intent?.action).toMatchObject({ type: 'create' });
    expect(record.failures).toBe(0);
    rds.refuse = undefined;
    clock.advance(60);
    await tick('r3');
    // No reader serves: discovery points at the source, so reads keep working.
    expect(rds.published).toEqual(['event-platform-db.abc.us-east-1.rds.amazonaws.com']);
  });

  it('a replica that fails is OperationFailed and notified; replaced; after two failed replacements the target stops', async () => {
    const { clock, rds, tick, notices, setLoad } = setUp();
    setLoad(50); // within thresholds: only the replacements act
    rds.outcome = 'failed';
    rds.replicas.push({
      id: 'event-platform-db-sp-1',
      status: 'creating',
      tags: { 'scalepilot:managed': 'true', 'scalepilot:target': 'events-db' },
      deletionProtection: false,
      createdAt: T0,
    });
    rds.settleAll(); // the original failed
    const seen: string[] = [];
    for (let i = 0; i < 40 && !seen.includes('ReplacementsExhausted'); i += 1) {
      clock.advance(15 * 60); // past any backoff
      seen.push(...reasons(await tick(`r${i}`)));
      rds.settleAll();
    }
    expect(seen.filter((r) => r === 'ReplacingFailedReplica')).toHaveLength(2);
    expect(seen.filter((r) => r === 'OperationFailed')).toHaveLength(2);
    expect(seen).toContain('ReplacementsExhausted');
    expect(notices.map((n) => n.decision.reason)).toContain('OperationFailed');
    expect(rds.actions.filter((a) => a.type === 'replace')).toHaveLength(2);
    clock.advance(15 * 60);
    expect(reasons(await tick('last'))).toEqual(['ReplacementsExhausted']);
    // Giving up is told once, not every minute it lasts.
    expect(notices.filter((n) => n.decision.reason === 'ReplacementsExhausted')).toHaveLength(1);
  });

  it('the drain is a preparing step (no intent, no cooldown); the delete after drainSeconds is the pending operation', async () => {
    const { clock, rds, tick, ledger, setLoad } = setUp();
    for (const n of [1, 2]) rds.replicas.push(servingReplica(n));
    setLoad(10);
    clock.advance(600);
    const drain = await tick('d1');
    expect(reasons(drain)).toEqual(['Draining']);
    expect((await ledger.read('events-db')).intent).toBeUndefined();
    expect((await ledger.read('events-db')).history.lastScaleInAt).toBeUndefined();
    expect(
      rds.replicas.find((r) => r.id === 'event-platform-db-sp-2')?.tags['scalepilot:draining'],
    ).toBeDefined();
    clock.advance(120);
    expect(reasons(await tick('d2'))).toEqual(['Draining']); // within drainSeconds
    clock.advance(181);
    const removed = await tick('d3');
    expect(removed[0]?.decision).toMatchObject({ reason: 'ScaleIn', current: 2, desired: 1 });
    expect((await ledger.read('events-db')).intent?.action).toMatchObject({
      type: 'delete',
      replica: 'event-platform-db-sp-2',
    });
    expect(rds.actions.map((a) => a.type)).toEqual(['drain', 'delete']);
  });

  it('a preparing step needs the lease to outlive it as a change does: a holder short of time drains nothing', async () => {
    const { clock, rds, tick, ledger, setLoad } = setUp();
    for (const n of [1, 2]) rds.replicas.push(servingReplica(n));
    setLoad(10);
    clock.advance(600);
    expect(reasons(await tick('d1', 10))).toEqual(['LeaseHeld']);
    expect(rds.actions).toEqual([]);
    expect(rds.replicas.every((r) => r.tags['scalepilot:draining'] === undefined)).toBe(true);
    expect((await ledger.read('events-db')).intent).toBeUndefined();
  });
});

describe('a lagging replica serves no reads', () => {
  it('a replica lagging past replicaLagLimitSeconds is current capacity but not serving', () => {
    const target = rdsTarget();
    const obs = observation([managed('event-platform-db-sp-1', 1), managed('event-platform-db-sp-2', 2)]);
    const series = rdsReplicasModel.metricsFor?.(target, target.rules[0] as never, obs) ?? [];
    const at = new Date(T0.getTime() - 90_000);
    // The first rule's own series per reader, then each reader's lag: sp-2 lags 300 s against a 60 s limit.
    const lagOf = (m: { name: string; dimensions: Record<string, string> }) =>
      m.dimensions.DBInstanceIdentifier === 'event-platform-db-sp-2' ? 300 : 1;
    const metrics = {
      [target.rules[0]?.name ?? '']: series.map((m) => [
        { timestamp: at, value: m.name === 'ReplicaLag' ? lagOf(m) : 50 },
      ]),
    };
    expect(rdsReplicasModel.capacity(target, obs, T0)).toMatchObject({ current: 2, serving: 2 });
    expect(rdsReplicasModel.capacity(target, obs, T0, metrics)).toMatchObject({ current: 2, serving: 1 });
  });
});

describe('RDS replicas: the metrics are paired with the replicas read under the lease', () => {
  it("a replica that comes to serve between the first look and the lease does not shift the others' lag", async () => {
    // One rule, so a reader's series and the lag series sit side by side: CPU 65% is low for it (in below 70%).
    const { rds, tick, setLoad } = setUp({
      rules: [
        {
          name: 'cpu',
          type: 'step',
          metric: { namespace: 'AWS/RDS', name: 'CPUUtilization' },
          scaleOut: [{ above: 99, add: 1 }],
          scaleIn: [{ below: 70, remove: 1 }],
        },
      ],
    });
    setLoad(65);
    const tags = { 'scalepilot:managed': 'true', 'scalepilot:target': 'events-db' };
    const replica = (id: string, status: string, own: boolean) => ({
      id: `event-platform-db-${id}`,
      status,
      tags: own ? { ...tags } : {},
      deletionProtection: false,
      createdAt: T0,
    });
    // Someone's replica ("sp-3" by name, untagged) is creating at the first look and available under the lease.
    for (const id of ['sp-1', 'sp-2', 'sp-4', 'sp-5']) rds.replicas.push(replica(id, 'available', true));
    rds.replicas.push(replica('sp-3', 'creating', false));
    const observe = rds.observe.bind(rds);
    let observed = 0;
    rds.observe = async () => {
      observed += 1;
      if (observed === 2) rds.settleAll();
      return observe();
    };
    const [outcome] = await tick();
    // Paired by position with the first look's four readers' series, sp-1 read sp-5's CPU (65) as its lag.
    expect(outcome?.decision.message).not.toMatch(/lags/);
    expect(rds.actions).toEqual([expect.objectContaining({ type: 'drain' })]);
  });
});
