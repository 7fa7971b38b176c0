import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../shared/decision/types';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { CapacityPort, Lease } from '../../../shared/ports';
import { DEADLINE_MARGIN_MS } from '../../../shared/usecases/evaluate/deferTargets';
import {
  BATCH_SIZE,
  type EvaluateDeps,
  evaluateTargets,
  type RunSummary,
} from '../../../shared/usecases/evaluateTargets';
import { seedStepTargetInput, testClock } from '../../harness/fixtures';
import { FunctionMetrics, InMemoryCapacity, InMemoryLedger } from '../../harness/inMemoryPorts';

// Issue 23, the fleet: batches, no lease for a target that changes nothing, deadlines with Deferred and a
// rotating start, on the in-memory ports.

const T0 = new Date('2026-11-22T12:00:30Z');
const name = (i: number) => `t-${String(i).padStart(3, '0')}`;

/** `n` groups of 4; the first `hot` breach (CPU 85: add 2), the others idle at 50. */
function fleet(n: number, hot: number) {
  const policy = validatePolicy({
    version: 1,
    targets: Array.from({ length: n }, (_, i) =>
      seedStepTargetInput({ name: name(i), autoScalingGroupName: `g-${i}` }),
    ),
  });
  const groups = new Map(policy.targets.map((t) => [t.name, new InMemoryCapacity(4)]));
  const leases: string[] = [];
  const batches: number[] = [];
  const ledger = new (class extends InMemoryLedger {
    override async acquireLease(target: string, owner: string, now: Date, seconds: number) {
      leases.push(target);
      return super.acquireLease(target, owner, now, seconds);
    }
    override async recordMany(records: Parameters<InMemoryLedger['recordMany']>[0]) {
      batches.push(records.length);
      return super.recordMany(records);
    }
  })();
  const port: CapacityPort = {
    describe: async (t) => (groups.get(t.name) as InMemoryCapacity).describe(),
    setCapacity: async (t, desired) => (groups.get(t.name) as InMemoryCapacity).setCapacity(t, desired),
  };
  const clock = testClock(T0);
  const runs: RunSummary[] = [];
  const hotNames = new Set(Array.from({ length: hot }, (_, i) => `g-${i}`));
  const deps: EvaluateDeps = {
    policy,
    kind: 'asg',
    capacity: port,
    metrics: new FunctionMetrics((_, q) =>
      hotNames.has(q.metric.dimensions.AutoScalingGroupName ?? '') ? 85 : 50,
    ),
    ledger,
    notifier: { capacityChanged: async () => {} },
    clock,
    log: { info() {}, warn() {}, error() {} },
    decisionMetrics: { decided() {}, failed() {}, ran: (s) => void runs.push(s) },
    owner: 'r1',
  };
  return { deps, ledger, groups, leases, batches, runs, clock };
}

const reasons = (evaluations: { decision: Decision }[]) => evaluations.map((e) => e.decision.reason);

describe('batches: a target that changes nothing takes no lease', () => {
  it('30 groups, 6 breaching: 6 leases, the 24 others recorded in one batch with their recommendation window', async () => {
    const { deps, ledger, leases, batches, groups } = fleet(30, 6);
    const result = await evaluateTargets(deps, { trigger: 'schedule' });
    expect(result).toHaveLength(30);
    expect(reasons(result).filter((r) => r === 'ScaleOut')).toHaveLength(6);
    expect(leases).toEqual([name(0), name(1), name(2), name(3), name(4), name(5)]);
    expect(batches).toEqual([24]);
    expect(groups.get(name(0))?.sets).toEqual([6]);
    expect(groups.get(name(29))?.sets).toEqual([]);
    // The window the stabilisation reads is kept for the unleased ones too.
    expect((await ledger.read(name(29))).history.recommendations).toEqual([{ at: T0, desired: 4 }]);
    expect(ledger.log.map((d) => d.target).sort()).toEqual(deps.policy.targets.map((t) => t.name).sort());
  });

  it('a target with failures to clear, or a lease left behind by a stopped holder, takes the lease path to clear it', async () => {
    const { deps, ledger, leases } = fleet(3, 0);
    const stopped = (await ledger.acquireLease(
      name(1),
      'stopped',
      new Date(T0.getTime() - 120_000),
      60,
    )) as Lease;
    await ledger.record(
      {
        target: name(2),
        kind: 'asg',
        current: 4,
        desired: 4,
        recommendation: 4,
        direction: 'none',
        reason: 'DescribeFailed',
        message: '',
        metrics: {},
      },
      { trigger: 'schedule', applied: false, dryRun: false, now: new Date(T0.getTime() - 600_000) },
      { failures: { count: 1, backoffUntil: new Date(T0.getTime() - 540_000) } },
    );
    leases.length = 0;
    await evaluateTargets(deps, { trigger: 'schedule' });
    expect(leases).toEqual([name(1), name(2)]);
    expect((await ledger.read(name(1))).leaseExpiresAt).toBeUndefined();
    expect(stopped.owner).toBe('stopped');
    const cleared = await ledger.read(name(2));
    expect([cleared.failures, cleared.backoffUntil]).toEqual([0, undefined]);
  });
});

describe('deadlines', () => {
  /** A deadline with time for `batches` batches: the remaining time drops below the margin after them. */
  const deadlineAfter = (batches: number) => {
    let checks = 0;
    return { remainingMs: () => (checks++ < batches ? 60_000 : DEADLINE_MARGIN_MS - 1) };
  };

  it('a run near its deadline defers the rest as Deferred (no AWS call), counts them, and the next run starts with them: no target starves', async () => {
    const n = 2 * BATCH_SIZE + 50;
    const { deps, ledger, runs, clock, groups } = fleet(n, 0);
    const seen = new Map<string, number>();
    for (let run = 0; run < 3; run += 1) {
      const result = await evaluateTargets(
        { ...deps, deadline: deadlineAfter(1), owner: `r${run}` },
        { trigger: 'schedule' },
      );
      const evaluated = result.filter((e) => e.decision.reason !== 'Deferred').map((e) => e.decision.target);
      expect(evaluated).toHaveLength(BATCH_SIZE);
      for (const t of evaluated) seen.set(t, (seen.get(t) ?? 0) + 1);
      expect(runs.at(-1)).toMatchObject({
        targets: n,
        evaluated: BATCH_SIZE,
        deferred: n - BATCH_SIZE,
        acted: 0,
      });
      clock.advance(60);
    }
    // Run 1 took 0–99, run 2 100–199, run 3 200–249 then 0–49: every target had its turn.
    expect(seen.size).toBe(n);
    expect(await ledger.readCursor('schedule#asg')).toBe(name(50));
    const deferred = ledger.log.filter((d) => d.reason === 'Deferred');
    expect(deferred[0]?.message).toContain(`stopped ${DEADLINE_MARGIN_MS / 1000} s before its deadline`);
    // A deferred target was not read at all: no describe, no capacity.
    expect(deferred.every((d) => d.current === 0)).toBe(true);
    expect([...groups.values()].every((g) => g.sets.length === 0)).toBe(true);
  });

  // Review s51: the deadline was checked between batches of 100 only, and a batch's targets act over many seconds
  // (a budget's wait, an action's retries): one that started with 16 s left ran past the function's timeout,
  // which then recorded no Deferred and kept the cursor, so the same tail was left out every minute.
  it('a batch whose deadline comes while its targets act: those not started are deferred, their leases given back, first next run', async () => {
    const { deps, ledger, groups } = fleet(30, 30);
    // The loop's check, the lease step's, then each leased target's: time for 10 of the 30.
    const result = await evaluateTargets(
      { ...deps, deadline: deadlineAfter(2 + 10) },
      { trigger: 'schedule' },
    );
    const acted = result.filter((e) => e.decision.reason === 'ScaleOut').map((e) => e.decision.target);
    const deferred = result.filter((e) => e.decision.reason === 'Deferred').map((e) => e.decision.target);
    expect(acted).toHaveLength(10);
    expect(deferred).toHaveLength(20);
    expect([...groups.values()].filter((g) => g.sets.length > 0)).toHaveLength(10);
    const firstLate = deps.policy.targets.find((t) => deferred.includes(t.name))?.name;
    expect(await ledger.readCursor('schedule#asg')).toBe(firstLate);
    for (const target of deferred) expect((await ledger.read(target)).leaseExpiresAt).toBeUndefined();
    // The next run, with time to spare, starts with them and acts on every one.
    const next = await evaluateTargets({ ...deps, owner: 'r2' }, { trigger: 'schedule' });
    expect(
      next
        .filter((e) => e.decision.reason === 'ScaleOut')
        .map((e) => e.decision.target)
        .sort(),
    ).toEqual([...deferred].sort());
  });

  it('an alarm run is not deferred (its one target is evaluated whatever the time left)', async () => {
    const { deps } = fleet(1, 1);
    const result = await evaluateTargets(
      { ...deps, deadline: { remainingMs: () => 0 } },
      { trigger: 'alarm', targets: [name(0)], alarmName: 'a' },
    );
    expect(reasons(result)).toEqual(['ScaleOut']);
  });
});
