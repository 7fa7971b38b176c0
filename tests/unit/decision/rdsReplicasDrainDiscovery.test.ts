// A drain whose reader-discovery write failed after the draining tag went on (Route 53 throttled, the Lambda
// timed out): the replica is draining but still published. It must leave discovery again, with its drain
// started over, and never be deleted while clients still resolve it.
import { describe, expect, it } from 'vitest';
import type { GateOutcome } from '../../../shared/decision/kindModel';
import { gate, type ReplicaAction } from '../../../shared/decision/rdsReplicas';
import { ago, decision, managed, NOW, observation, rawMetrics, rdsTarget } from './rdsReplicasFixtures';

const SOURCE = 'event-platform-db';
const sp = (n: number) => `${SOURCE}-sp-${n}`;
const endpoint = (n: number) => `${sp(n)}.abc.us-east-1.rds.amazonaws.com`;
const draining = (since: number) => ({ tags: { 'scalepilot:draining': ago(since).toISOString() } });
const target = rdsTarget({
  readerDiscovery: { route53: { hostedZoneId: 'Z123', recordName: 'reader.db.internal' } },
});

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
