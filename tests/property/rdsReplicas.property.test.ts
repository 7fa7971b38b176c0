import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  capacity,
  gate,
  isManaged,
  projectedLoad,
  type RdsReplicasObservation,
  type ReplicaAction,
  type ReplicaInstance,
  readers,
  scaleOutThreshold,
  settle,
} from '../../shared/decision/rdsReplicas';
import {
  isValidDbIdentifier,
  MAX_REPLICA_NUMBER,
  replicaId,
  replicaPrefix,
} from '../../shared/decision/rdsReplicasNames';
import { ago, decision, flat, NOW, observation, rdsTarget } from '../unit/decision/rdsReplicasFixtures';

// Invariants of the RDS replica gates over arbitrary fleets, decisions, lags and metrics.

const SOURCE = 'event-platform-db';
const STATUSES = [
  'available',
  'available',
  'creating',
  'backing-up',
  'modifying',
  'deleting',
  'failed',
  'storage-full',
  'incompatible-parameters',
];

const replicaArb = (i: number) =>
  fc
    .record({
      owner: fc.constantFrom('ours', 'ours', 'hand', 'other-target'),
      scalepilotName: fc.boolean(),
      status: fc.constantFrom(...STATUSES),
      drainingFor: fc.option(fc.integer({ min: 0, max: 1200 }), { nil: undefined }),
      deletionProtection: fc.boolean(),
    })
    .map(
      ({ owner, scalepilotName, status, drainingFor, deletionProtection }): ReplicaInstance => ({
        id: scalepilotName || owner === 'ours' ? `${SOURCE}-sp-${i + 1}` : `hand-${i}`,
        status,
        tags: {
          ...(owner === 'ours' ? { 'scalepilot:managed': 'true', 'scalepilot:target': 'events-db' } : {}),
          ...(owner === 'other-target' ? { 'scalepilot:managed': 'true', 'scalepilot:target': 'other' } : {}),
          ...(drainingFor !== undefined && owner === 'ours'
            ? { 'scalepilot:draining': ago(drainingFor).toISOString() }
            : {}),
        },
        deletionProtection,
        createdAt: ago(100_000 - i * 1000),
        endpoint: `r${i}.abc.rds.amazonaws.com`,
      }),
    );

const worldArb = fc.integer({ min: 0, max: 6 }).chain((n) =>
  fc.record({
    replicas: fc.tuple(...Array.from({ length: n }, (_, i) => replicaArb(i))),
    sourceStatus: fc.constantFrom(
      'available',
      'available',
      'available',
      'modifying',
      'backing-up',
      'rebooting',
    ),
    modifying: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    delta: fc.integer({ min: -2, max: 2 }),
    connections: fc.double({ min: 0, max: 150, noNaN: true }),
    cpu: fc.double({ min: 0, max: 120, noNaN: true }),
    lags: fc.array(fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }), {
      minLength: 6,
      maxLength: 6,
    }),
    drainSeconds: fc.constantFrom(0, 60, 300),
    discovery: fc.boolean(),
  }),
);

type World = typeof worldArb extends fc.Arbitrary<infer W> ? W : never;

function scenario(w: World) {
  const target = rdsTarget({
    drainSeconds: w.drainSeconds,
    capacity: { min: 0, max: 15 },
    ...(w.discovery ? { readerDiscovery: { ssmParameterName: '/db/readers' } } : {}),
  });
  const o: RdsReplicasObservation = {
    ...observation(w.replicas),
    source: { ...observation([]).source, status: w.sourceStatus, modifying: w.modifying },
    discovery: [],
  };
  const { current } = capacity(target, o);
  const desired = Math.max(0, current + w.delta);
  const d = decision(current, desired, { metrics: { connections: w.connections, cpu: w.cpu } });
  const live = readers(o);
  const lagOf = new Map(live.map((r, i) => [r.id, w.lags[i]]));
  const metrics = {
    connections: [
      ...live.map(() => flat(w.connections)),
      ...live.map((r) => (lagOf.get(r.id) === undefined ? [] : flat(lagOf.get(r.id) ?? 0))),
    ],
    cpu: live.map(() => flat(w.cpu)),
  };
  const out = gate({ target, decision: d, observation: o, metrics, now: NOW });
  const action = ('act' in out ? out.act : undefined) as ReplicaAction | undefined;
  return { target, o, d, out, action, live, lagOf, current };
}

const removes = (a: ReplicaAction | undefined) => a?.type === 'delete' || a?.type === 'drain';

describe('RDS replica gates (properties)', () => {
  it('never touches a replica Scalepilot did not create for this target, nor the source', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const { target, o, action } = scenario(w);
        if (action && 'replica' in action) {
          const r = o.replicas.find((x) => x.id === action.replica);
          expect(r && isManaged(target, r)).toBe(true);
          expect(action.replica).not.toBe(SOURCE);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('one replica at a time: every action’s capacity is within one of the current', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const { action, current } = scenario(w);
        if (action) expect(Math.abs(action.desired - current)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
  });

  it('no replica is added or removed while the source is not available (a change waiting for its window does not hold it); reader discovery is still kept in sync', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const { out } = scenario(w);
        if (w.sourceStatus === 'available') return;
        if ('act' in out) expect(out.act?.type).toBe('syncDiscovery');
        else expect('skip' in out && out.skip).toBe('SourceNotAvailable');
      }),
      { numRuns: 300 },
    );
  });

  it('no removal while any reader lags over the limit or its lag is unknown', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const { action, lagOf } = scenario(w);
        if (removes(action))
          for (const lag of lagOf.values()) expect(lag !== undefined && lag <= 60).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('no removal of a deletion-protected replica, and none the rest could not carry (WouldReAlarm)', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const { action, o, target, live, d } = scenario(w);
        if (!removes(action) || !action || !('replica' in action)) return;
        const r = o.replicas.find((x) => x.id === action.replica);
        expect(r?.deletionProtection).toBe(false);
        const n = live.length + (r?.tags['scalepilot:draining'] && r.status === 'available' ? 1 : 0);
        for (const rule of target.rules) {
          const projected = projectedLoad(d.metrics[rule.name] ?? 0, n);
          if (projected !== undefined) expect(projected).toBeLessThanOrEqual(scaleOutThreshold(rule));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a create never reuses an existing name, and every name is a valid RDS identifier', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const { action, o } = scenario(w);
        if (action?.type === 'create' || action?.type === 'replace')
          for (const c of action.candidates) {
            expect(isValidDbIdentifier(c)).toBe(true);
            expect(o.replicas.some((r) => r.id === c)).toBe(false);
          }
      }),
      { numRuns: 500 },
    );
  });

  it('drain before delete: a replica is deleted only after drainSeconds of draining (or with drainSeconds 0)', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const { action, o, target } = scenario(w);
        if (action?.type !== 'delete') return;
        const r = o.replicas.find((x) => x.id === action.replica);
        const since = r?.tags['scalepilot:draining'];
        if (target.drainSeconds > 0) {
          expect(since).toBeDefined();
          expect((NOW.getTime() - new Date(since ?? '').getTime()) / 1000).toBeGreaterThanOrEqual(
            target.drainSeconds,
          );
        }
      }),
      { numRuns: 500 },
    );
  });

  it('health: failed replicas are no capacity; only Scalepilot’s are replaced or removed, and never after two failed replacements', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const { action, o, target, current } = scenario(w);
        const unhealthy = (r: ReplicaInstance) =>
          !['available', 'creating', 'backing-up', 'modifying', 'deleting'].includes(r.status);
        expect(current).toBe(o.replicas.filter((r) => !unhealthy(r) && r.status !== 'deleting').length);
        if (action?.type === 'replace' || action?.type === 'deleteFailed') {
          const id = action.type === 'replace' ? action.failed : action.replica;
          const r = o.replicas.find((x) => x.id === id);
          expect(r && unhealthy(r) && isManaged(target, r)).toBe(true);
        }
        // A failed replica already replaced (a newer healthy one of ours exists) and kept by its deletion
        // protection is no longer a failure in the row.
        const newestHealthy = Math.max(
          0,
          ...o.replicas
            .filter((r) => !unhealthy(r) && r.status !== 'deleting' && isManaged(target, r))
            .map((r) => r.createdAt?.getTime() ?? 0),
        );
        const parked = (r: ReplicaInstance) =>
          r.deletionProtection && newestHealthy > (r.createdAt?.getTime() ?? 0);
        const failedOurs = o.replicas.filter((r) => unhealthy(r) && isManaged(target, r) && !parked(r));
        if (failedOurs.length > 2 && action?.type === 'replace') expect.unreachable('a third replacement');
      }),
      { numRuns: 500 },
    );
  });

  it('a create is never settled done before its replica is available', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STATUSES, 'absent'), fc.boolean(), (status, recorded) => {
        const id = `${SOURCE}-sp-1`;
        const o = observation(
          status === 'absent' ? [] : [{ id, status, tags: {}, deletionProtection: false }],
        );
        const action: ReplicaAction = { type: 'create', desired: 1, candidates: [id], placements: [{}] };
        const s = settle(
          rdsTarget(),
          { id: 'x', from: 0, to: 1, at: ago(60), token: 1, reason: 'ScaleOut', action, recorded },
          o,
          NOW,
        );
        if (s.status === 'done') expect(status).toBe('available');
      }),
    );
  });
});

// Identifiers as the schema accepts them (letters, digits, single hyphens, starting with a letter), lowercase.
const sourceIdArb = fc
  .tuple(
    fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'),
    fc.array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'), { maxLength: 62 }),
  )
  .map(([first, rest]) => (first + rest.join('')).replace(/-+/g, '-').replace(/-$/, ''))
  .filter((id) => id.length >= 1 && id.length <= 63);

describe('replica names (properties)', () => {
  it('every replica id of any valid source id is a valid identifier of at most 63 characters, distinct per number', () => {
    fc.assert(
      fc.property(
        sourceIdArb,
        fc.integer({ min: 1, max: MAX_REPLICA_NUMBER }),
        fc.integer({ min: 1, max: MAX_REPLICA_NUMBER }),
        (source, a, b) => {
          const id = replicaId(source, a);
          expect(isValidDbIdentifier(id)).toBe(true);
          expect(id.length).toBeLessThanOrEqual(63);
          expect(id.startsWith(replicaPrefix(source))).toBe(true);
          if (a !== b) expect(replicaId(source, b)).not.toBe(id);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('two long sources sharing their first 50 characters get different prefixes (the hash of the whole id)', () => {
    const tail = fc
      .array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), { minLength: 5, maxLength: 13 })
      .map((c) => c.join(''));
    fc.assert(
      fc.property(tail, tail, (x, y) => {
        fc.pre(x !== y);
        const head = `events-${'a'.repeat(43)}`;
        expect(replicaPrefix(head + x)).not.toBe(replicaPrefix(head + y));
        expect(replicaPrefix(head + x).startsWith(head)).toBe(true);
      }),
    );
  });
});
