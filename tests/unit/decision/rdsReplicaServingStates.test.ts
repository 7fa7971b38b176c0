// Which DBInstanceStatus values serve reads. RDS keeps an instance open to connections while it is
// `storage-optimization` ("fully operational", for hours after a storage change): such a replica was counted as
// not serving, so the others carried its share, reader discovery left it out, its metrics were not read and a
// removal waited on it (AtMinCapacity). `backing-up` is not counted: a new replica's first backup is part of its
// create (it restores and starts replicating), and one look cannot tell it from a daily backup. A new replica
// `storage-initialization` (its volumes loading from S3) is "fully operational" too: counted as coming up, a
// large source's replica was failed at the create deadline and replaced, again and again.
import { describe, expect, it } from 'vitest';
import type { GateOutcome } from '../../../shared/decision/kindModel';
import {
  capacity,
  discoveryEndpoints,
  gate,
  metricsFor,
  readers,
  replicaGateStates,
} from '../../../shared/decision/rdsReplicas';
import { decision, managed, NOW, observation, rawMetrics, rdsTarget, replica } from './rdsReplicasFixtures';

const sp1 = 'event-platform-db-sp-1';
const target = rdsTarget();
const [, cpu] = target.rules;
if (!cpu) throw new Error('fixture changed');

describe('a replica serves reads in the states RDS keeps it open to connections', () => {
  it.each([
    { name: 'available', status: 'available', created: true, serving: true },
    {
      name: 'storage-optimization (RDS: fully operational)',
      status: 'storage-optimization',
      created: true,
      serving: true,
    },
    {
      name: 'storage-initialization (RDS: a new replica is fully operational while its volumes load)',
      status: 'storage-initialization',
      created: true,
      serving: true,
    },
    { name: 'delete-precheck (on its way out)', status: 'delete-precheck', created: true, serving: false },
    {
      name: 'backing-up (a first backup is part of the create)',
      status: 'backing-up',
      created: true,
      serving: false,
    },
    { name: 'creating', status: 'creating', created: false, serving: false },
    { name: 'modifying', status: 'modifying', created: true, serving: false },
    { name: 'rebooting', status: 'rebooting', created: true, serving: false },
    {
      name: 'storage-config-upgrade (the engine is unavailable)',
      status: 'storage-config-upgrade',
      created: true,
      serving: false,
    },
    {
      name: 'configuring-enhanced-monitoring (not documented as usable)',
      status: 'configuring-enhanced-monitoring',
      created: true,
      serving: false,
    },
  ])('$name', ({ status, created, serving }) => {
    const other = managed(sp1, 2, { status, ...(created ? {} : { createdAt: undefined }) });
    const o = observation([replica('a', 1), other]);
    const metrics = rawMetrics(readers(o).map((r) => r.id));
    expect(capacity(target, o).serving).toBe(serving ? 2 : 1);
    expect(readers(o).some((r) => r.id === sp1)).toBe(serving);
    expect(metricsFor(target, cpu, o).some((m) => m.dimensions.DBInstanceIdentifier === sp1)).toBe(serving);
    expect(discoveryEndpoints(o, new Map(), 60).includes(other.endpoint as string)).toBe(serving);
    expect(replicaGateStates(target, o, metrics, NOW).find((s) => s.id === sp1)?.serving).toBe(serving);
  });

  it.each([
    {
      name: 'the other in storage-optimization serves: the drain goes ahead',
      status: 'storage-optimization',
      want: 'Draining',
    },
    {
      name: 'the other backing up is not counted: held at capacity.min',
      status: 'backing-up',
      want: 'AtMinCapacity',
    },
    {
      name: 'the other modifying serves nothing: held at capacity.min',
      status: 'modifying',
      want: 'AtMinCapacity',
    },
  ])('scale-in at capacity.min 1: $name', ({ status, want }) => {
    const o = observation([replica('a', 1, { status }), managed(sp1, 2)]);
    const outcome: GateOutcome = gate({
      target,
      decision: decision(2, 1),
      observation: o,
      metrics: rawMetrics(readers(o).map((r) => r.id)),
      now: NOW,
    });
    expect('skip' in outcome ? outcome.skip : 'reason' in outcome ? outcome.reason : undefined).toBe(want);
  });
});
