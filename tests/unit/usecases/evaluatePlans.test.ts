import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PLAN_STATE_FRESH_MINUTES } from '../../../shared/decision/plans/planMemberStates';
import { rdsReplicasModel } from '../../../shared/decision/rdsReplicas';
import type { Decision } from '../../../shared/decision/types';
import { RequestRefusedError } from '../../../shared/errors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { CapacityChangeNotice, KindScaler, MetricQuery } from '../../../shared/ports';
import { type EvaluateDeps, evaluateTargets } from '../../../shared/usecases/evaluateTargets';
import { EXAMPLE_POLICY, testClock } from '../../harness/fixtures';
import { FunctionMetrics, InMemoryCapacity, InMemoryLedger } from '../../harness/inMemoryPorts';
import { SlowRds } from '../../harness/slowRds';
import { managed } from '../decision/rdsReplicasFixtures';

// Issue 24, phase two: the walk acts on plans. The example's API (asg) and its read replicas (rds-replicas)
// run in two scalers, as two functions do, and share nothing but the ledger (in memory here) and the
// metrics: the plan's demand (the load balancer's RequestCount) and each target's own.

const T0 = new Date('2026-12-05T18:00:30Z');

/** The example policy; its plan with `members` (default: the API and the replicas) and these changes. */
function policyWith(plan: Record<string, unknown> = {}, members = ['api', 'events-db']) {
  const raw = parse(readFileSync(EXAMPLE_POLICY, 'utf8'));
  raw.plans[0] = {
    ...raw.plans[0],
    members: raw.plans[0].members.filter((m: { target: string }) => members.includes(m.target)),
    scaleInHoldMinutes: 15,
    ...plan,
  };
  return validatePolicy(raw);
}

const withGate = (gateTiming = 'serving') => {
  const policy = policyWith();
  const api = policy.plans[0]?.members[0];
  return validatePolicy({
    ...policy,
    plans: [
      {
        ...policy.plans[0],
        gateTiming,
        members: [{ ...api, waitFor: ['events-db'] }, policy.plans[0]?.members[1]],
      },
    ],
  });
};

function world(policy = policyWith(), { api = 6, replicas = 2, apiMaxSize = 10 } = {}) {
  const clock = testClock(T0);
  const ledger = new InMemoryLedger();
  const group = new InMemoryCapacity(api, { min: 2, max: apiMaxSize });
  const rds = new SlowRds(clock);
  rds.replicas = Array.from({ length: replicas }, (_, i) => managed(`event-platform-db-sp-${i + 1}`, i + 1));
  const notices: CapacityChangeNotice[] = [];
  // The demand at each minute (its datapoints are read back over the hold's span), and the rules' readings.
  let demand: (at: Date) => number | undefined = () => 3000;
  let load = 50; // every rule in its band: only the plan moves anything
  const metrics = new FunctionMetrics((at, q: MetricQuery) => {
    if (q.metric.name === 'RequestCount') return demand(at);
    if (q.metric.name === 'ReplicaLag') return 0;
    return load;
  });
  const deps = (kind: 'asg' | 'rds-replicas'): EvaluateDeps => ({
    policy,
    kind,
    capacity: kind === 'asg' ? group : ({ resource: rds, model: rdsReplicasModel } as KindScaler<unknown>),
    metrics,
    ledger,
    notifier: { capacityChanged: async (n) => void notices.push(n) },
    clock,
    log: { info() {}, warn() {}, error() {} },
    owner: kind,
  });
  const tick = async (kind: 'asg' | 'rds-replicas') =>
    (await evaluateTargets(deps(kind), { trigger: 'schedule' }))[0]?.decision as Decision;
  /** One minute of both scalers (replicas first, as a minute's runs may go either way). */
  const minute = async () => {
    clock.advance(60);
    return { db: await tick('rds-replicas'), api: await tick('asg') };
  };
  return {
    clock,
    ledger,
    group,
    rds,
    notices,
    metrics,
    tick,
    minute,
    /** The demand from now on (the datapoints before now keep what they were). */
    setDemand: (d: number) => {
      const from = clock.now().getTime();
      const before = demand;
      demand = (at) => (at.getTime() >= from ? d : before(at));
    },
    setLoad: (v: number) => {
      load = v;
    },
  };
}

const planNotices = (notices: readonly CapacityChangeNotice[]) =>
  notices.filter((n) => n.decision.reason === 'PlanMemberCannotFollow').map((n) => n.decision.message);

describe('the walk acts on plans: each member decides inside its plan, on what the ledger says of the others', () => {
  it('the replica is requested first; the readiness gate holds the API at 6 until the third replica serves', async () => {
    const w = world(withGate());
    w.setDemand(4500); // 9 instances, 3 replicas
    const first = await w.minute();
    expect(first.db).toMatchObject({ current: 2, desired: 3, reason: 'PredictiveFloor' });
    expect(first.db.message).toContain('plan ticket-rush: demand 4,500 needs 3 read replicas');
    expect(first.api).toMatchObject({ current: 6, desired: 6, reason: 'ReadinessGate' });
    expect(first.api.message).toContain('api held at 6 until events-db serves 3 read replicas (serving 2)');
    expect(first.api.explain?.gates).toContainEqual({
      gate: 'readiness',
      outcome: 'held',
      reason: 'ReadinessGate',
      message: 'api held at 6 until events-db serves 3 read replicas (serving 2)',
    });
    for (let m = 0; m < 14; m += 1) {
      const { db, api } = await w.minute();
      expect(db.reason).toBe('OperationPending');
      expect(api).toMatchObject({ desired: 6, reason: 'ReadinessGate' });
    }
    w.rds.settleAll(); // the replica serves after 15 minutes
    const served = await w.minute();
    expect(served.db.reason).toBe('OperationCompleted');
    expect(served.api).toMatchObject({ current: 6, desired: 9, reason: 'PredictiveFloor' });
    expect(w.group.sets).toEqual([9]);
    // The replica's decision came 16 minutes before the API's scale-out that needed it.
    const at = (target: string, reason: string) =>
      w.ledger.log.find((d) => d.target === target && d.reason === reason && d.desired > d.current)?.now;
    expect(at('events-db', 'PredictiveFloor')).toEqual(new Date(T0.getTime() + 60_000));
    expect(at('api', 'PredictiveFloor')).toEqual(new Date(T0.getTime() + 16 * 60_000));
    // What the replicas' scaler learned: from the decision to the replica serving, 15 minutes.
    expect(w.ledger.plans.get('events-db')?.leadSeconds).toEqual([900]);
  });

  it('gateTiming in-time: the API grows 10 minutes after the replica was requested, so both serve together', async () => {
    const w = world(withGate('in-time'));
    w.setDemand(4500); // 9 instances, 3 replicas
    const first = await w.minute();
    expect(first.db).toMatchObject({ current: 2, desired: 3, reason: 'PredictiveFloor' });
    expect(first.api).toMatchObject({ current: 6, desired: 6, reason: 'ReadinessGate' });
    expect(first.api.message).toContain(
      "api held at 6 until events-db serves 3 read replicas within api's 5 min lead time (serving 2, 2 by then)",
    );
    // The replica was requested at minute 1; from minute 11 its 15 minutes end within the API's 5.
    for (let m = 2; m < 11; m += 1) expect((await w.minute()).api.reason).toBe('ReadinessGate');
    const grows = await w.minute();
    expect(grows.db.reason).toBe('OperationPending');
    expect(grows.api).toMatchObject({ current: 6, desired: 9, reason: 'PredictiveFloor' });
    expect(w.group.sets).toEqual([9]);
  });

  it('a replica scaler in dry run holds no API back: it changes nothing, so the gate would hold the API for good', async () => {
    const gated = withGate();
    const policy = validatePolicy({
      ...gated,
      targets: gated.targets.map((t) => (t.name === 'events-db' ? { ...t, dryRun: true } : t)),
    });
    const w = world(policy);
    w.setDemand(4500); // 9 instances, 3 replicas
    const first = await w.minute();
    expect(first.db).toMatchObject({ current: 2, desired: 3 });
    expect(w.rds.replicas).toHaveLength(2);
    expect(first.api).toMatchObject({ current: 6, desired: 9, reason: 'PredictiveFloor' });
    expect(first.api.explain?.gates).toContainEqual({
      gate: 'readiness',
      outcome: 'passed',
      message:
        'api not held for events-db: it is in dry run and changes nothing, so waiting would bring nothing',
    });
  });

  it('without a readiness gate, the API follows the demand at once (its own warm-up is its lead)', async () => {
    const w = world();
    w.setDemand(4500);
    const { db, api } = await w.minute();
    expect(db).toMatchObject({ desired: 3, reason: 'PredictiveFloor' });
    expect(api).toMatchObject({ desired: 9, reason: 'PredictiveFloor' });
  });

  it('the API’s lead time learned from its scale-outs counts its warm-up (its instances are in service at once)', async () => {
    const w = world();
    w.setDemand(4500);
    expect((await w.minute()).api).toMatchObject({ current: 6, desired: 9 });
    // In service a minute later, but warming for 300 s: the others read 6 serving until the warm-up ends.
    await w.minute();
    expect(w.ledger.plans.get('api')).toMatchObject({ ordered: 9, serving: 6, leadSeconds: [] });
    for (let m = 0; m < 4; m += 1) await w.minute();
    expect(w.ledger.plans.get('api')).toMatchObject({ ordered: 9, serving: 9, leadSeconds: [300] });
  });

  it('a member at its maximum caps what the plan asks of the others, and its scaler tells it once', async () => {
    const w = world();
    w.setDemand(4800); // 10 instances need 4 replicas: the replicas stop at 3, which carry 9 instances (4,500)
    for (let m = 0; m < 3; m += 1) await w.minute();
    w.rds.settleAll();
    for (let m = 0; m < 3; m += 1) await w.minute();
    expect(w.group.desired).toBe(9);
    const last = w.ledger.log.filter((d) => d.target === 'api').at(-1);
    expect(last?.message).toContain(
      'capped at the demand 4,500 a member that cannot follow carries (of 4,800) needs 9 instances',
    );
    expect(planNotices(w.notices)).toEqual([
      'events-db cannot follow plan ticket-rush: at its maximum of 3 read replicas (the demand needs 4); the plan sizes the others for what its 3 read replicas carry (demand 4,500 of 4,800)',
    ]);
    expect(w.notices.find((n) => n.decision.reason === 'PlanMemberCannotFollow')?.decision.target).toBe(
      'events-db',
    );
  });

  it('a member AWS refuses caps the others at what it has, told once with the failure', async () => {
    const w = world();
    w.rds.refuse = new RequestRefusedError('RDS CreateDBInstanceReadReplica', new Error('quota exceeded'));
    w.setDemand(4500);
    const { db, api } = await w.minute();
    expect(db.reason).toBe('ActionFailed');
    expect(w.ledger.plans.get('events-db')?.blocked).toBe('AWS refused its last change (ActionFailed)');
    // The API's scaler reads that from the ledger: it is sized for what 2 replicas carry (6 instances).
    expect(api).toMatchObject({ current: 6, desired: 6 });
    expect(api.message).toContain(
      'capped at the demand 3,000 a member that cannot follow carries (of 4,500)',
    );
    expect(planNotices(w.notices)).toEqual([
      'events-db cannot follow plan ticket-rush: AWS refused its last change (ActionFailed); the plan sizes the others for what its 2 read replicas carry (demand 3,000 of 4,500)',
    ]);
    // Retried, refused again, backed off: still blocked, the API still capped, nothing told twice.
    for (let m = 0; m < 4; m += 1) {
      const next = await w.minute();
      expect(['BackedOff', 'ActionFailed']).toContain(next.db.reason);
      expect(next.api.desired).toBe(6);
    }
    expect(planNotices(w.notices)).toHaveLength(1);
    expect(w.notices.filter((n) => n.decision.reason === 'ActionFailed')).toHaveLength(1);
  });

  it('an API whose MaxSize someone lowered below the policy’s caps the replicas at what it can hold, told once', async () => {
    // The policy lets the API reach 10; its group's MaxSize was set to 6 by hand.
    const w = world(policyWith(), { api: 6, replicas: 2, apiMaxSize: 6 });
    w.setDemand(4500); // 9 instances and 3 replicas' worth
    for (let m = 0; m < 3; m += 1) {
      w.clock.advance(60);
      const api = await w.tick('asg');
      const db = await w.tick('rds-replicas');
      expect(api.desired).toBe(6);
      // Sized for what 6 instances carry (3,000: 2 replicas), not for the 9 the policy's range would hold.
      expect(db).toMatchObject({ current: 2, desired: 2 });
      expect(db.message).toContain(
        'capped at the demand 3,000 a member that cannot follow carries (of 4,500)',
      );
    }
    expect(w.ledger.plans.get('api')).toMatchObject({ max: 6 });
    expect(planNotices(w.notices)).toEqual([
      "api cannot follow plan ticket-rush: at its live maximum of 6 instances (the policy's is 10) (the demand needs 9); the plan sizes the others for what its 6 instances carry (demand 3,000 of 4,500)",
    ]);
    expect(w.rds.actions).toEqual([]);
  });

  it('an API whose launches fail caps the replicas at what the instances it holds carry, told once', async () => {
    const w = world(policyWith(), { api: 9, replicas: 2 });
    // The API ordered 9 for 4,500 requests a minute; EC2 has placed 6 and fails to launch the rest.
    w.group.shortfall = { placeable: 6, startedAt: T0, statusMessage: 'Insufficient capacity.' };
    w.setDemand(4500);
    for (let m = 0; m < 3; m += 1) {
      w.clock.advance(60);
      const api = await w.tick('asg');
      const db = await w.tick('rds-replicas');
      expect(api.reason).toBe('CapacityShortfall');
      // Sized for what 6 instances carry (3,000: 2 replicas), not for the 9 ordered (4,500: 3 replicas).
      expect(db).toMatchObject({ current: 2, desired: 2 });
      expect(db.message).toContain(
        'capped at the demand 3,000 a member that cannot follow carries (of 4,500)',
      );
    }
    expect(w.ledger.plans.get('api')).toMatchObject({ ordered: 9, serving: 6, reachable: 6 });
    expect(planNotices(w.notices)).toEqual([
      'api cannot follow plan ticket-rush: EC2 Auto Scaling cannot launch the instances it was asked for (CapacityShortfall); the plan sizes the others for what its 6 instances carry (demand 3,000 of 4,500)',
    ]);
    expect(w.notices.filter((n) => n.decision.reason === 'CapacityShortfall')).toHaveLength(1);
    expect(w.rds.actions).toEqual([]);
  });

  it('scale-in runs fastest first: the replicas follow only after the API has been smaller for the hold', async () => {
    const w = world(policyWith(), { api: 9, replicas: 3 });
    w.setDemand(4500);
    await w.minute();
    // The rush is over: the demand needs 2 instances and 1 replica, and every rule reads low (below 30).
    w.setDemand(1000);
    w.setLoad(20);
    const api: number[] = [];
    const db: number[] = [];
    for (let m = 0; m < 30; m += 1) {
      const d = await w.minute();
      api.push(d.api.desired);
      db.push(d.db.desired);
      if (d.db.desired < d.db.current) w.rds.settleAll();
    }
    const apiLeft9 = api.findIndex((n) => n < 9);
    const dbLeft3 = db.findIndex((n) => n < 3);
    expect(apiLeft9).toBeGreaterThanOrEqual(0);
    // The replicas keep their 3 while the API's 9 (and the demand that asked for it) is within the 15-min hold…
    expect(dbLeft3).toBeGreaterThanOrEqual(apiLeft9 + 15);
    const held = w.ledger.log.find(
      (d) =>
        d.target === 'events-db' && d.message.includes('held at 3 read replicas until api has been below 9'),
    );
    expect(held).toBeDefined();
    // …and then follow down.
    expect(db.at(-1)).toBeLessThan(3);
  });

  it('a member whose state is stale is unknown, safely: it holds no one back, and nothing behind it shrinks', async () => {
    const w = world(withGate());
    await w.minute(); // both record: the API at 6, the replicas at 2
    // The replicas' scaler stops recording. The API waits for a third replica while it knows the replicas…
    w.setDemand(4500);
    for (let m = 0; m < PLAN_STATE_FRESH_MINUTES; m += 1) {
      w.clock.advance(60);
      expect(await w.tick('asg')).toMatchObject({ desired: 6, reason: 'ReadinessGate' });
    }
    // …and no longer once their state is older than that: a scaler that stopped does not freeze the API.
    w.clock.advance(60);
    expect(await w.tick('asg')).toMatchObject({ current: 6, desired: 9 });
    // The API's scaler stops in turn; the rush ends: the replicas keep what they have.
    w.setDemand(500);
    w.setLoad(20);
    w.clock.advance((PLAN_STATE_FRESH_MINUTES + 1) * 60);
    const db = await w.tick('rds-replicas');
    expect(db).toMatchObject({ current: 2, desired: 2 });
    expect(db.message).toContain("held at 2 read replicas while api's state is unknown");
  });

  it('costs one more query in the batch’s one metric read and one batched ledger read of the members', async () => {
    const w = world();
    const reads = { plans: 0 };
    const readPlanMembers = w.ledger.readPlanMembers.bind(w.ledger);
    w.ledger.readPlanMembers = async (names) => {
      reads.plans += 1;
      return readPlanMembers(names);
    };
    const before = w.metrics.reads.length;
    w.clock.advance(60);
    await w.tick('asg');
    expect(w.metrics.reads.length - before).toBe(1);
    const queries = w.metrics.reads.at(-1) ?? [];
    expect(queries.filter((q) => q.metric.name === 'RequestCount')).toHaveLength(1);
    expect(reads.plans).toBe(1);
  });

  it('a member’s plan state a leased run wrote between the batch’s read and its record without a lease stands', async () => {
    const w = world();
    await w.minute(); // both record, without a lease: the API at 6
    const readPlanMembers = w.ledger.readPlanMembers.bind(w.ledger);
    let raced = false;
    w.ledger.readPlanMembers = async (names) => {
      const read = await readPlanMembers(names);
      if (!raced) {
        raced = true; // an alarm's run on the API, under its lease, after the schedule's read
        const now = w.clock.now();
        const lease = await w.ledger.acquireLease('api', 'alarm', now, 60);
        if (!lease) throw new Error('lease not taken');
        const decision: Decision = {
          target: 'api',
          kind: 'asg',
          current: 6,
          desired: 9,
          recommendation: 9,
          direction: 'out',
          reason: 'ScaleOut',
          message: 'scaled out to 9',
          metrics: {},
        };
        const plan = { ordered: 9, serving: 6, at: now, changes: [], planLevels: [], leadSeconds: [] };
        await w.ledger.record(
          decision,
          { trigger: 'alarm', applied: true, dryRun: false, now },
          { lease, plan },
        );
        await w.ledger.releaseLease(lease);
      }
      return read;
    };
    w.clock.advance(60);
    expect(await w.tick('asg')).toMatchObject({ current: 6, desired: 6 });
    expect(raced).toBe(true);
    expect(w.ledger.plans.get('api')).toMatchObject({ ordered: 9 });
    // The next run reads it, and records its own.
    w.clock.advance(60);
    await w.tick('asg');
    expect(w.ledger.plans.get('api')).toMatchObject({ ordered: 6 });
  });
});
