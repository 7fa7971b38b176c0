// Reader discovery through a drain: a drain takes the replica out, its cancel puts it back, no reader left points
// at the source; and a drain whose discovery write failed after the draining tag went on (Route 53 throttled, the
// Lambda timed out) leaves the replica draining but still published: it must leave discovery again, with its drain
// started over, and never be deleted while clients still resolve it.
import { describe, expect, it } from 'vitest';
import type { GateOutcome } from '../../../shared/decision/kindModel';
import { gate, type RdsReplicasObservation, type ReplicaAction } from '../../../shared/decision/rdsReplicas';
import { ago, decision, managed, NOW, observation, rawMetrics, rdsTarget } from './rdsReplicasFixtures';

const SOURCE = 'event-platform-db';
const sp = (n: number) => `${SOURCE}-sp-${n}`;
const endpoint = (n: number) => `${sp(n)}.abc.us-east-1.rds.amazonaws.com`;
const draining = (since: number) => ({ tags: { 'scalepilot:draining': ago(since).toISOString() } });
const target = rdsTarget({
  readerDiscovery: { route53: { hostedZoneId: 'Z123', recordName: 'reader.db.internal' } },
});

const readersOf = (o: RdsReplicasObservation) =>
  o.replicas
    .filter((r) => r.status === 'available' && !r.tags['scalepilot:draining'])
    .map((r) => r.id)
    .sort();

const outcome = (o: GateOutcome) => ({
  reason: 'skip' in o ? o.skip : 'reason' in o ? o.reason : undefined,
  action: ('act' in o ? o.act : undefined) as ReplicaAction | undefined,
});

describe('a draining replica still in reader discovery', () => {
  it.each([
    {
      name: 'within drainSeconds: taken out again, its drain restarting now (was: waited on, still published)',
      since: 30,
      published: [endpoint(1), endpoint(2)],
      want: {
        reason: 'Draining',
        action: { type: 'drain', replica: sp(2), at: NOW.toISOString(), discovery: [endpoint(1)] },
      },
    },
    {
      name: 'past drainSeconds: not deleted while published, taken out again first (was: deleted, then unpublished)',
      since: 400,
      published: [endpoint(1), endpoint(2)],
      want: {
        reason: 'Draining',
        action: { type: 'drain', replica: sp(2), at: NOW.toISOString(), discovery: [endpoint(1)] },
      },
    },
    {
      name: 'past drainSeconds and out of discovery: deleted',
      since: 400,
      published: [endpoint(1)],
      want: { action: { type: 'delete', replica: sp(2), discovery: [endpoint(1)] } },
    },
    {
      name: 'within drainSeconds and out of discovery: waited on',
      since: 30,
      published: [endpoint(1)],
      want: { reason: 'Draining', action: undefined },
    },
  ])('$name', ({ since, published, want }) => {
    const o = observation([managed(sp(1), 1), managed(sp(2), 2, draining(since))], {
      discovery: published,
    });
    const out = outcome(
      gate({ target, decision: decision(2, 1), observation: o, metrics: rawMetrics([sp(1)]), now: NOW }),
    );
    if (want.reason) expect(out.reason).toBe(want.reason);
    if (want.action) expect(out.action).toMatchObject(want.action);
    else expect(out.action).toBeUndefined();
  });
});

describe('reader discovery through a drain', () => {
  it('drain takes the replica out of reader discovery; its cancel puts it back', () => {
    const t = target;
    const o = observation([managed(sp(1), 1), managed(sp(2), 2)]);
    const drain = gate({
      target: t,
      decision: decision(2, 1),
      observation: o,
      metrics: rawMetrics(readersOf(o)),
      now: NOW,
    });
    expect('act' in drain && drain.act).toMatchObject({
      type: 'drain',
      discovery: [`${sp(1)}.abc.us-east-1.rds.amazonaws.com`],
    });
    const drained = observation([managed(sp(1), 1), managed(sp(2), 2, draining(30))]);
    const cancel = gate({
      target: t,
      decision: decision(2, 3),
      observation: drained,
      metrics: rawMetrics(readersOf(drained)),
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
    const out = gate({
      target: t,
      decision: decision(0, 0),
      observation: o,
      metrics: rawMetrics(readersOf(o)),
      now: NOW,
    });
    expect('act' in out && out.act).toMatchObject({
      discovery: [`${SOURCE}.abc.us-east-1.rds.amazonaws.com`],
    });
  });
});

describe('reader discovery kept in sync while a drain is waited on', () => {
  // sp-2 drains (30 s of 300); sp-1 and sp-3 serve, or should.
  it.each([
    {
      name: 'sp-3 lags meanwhile: taken out now, not once the drain ends (was: published until then)',
      published: [endpoint(1), endpoint(3)],
      lag: { [sp(3)]: 900 },
      want: {
        reason: 'ReaderDiscoverySynced',
        action: { type: 'syncDiscovery', discovery: [endpoint(1)] },
        message: `reader discovery set to ${endpoint(1)}; ${sp(2)} draining since ${ago(30).toISOString()}; deleted after 300 s if load stays low`,
      },
    },
    {
      name: 'sp-3 came to serve meanwhile: published now',
      published: [endpoint(1)],
      lag: {},
      want: {
        reason: 'ReaderDiscoverySynced',
        action: { type: 'syncDiscovery', discovery: [endpoint(1), endpoint(3)] },
        message: `reader discovery set to ${endpoint(1)}, ${endpoint(3)}; ${sp(2)} draining since ${ago(30).toISOString()}; deleted after 300 s if load stays low`,
      },
    },
    {
      name: 'in sync: the drain is waited on',
      published: [endpoint(1), endpoint(3)],
      lag: {},
      want: { reason: 'Draining', action: undefined, message: undefined },
    },
  ])('$name', ({ published, lag, want }) => {
    const o = observation([managed(sp(1), 1), managed(sp(2), 2, draining(30)), managed(sp(3), 3)], {
      discovery: published,
    });
    const result = gate({
      target,
      decision: decision(3, 2),
      observation: o,
      metrics: rawMetrics([sp(1), sp(3)], lag),
      now: NOW,
    });
    const out = outcome(result);
    expect(out.reason).toBe(want.reason);
    if (want.action) expect(out.action).toMatchObject(want.action);
    else expect(out.action).toBeUndefined();
    if (want.message) expect('message' in result && result.message).toBe(want.message);
  });
});

describe('reader discovery kept in sync whatever holds the target', () => {
  const failing = { replication: { status: 'error', normal: false, message: 'Error 1062' } };
  it.each([
    {
      name: 'a replaced failed replica still listed: its delete takes it out first',
      o: observation([managed(sp(1), 1, failing), managed(sp(2), 2)], {
        discovery: [endpoint(1), endpoint(2)],
      }),
      want: {
        reason: 'RemovingFailedReplica',
        action: { type: 'deleteFailed', replica: sp(1), discovery: [endpoint(2)] },
      },
    },
    {
      name: 'the source modifying: nothing added or removed, but a replica whose replication failed leaves discovery now',
      o: observation([managed(sp(1), 1), managed(sp(2), 2, failing)], {
        discovery: [endpoint(1), endpoint(2)],
        source: { ...observation([]).source, status: 'modifying', modifying: true },
      }),
      want: { reason: 'ReaderDiscoverySynced', action: { type: 'syncDiscovery', discovery: [endpoint(1)] } },
    },
    {
      name: 'the source modifying and discovery in sync: held, said as before',
      o: observation([managed(sp(1), 1), managed(sp(2), 2)], {
        discovery: [endpoint(1), endpoint(2)],
        source: { ...observation([]).source, status: 'modifying', modifying: true },
      }),
      want: { reason: 'SourceNotAvailable', action: undefined },
    },
  ])('$name', ({ o, want }) => {
    const out = outcome(
      gate({ target, decision: decision(2, 2), observation: o, metrics: rawMetrics(readersOf(o)), now: NOW }),
    );
    expect(out.reason).toBe(want.reason);
    if (want.action) expect(out.action).toMatchObject(want.action);
    else expect(out.action).toBeUndefined();
  });
});
