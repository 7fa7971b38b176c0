import fc from 'fast-check';
import type { KindAction } from '../../shared/decision/kindModel';
import type { CapacityState, Decision } from '../../shared/decision/types';
import type { Policy, Target } from '../../shared/policy/schema';
import type { CapacityPort, KindScaler, MetricQuery } from '../../shared/ports';
import { evaluateTargets } from '../../shared/usecases/evaluateTargets';
import { FunctionMetrics, InMemoryLedger } from '../harness/inMemoryPorts';

/**
 * The bounds property of issue 15 (item 2), for any kind: a command sequence (alarms, ticks, manual
 * changes to the resource, clock jumps, a crashed holder's lease running out) drives the real use case
 * with in-memory ports and a simulated resource, and every decision is checked against the ranges and
 * the cooldowns.
 */
export type Command =
  | { readonly t: 'load'; readonly value: number }
  | { readonly t: 'alarm' }
  | { readonly t: 'tick' }
  | { readonly t: 'manual'; readonly value: number; readonly what: number }
  | { readonly t: 'jump'; readonly seconds: number }
  | { readonly t: 'lease' };

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('load' as const), value: fc.integer({ min: 0, max: 120 }) }),
  },
  { weight: 3, arbitrary: fc.constant({ t: 'alarm' as const }) },
  { weight: 6, arbitrary: fc.constant({ t: 'tick' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('manual' as const),
      value: fc.integer({ min: 0, max: 20 }),
      what: fc.nat({ max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('jump' as const),
      seconds: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 600, max: 6 * 3600 })),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'lease' as const }) },
);

export const commandsArb = fc.array(commandArb, { minLength: 1, maxLength: 30 });

/** A resource the sequence drives: the scaler's view of it, and the operator's hand on it. */
export interface SimResource {
  readonly scaler: CapacityPort | KindScaler<unknown>;
  /** An operator's change outside Scalepilot (`what` picks which, `value` how much). */
  manual(value: number, what: number, now: Date): void;
  /** The metric value a query reads while the load is `load` (lag, memory and CPU per kind). */
  metric(query: MetricQuery, load: number): number;
}

export interface BoundsTally {
  runs: number;
  commands: number;
  evaluations: number;
  changes: number;
  outOfRangeSteps: number;
  leaseHeld: number;
}

export const newTally = (): BoundsTally => ({
  runs: 0,
  commands: 0,
  evaluations: 0,
  changes: 0,
  outOfRangeSteps: 0,
  leaseHeld: 0,
});

/** The figures every kind's bounds run prints, `changes` naming what a capacity change is for the kind. */
export function boundsFigures(tally: BoundsTally, changes: string) {
  return {
    'fast-check command sequences': tally.runs,
    commands: tally.commands,
    evaluations: tally.evaluations,
    [changes]: tally.changes,
    'steps back into range after a manual change': tally.outOfRangeSteps,
    'evaluations refused by a crashed holder’s lease': tally.leaseHeld,
    'decisions outside the range, or twice inside a cooldown': 0,
  };
}

/** Replays one command sequence; throws (with what broke) when a decision leaves the bounds or a cooldown. */
export async function runSequence(
  policy: Policy,
  resource: (clock: { now(): Date }) => SimResource,
  commands: readonly Command[],
  tally: BoundsTally,
): Promise<void> {
  const target = policy.targets[0] as Target;
  let now = new Date(Date.parse('2026-11-22T00:00:00Z'));
  const clock = { now: () => now };
  const sim = resource(clock);
  const loads: { at: number; value: number }[] = [{ at: 0, value: 50 }];
  const loadAt = (at: Date) => {
    let value = 50;
    for (const l of loads) if (l.at <= at.getTime()) value = l.value;
    return value;
  };
  const ledger = new InMemoryLedger();
  const deps = {
    policy,
    kind: target.kind,
    capacity: sim.scaler,
    ledger,
    metrics: new FunctionMetrics((at, query) => sim.metric(query, loadAt(at))),
    notifier: { capacityChanged: async () => {} },
    clock,
    log: { info() {}, warn() {}, error() {} },
    owner: 'scaler',
  };
  const cap = target.maxUnitsPerDecision ?? policy.maxUnitsPerDecision;
  const lastChange: { out?: number; in?: number } = {};
  const check = (d: Decision, applied: boolean) => {
    tally.evaluations += 1;
    if (d.reason === 'LeaseHeld') tally.leaseHeld += 1;
    if (d.reason === 'DescribeFailed' || d.reason === 'LeaseHeld' || d.reason === 'BackedOff') return;
    const state = lastState;
    if (!state) return;
    const lo = Math.max(target.capacity.min, state.liveMin);
    const hi = Math.min(target.capacity.max, state.liveMax);
    const where = `${d.reason} ${d.current}→${d.desired} (policy ${target.capacity.min}..${target.capacity.max}, live ${state.liveMin}..${state.liveMax}) at ${now.toISOString()}`;
    if (lo > hi) {
      if (d.desired !== d.current) throw new Error(`changed with conflicting limits: ${where}`);
    } else if (d.current >= lo && d.current <= hi) {
      if (d.desired < lo || d.desired > hi) throw new Error(`left the range: ${where}`);
    } else {
      // Out of range by an operator's hand: never further out, never more than the cap at once.
      const goal = d.current > hi ? hi : lo;
      if (Math.abs(goal - d.desired) > Math.abs(goal - d.current)) throw new Error(`further out: ${where}`);
      if (Math.abs(d.desired - d.current) > cap) throw new Error(`more than the cap ${cap}: ${where}`);
      if (applied && d.desired !== d.current) tally.outOfRangeSteps += 1;
    }
    if (applied && d.desired !== d.current) {
      tally.changes += 1;
      const direction = d.desired > d.current ? 'out' : 'in';
      const cooldown =
        direction === 'out' ? target.cooldowns.scaleOutSeconds : target.cooldowns.scaleInSeconds;
      const last = lastChange[direction];
      if (last !== undefined && (now.getTime() - last) / 1000 < cooldown)
        throw new Error(
          `acted twice inside the ${direction} cooldown (${cooldown} s): ${Math.round((now.getTime() - last) / 1000)} s apart, ${where}`,
        );
      lastChange[direction] = now.getTime();
    }
  };
  // The state the decision saw: read through the scaler just before each evaluation (what it observes).
  let lastState: CapacityState | undefined;
  const scaler = 'model' in sim.scaler ? sim.scaler : undefined;
  const observeState = async () => {
    try {
      if (scaler) lastState = scaler.model.capacity(target, await scaler.resource.observe(target), now);
      else lastState = await (sim.scaler as CapacityPort).describe(target);
    } catch {
      lastState = undefined;
    }
  };
  const evaluate = async (trigger: 'alarm' | 'schedule') => {
    await observeState();
    const evaluations = await evaluateTargets(deps, {
      trigger,
      targets: [target.name],
      ...(trigger === 'alarm' ? { alarmName: 'alarm' } : {}),
    });
    for (const e of evaluations) check(e.decision, e.applied);
  };

  tally.runs += 1;
  for (const command of commands) {
    tally.commands += 1;
    switch (command.t) {
      case 'load':
        loads.push({ at: now.getTime(), value: command.value });
        await evaluate('alarm');
        break;
      case 'alarm':
        await evaluate('alarm');
        break;
      case 'tick':
        now = new Date(now.getTime() + 60_000);
        await evaluate('schedule');
        break;
      case 'manual':
        sim.manual(command.value, command.what, now);
        break;
      case 'jump':
        now = new Date(now.getTime() + command.seconds * 1000);
        break;
      case 'lease':
        // A holder that crashed after taking the lease: it is never released, only expires.
        await ledger.acquireLease(target.name, `crashed-${tally.commands}`, now, 60);
        break;
    }
  }
}

/** An Auto Scaling group: desired within its own min/max, which an operator may change. */
export function simGroup(start: { desired: number; min: number; max: number }) {
  return (): SimResource => {
    const group = { ...start };
    const port: CapacityPort = {
      describe: async () => ({
        current: group.desired,
        serving: group.desired,
        liveMin: group.min,
        liveMax: group.max,
      }),
      setCapacity: async (_target, desired) => {
        // AWS refuses a desired capacity outside the group's limits (ValidationError).
        if (desired < group.min || desired > group.max)
          throw new Error(`ValidationError: desired ${desired} outside ${group.min}..${group.max}`);
        group.desired = desired;
      },
    };
    return {
      scaler: port,
      manual(value, what) {
        if (what <= 1) {
          // A desired capacity set by hand, the group's limits widened to take it.
          group.desired = value;
          group.min = Math.min(group.min, value);
          group.max = Math.max(group.max, value);
        } else {
          if (what === 2) group.min = Math.min(value, group.max);
          else group.max = Math.max(value, group.min);
          // Changing a limit moves desired into it, as UpdateAutoScalingGroup does.
          group.desired = Math.min(group.max, Math.max(group.min, group.desired));
        }
      },
      metric: (_query, load) => load,
    };
  };
}

export type { KindAction };

type Replica = {
  id: string;
  status: string;
  createdAt: Date;
  tags: Record<string, string>;
  readyAt?: number;
  goneAt?: number;
};

/**
 * A source instance and its replicas: a create takes 10 minutes, a delete 5; an operator adds a replica of
 * their own (`what` 0, 1), deletes any replica (2), or the source is modified for `value` minutes (3).
 */
export function simRds(model: KindScaler<unknown>['model'], start: number) {
  return (clock: { now(): Date }): SimResource => {
    const t0 = clock.now();
    let made = 0;
    const replicas: Replica[] = Array.from({ length: start }, (_, i) => ({
      id: `event-platform-db-sp-${i + 1}`,
      status: 'available',
      createdAt: t0,
      tags: { 'scalepilot:managed': 'true', 'scalepilot:target': 'events-db' },
    }));
    let modifyingUntil = 0;
    let discovery: readonly string[] | undefined;
    const advance = () => {
      const now = clock.now().getTime();
      for (const r of [...replicas]) {
        if (r.readyAt !== undefined && now >= r.readyAt) {
          r.status = 'available';
          delete r.readyAt;
        }
        if (r.goneAt !== undefined && now >= r.goneAt) replicas.splice(replicas.indexOf(r), 1);
      }
    };
    const observe = async () => {
      advance();
      return {
        aurora: false,
        source: {
          id: 'event-platform-db',
          status: 'available',
          engine: 'mysql',
          modifying: clock.now().getTime() < modifyingUntil,
          endpoint: 'db.example',
        },
        replicas: replicas.map((r) => ({
          id: r.id,
          status: r.status,
          createdAt: r.createdAt,
          tags: { ...r.tags },
          deletionProtection: false,
          ...(r.status === 'available' ? { endpoint: `${r.id}.example` } : {}),
        })),
        ...(discovery ? { discovery } : {}),
      };
    };
    const remove = (id: string) => {
      const r = replicas.find((x) => x.id === id);
      if (!r) throw new Error(`DBInstanceNotFound: ${id}`);
      r.status = 'deleting';
      r.goneAt = clock.now().getTime() + 5 * 60_000;
    };
    const act = async (_target: Target, action: KindAction) => {
      const now = clock.now();
      switch (action.type) {
        case 'create':
        case 'replace': {
          const id = (action.candidates as string[])[0] as string;
          replicas.push({
            id,
            status: 'creating',
            createdAt: now,
            readyAt: now.getTime() + 10 * 60_000,
            tags: { 'scalepilot:managed': 'true', 'scalepilot:target': 'events-db' },
          });
          break;
        }
        case 'delete':
        case 'deleteFailed':
          remove(action.replica as string);
          break;
        case 'drain':
        case 'cancelDrain': {
          const r = replicas.find((x) => x.id === action.replica);
          if (!r) throw new Error(`DBInstanceNotFound: ${String(action.replica)}`);
          if (action.type === 'drain') r.tags['scalepilot:draining'] = String(action.at);
          else delete r.tags['scalepilot:draining'];
          break;
        }
        case 'syncDiscovery':
          break;
        default:
          throw new Error(`unknown action ${action.type}`);
      }
      if (action.discovery) discovery = action.discovery as readonly string[];
    };
    return {
      scaler: { resource: { observe, act }, model } as KindScaler<unknown>,
      manual(value, what, now) {
        advance();
        if (what <= 1) {
          made += 1;
          replicas.push({ id: `by-hand-${made}`, status: 'available', createdAt: now, tags: {} });
        } else if (what === 2) {
          const r = replicas.filter((x) => x.status !== 'deleting')[value % Math.max(1, replicas.length)];
          if (r) remove(r.id);
        } else modifyingUntil = now.getTime() + value * 60_000;
      },
      // Lag a few seconds (never over the limit): the connections and CPU follow the load.
      metric: (query, load) => (query.metric.name.endsWith('ReplicaLag') ? 2 : load),
    };
  };
}

/**
 * A cluster-mode replication group: a reshard or a replica change keeps it `modifying` for 10 minutes; an
 * operator reshards it to `value` shards (`what` 0, 1) or changes its replicas (2, 3). Memory per shard
 * is low, so removals pass the headroom check.
 */
export function simCache(model: KindScaler<unknown>['model'], start: number) {
  return (clock: { now(): Date }): SimResource => {
    let shards = start;
    let replicas = 1;
    let replicasChangedAt: Date | undefined;
    let pending: { shards: number; replicas: number; until: number } | undefined;
    const advance = () => {
      if (pending && clock.now().getTime() >= pending.until) {
        shards = pending.shards;
        replicas = pending.replicas;
        pending = undefined;
      }
    };
    const observe = async () => {
      advance();
      return {
        groupId: 'event-platform-redis',
        status: pending ? 'modifying' : 'available',
        clusterEnabled: true,
        engine: 'valkey',
        engineVersion: '8.0',
        scalableTargets: [],
        shards: Array.from({ length: shards }, (_, i) => ({
          id: String(i + 1).padStart(4, '0'),
          status: 'available',
          nodes: [
            { id: `event-platform-redis-${String(i + 1).padStart(4, '0')}-001`, role: 'primary' as const },
            ...Array.from({ length: replicas }, (_, k) => ({
              id: `event-platform-redis-${String(i + 1).padStart(4, '0')}-${String(k + 2).padStart(3, '0')}`,
              role: 'replica' as const,
            })),
          ],
        })),
        replicasPerShard: replicas,
        ...(replicasChangedAt ? { replicasChangedAt } : {}),
        events: [],
      };
    };
    const act = async (_target: Target, action: KindAction) => {
      advance();
      // ElastiCache refuses a modification while the group is modifying (InvalidReplicationGroupState).
      if (pending) throw new Error('InvalidReplicationGroupState: the group is modifying');
      const until = clock.now().getTime() + 10 * 60_000;
      if (action.type === 'reshard') pending = { shards: action.desired, replicas, until };
      else if (action.type === 'replicas') {
        pending = { shards, replicas: action.replicasPerShard as number, until };
        replicasChangedAt = clock.now();
      } else throw new Error(`unknown action ${action.type}`);
    };
    return {
      scaler: { resource: { observe, act }, model } as KindScaler<unknown>,
      manual(value, what, now) {
        advance();
        if (pending) return;
        const until = now.getTime() + 10 * 60_000;
        if (what <= 1) pending = { shards: Math.max(1, value), replicas, until };
        else pending = { shards, replicas: Math.min(5, value % 6), until };
      },
      metric: (query, load) =>
        query.metric.name === 'DatabaseMemoryUsagePercentage' ? Math.min(load, 20) : load,
    };
  };
}
