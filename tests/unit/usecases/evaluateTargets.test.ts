import { describe, expect, it } from 'vitest';
import type { CapacityState, Decision } from '../../../shared/decision/types';
import { LeaseLostError, ResourceNotFoundError } from '../../../shared/errors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Policy } from '../../../shared/policy/schema';
import type { CapacityChangeNotice, CapacityPort, MetricQuery, MetricsRead } from '../../../shared/ports';
import { type EvaluateDeps, evaluateTargets } from '../../../shared/usecases/evaluateTargets';
import { seedStepPolicy, testClock } from '../../harness/fixtures';
import { FunctionMetrics, InMemoryCapacity, InMemoryLedger } from '../../harness/inMemoryPorts';

// The use-case defects of the safety issue (#11, items 3, 10, 12), on the in-memory ports.

const T0 = new Date('2026-11-22T12:00:30Z');

function setUp({ policy = seedStepPolicy(), cpu = 85, desired = 4 } = {}) {
  const clock = testClock(T0);
  const ledger = new InMemoryLedger();
  const capacity = new InMemoryCapacity(desired);
  const notices: CapacityChangeNotice[] = [];
  const errors: string[] = [];
  const failures: string[] = [];
  let load = cpu;
  const deps: EvaluateDeps = {
    policy,
    kind: 'asg',
    capacity,
    metrics: new FunctionMetrics(() => load),
    ledger,
    notifier: { capacityChanged: async (n) => void notices.push(n) },
    clock,
    log: { info() {}, warn() {}, error: (m) => void errors.push(m) },
    decisionMetrics: { decided() {}, failed: (op, target) => void failures.push(`${op}:${target ?? ''}`) },
    owner: 'r1',
  };
  const tick = (owner = 'r1') => evaluateTargets({ ...deps, owner }, { trigger: 'schedule' });
  return {
    deps,
    clock,
    ledger,
    capacity,
    notices,
    errors,
    failures,
    tick,
    setLoad: (v: number) => {
      load = v;
    },
  };
}

const reasons = (decisions: { decision: Decision }[]) => decisions.map((e) => e.decision.reason);

// Review s51: without fan-out, a tick Lambda retried (after a timeout, a minute later at the least) evaluated the
// whole fleet again beside the ticks since, each with a budget of its own: double the calls when they were already
// too many. With fan-out it already handed out nothing.
describe('a retried tick', () => {
  it.each([
    { name: 'a tick of now is evaluated', ageSeconds: 0, evaluated: 1 },
    { name: 'a tick 59 s old is evaluated', ageSeconds: 59, evaluated: 1 },
    { name: 'a tick a minute old (Lambda’s retry) evaluates nothing', ageSeconds: 60, evaluated: 0 },
  ])('$name', async ({ ageSeconds, evaluated }) => {
    const { deps, capacity } = setUp();
    const tickAt = new Date(T0.getTime() - ageSeconds * 1000);
    const evaluations = await evaluateTargets(deps, { trigger: 'schedule', tickAt });
    expect(evaluations).toHaveLength(evaluated);
    expect(capacity.desired).toBe(evaluated ? 6 : 4);
  });
});

describe('write-ahead intent and fencing (defect 3)', () => {
  it('writes the intent under the lease before setCapacity, and clears it when the decision is recorded', async () => {
    const { ledger, capacity, tick } = setUp();
    const order: string[] = [];
    const write = ledger.writeIntent.bind(ledger);
    ledger.writeIntent = async (...args) => {
      order.push('intent');
      return write(...args);
    };
    const set = capacity.setCapacity.bind(capacity);
    capacity.setCapacity = async (...args) => {
      order.push('set');
      return set(...args);
    };
    await tick();
    expect(order).toEqual(['intent', 'set']);
    expect(ledger.intents[0]).toMatchObject({ from: 4, to: 6, id: 'r1#1', token: 1 });
    expect((await ledger.read('api')).intent).toBeUndefined();
  });

  it('defect 3: a record that fails after the change loses neither the cooldown nor the notification: the next tick reconciles', async () => {
    const { ledger, capacity, tick, clock, notices } = setUp();
    ledger.failNextRecords = 1;
    await expect(tick()).rejects.toThrow('evaluation failed for "api"');
    expect(capacity.desired).toBe(6);
    expect((await ledger.read('api')).intent).toMatchObject({ from: 4, to: 6 });

    clock.advance(60);
    const next = await tick('r2');
    expect(reasons(next)).toEqual(['IntentReconciled', 'InstancesWarming']);
    expect(capacity.sets).toEqual([6]); // no second scale-out inside the cooldown
    expect(notices.map((n) => n.decision.reason)).toEqual(['IntentReconciled']);
    const record = await ledger.read('api');
    expect(record.intent).toBeUndefined();
    expect(record.history.lastScaleOutAt).toEqual(T0);
  });

  it('an intent whose call never took effect is reconciled as not applied, then the target is decided anew', async () => {
    const { ledger, capacity, tick, clock } = setUp();
    const lease = await ledger.acquireLease('api', 'crashed', T0, 60);
    if (!lease) throw new Error('no lease');
    await ledger.writeIntent(
      lease,
      { id: 'crashed#1', from: 4, to: 6, at: T0, token: lease.token, reason: 'ScaleOut' },
      T0,
      15,
    );
    // It crashed before calling AWS; its lease expires.
    clock.advance(120);
    const next = await tick('r2');
    expect(reasons(next)).toEqual(['IntentReconciled', 'ScaleOut']);
    expect(next[0]?.applied).toBe(false);
    expect(capacity.sets).toEqual([6]);
  });

  it('a holder whose lease expired cannot write an intent or record (fencing token)', async () => {
    const { ledger } = setUp();
    const old = await ledger.acquireLease('api', 'slow', T0, 60);
    const later = new Date(T0.getTime() + 61_000);
    const fresh = await ledger.acquireLease('api', 'fast', later, 60);
    if (!old || !fresh) throw new Error('no lease');
    expect(fresh.token).toBeGreaterThan(old.token);
    const intent = { id: 'slow#1', from: 4, to: 6, at: later, token: old.token, reason: 'ScaleOut' as const };
    await expect(ledger.writeIntent(old, intent, later, 15)).rejects.toBeInstanceOf(LeaseLostError);
    const decision = { target: 'api' } as Decision;
    await expect(
      ledger.record(
        decision,
        { trigger: 'schedule', applied: true, dryRun: false, now: later },
        { lease: old },
      ),
    ).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('an evaluation whose lease ran out before acting does not act', async () => {
    const { deps, capacity } = setUp();
    // The evaluation is slow: by the time it would write its intent, its 10-second lease has < 15 s left.
    const result = await evaluateTargets({ ...deps, leaseSeconds: 10 }, { trigger: 'schedule' });
    expect(reasons(result)).toEqual(['LeaseHeld']);
    expect(capacity.sets).toEqual([]);
  });

  it('a call whose turn in the run’s API budget comes too late for its lease is not made', async () => {
    const { deps, capacity, ledger } = setUp();
    // The control plane's share is spent: a call made now would wait 50 of the lease's 60 seconds.
    const budget = {
      beginRun() {},
      usage: () => ({ calls: {}, waitedMs: 0, ratePerSecond: {} }),
      queueMs: () => 50_000,
    };
    const result = await evaluateTargets({ ...deps, apiBudget: budget }, { trigger: 'schedule' });
    expect(reasons(result)).toEqual(['LeaseHeld']);
    expect(capacity.sets).toEqual([]);
    // Its intent went ahead while the lease had time: the next holder finds it never applied.
    expect((await ledger.read('api')).intent).toMatchObject({ from: 4, to: 6 });
  });

  it('an intent write slow enough to end past the lease is not followed by the call: the next holder clears it', async () => {
    const { ledger, capacity, tick, clock } = setUp();
    const write = ledger.writeIntent.bind(ledger);
    // DynamoDB throttled: written, with the lease checked when the call began, 50 of its 60 seconds later.
    ledger.writeIntent = async (...args) => {
      await write(...args);
      clock.advance(50);
    };
    expect(reasons(await tick())).toEqual(['LeaseHeld']);
    expect(capacity.sets).toEqual([]);
    ledger.writeIntent = write;
    clock.advance(60);
    const next = await tick('r2');
    expect(reasons(next)).toEqual(['IntentReconciled', 'ScaleOut']);
    expect(next[0]?.applied).toBe(false);
    expect(capacity.sets).toEqual([6]);
  });
});

/** Two groups; `broken` fails the way a deleted group does. */
function twoTargets(): Policy {
  const one = seedStepPolicy().targets[0];
  return validatePolicy({
    version: 1,
    targets: [
      { ...one, name: 'api', autoScalingGroupName: 'g' },
      { ...one, name: 'broken', autoScalingGroupName: 'gone' },
    ],
  });
}

class TwoGroups implements CapacityPort {
  readonly healthy = new InMemoryCapacity(4);
  describeCalls = 0;
  failSet = false;
  async describe(target: { name: string }): Promise<CapacityState> {
    if (target.name === 'api') return this.healthy.describe();
    this.describeCalls += 1;
    throw new ResourceNotFoundError('Auto Scaling group', 'gone');
  }
  async setCapacity(target: { name: string }, desired: number) {
    if (this.failSet) throw new Error('AccessDenied');
    return this.healthy.setCapacity(target, desired);
  }
}

describe('delivery (defect 10)', () => {
  it('defect 10: one failing target is recorded and backed off; the run succeeds for the rest (it used to throw every minute)', async () => {
    const { deps, ledger, clock, failures } = setUp({ policy: twoTargets() });
    const port = new TwoGroups();
    const run = () => evaluateTargets({ ...deps, capacity: port }, { trigger: 'schedule' });

    const first = await run();
    expect(first.map((e) => [e.decision.target, e.decision.reason])).toEqual([
      ['api', 'ScaleOut'],
      ['broken', 'DescribeFailed'],
    ]);
    expect(first[1]?.decision.message).toContain('"gone" does not exist');
    expect(failures).toContain('describe:broken');
    expect(port.healthy.desired).toBe(6);

    clock.advance(30); // inside the one-minute backoff: no describe call at all
    const second = await run();
    expect(second.find((e) => e.decision.target === 'broken')?.decision.reason).toBe('BackedOff');
    expect(port.describeCalls).toBe(1);

    clock.advance(60); // backoff over: tried again, failed again, backs off for two minutes
    await run();
    expect(port.describeCalls).toBe(2);
    const record = await ledger.read('broken');
    expect(record.failures).toBe(2);
    expect(record.backoffUntil).toEqual(new Date(clock.now().getTime() + 120_000));
  });

  it('an action AWS refuses is recorded as ActionFailed, its intent left for the next describe to settle', async () => {
    const { deps, ledger } = setUp({ policy: twoTargets() });
    const port = new TwoGroups();
    port.failSet = true;
    const result = await evaluateTargets(
      { ...deps, capacity: port },
      { trigger: 'schedule', targets: ['api'] },
    );
    expect(reasons(result)).toEqual(['ActionFailed']);
    expect(result[0]?.decision.message).toContain('AccessDenied');
    const record = await ledger.read('api');
    expect(record.failures).toBe(1);
    expect(record.intent).toMatchObject({ from: 4, to: 6 });
  });

  it('a failed metric batch leaves its targets holding; the targets whose metrics arrived are decided', async () => {
    const { deps, errors } = setUp({ policy: twoTargets() });
    const port = new TwoGroups();
    const metrics = {
      async recent(queries: readonly MetricQuery[]): Promise<MetricsRead> {
        const [first, ...rest] = queries;
        return {
          values: new Map(
            (first ? [first] : []).map((q) => [
              q.id,
              [{ value: 85, timestamp: new Date(T0.getTime() - 90_000) }],
            ]),
          ),
          failures: [{ ids: rest.map((q) => q.id), error: new Error('Throttling') }],
        };
      },
    };
    const result = await evaluateTargets(
      { ...deps, capacity: port, metrics },
      { trigger: 'schedule', targets: ['api'] },
    );
    expect(reasons(result)).toEqual(['ScaleOut']);
    expect(errors).toContain('metric read failed');
  });
});

describe('dry-run notifications (defect 12)', () => {
  it('defect 12: a dry run tells the would-be change once, not every minute, and again when it changes', async () => {
    const { tick, clock, notices, setLoad, capacity } = setUp({ policy: seedStepPolicy({ dryRun: true }) });
    for (let minute = 0; minute < 5; minute += 1) {
      await tick(`r${minute}`);
      clock.advance(60);
    }
    expect(capacity.sets).toEqual([]);
    expect(notices.map((n) => `${n.decision.current}→${n.decision.desired}`)).toEqual(['4→6']);
    setLoad(50);
    await tick('quiet');
    clock.advance(60);
    setLoad(85);
    await tick('again');
    expect(notices.map((n) => `${n.decision.current}→${n.decision.desired}`)).toEqual(['4→6', '4→6']);
    expect(notices.every((n) => n.dryRun)).toBe(true);
  });
});

describe('predictive floors from the ledger (issue #14)', () => {
  const withPredictive = (mode: 'forecast-and-scale' | 'forecast-only', targetPredictive = true) => {
    const one = seedStepPolicy().targets[0];
    return validatePolicy({
      version: 1,
      predictive: { enabled: true, mode },
      targets: [{ ...one, predictive: targetPredictive }],
    });
  };
  const floors = (units: number) => ({
    start: new Date(T0.getTime() - 60_000),
    stepMinutes: 60,
    units: [units],
    madeAt: T0,
    source: 'forecast of 12:00',
  });

  it.each([
    {
      name: 'forecast-and-scale: the floor raises the group',
      mode: 'forecast-and-scale',
      predictive: true,
      want: [7],
    },
    { name: 'forecast-only: the floor changes nothing', mode: 'forecast-only', predictive: true, want: [] },
    {
      name: 'a target without predictive: true ignores floors',
      mode: 'forecast-and-scale',
      predictive: false,
      want: [],
    },
  ] as const)('$name', async ({ mode, predictive, want }) => {
    const { ledger, capacity, tick } = setUp({ policy: withPredictive(mode, predictive), cpu: 50 });
    await ledger.writeFloors('api', floors(7));
    await tick();
    expect(capacity.sets).toEqual(want);
  });
});

describe('kill switch (issue #15, item 6)', () => {
  it('while paused every decision is recorded as Paused and nothing is changed or notified', async () => {
    const { deps, capacity, ledger, notices } = setUp();
    const result = await evaluateTargets(
      { ...deps, pause: { read: async () => ({ state: 'paused', value: 'true' }) } },
      { trigger: 'schedule' },
    );
    expect(result.map((e) => [e.decision.reason, e.decision.desired])).toEqual([['Paused', 4]]);
    expect(result[0]?.decision.message).toContain('not carrying out ScaleOut 4 → 6');
    expect(capacity.sets).toEqual([]);
    expect(ledger.intents).toEqual([]);
    expect(notices).toEqual([]);
    expect(ledger.log.map((d) => d.reason)).toEqual(['Paused']);
  });
  // Issue 20, item 3: an unreadable switch no longer lets scaling go on (tests/unit/usecases/readKillSwitch.test.ts).
});

describe('acting on what is there now (issue 20, item 4)', () => {
  it('defect: desired raised by hand from 4 to 10 between the first look and the act was missed and set to 3 (7 units removed despite maxUnitsPerDecision 4); it is read again under the lease and set to 9', async () => {
    const { deps, capacity, ledger } = setUp({ cpu: 20 });
    const describe = capacity.describe.bind(capacity);
    let looks = 0;
    capacity.describe = async () => {
      const seen = await describe();
      looks += 1;
      // An operator raises the group right after the scaler's first look at it.
      if (looks === 1) capacity.desired = 10;
      return seen;
    };
    const [evaluation] = await evaluateTargets(deps, { trigger: 'schedule' });
    expect(capacity.sets).not.toContain(3);
    expect(capacity.sets).toEqual([9]);
    expect(evaluation?.decision).toMatchObject({ reason: 'ScaleIn', current: 10, desired: 9 });
    for (const set of capacity.sets) expect(Math.abs(set - 10)).toBeLessThanOrEqual(4);
    expect(ledger.log.map((d) => `${d.reason} ${d.current}→${d.desired}`)).toEqual(['ScaleIn 10→9']);
  });
});
