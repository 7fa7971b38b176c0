import { describe, expect, it } from 'vitest';
import { scalingCost, unitHoursAbove } from '../../../shared/cost/scalingCost';
import type { Target } from '../../../shared/policy/schema';
import { examplePolicy } from '../../harness/fixtures';

const at = (hhmm: string) => new Date(`2026-11-21T${hhmm}:00Z`);
const DAY = { from: at('00:00'), to: new Date('2026-11-22T00:00:00Z') };
const prices = {
  regions: {
    'us-east-1': {
      ec2: { 't3.medium': 0.0416 },
      rds: { 'db.t4g.medium': 0.065 },
      elasticache: { 'cache.t4g.small': 0.032 },
    },
  },
};

describe('unitHoursAbove: the capacity Scalepilot added, from the decisions of the day', () => {
  it.each([
    { name: 'no decisions: nothing added', changes: [], hours: 0 },
    {
      name: 'held at 4 all day, min 2: 48 unit-hours',
      changes: [{ at: at('00:00'), from: 4, to: 4 }],
      hours: 48,
    },
    {
      name: 'out from 2 to 6 at 12:00, back to 2 at 18:00: 24',
      changes: [
        { at: at('12:00'), from: 2, to: 6 },
        { at: at('18:00'), from: 6, to: 2 },
      ],
      hours: 24,
    },
    {
      name: 'the first decision at 06:00 saw 3: counted from midnight',
      changes: [{ at: at('06:00'), from: 3, to: 3 }],
      hours: 24,
    },
    { name: 'at the minimum: nothing', changes: [{ at: at('01:00'), from: 2, to: 2 }], hours: 0 },
  ])('$name', ({ changes, hours }) => {
    expect(unitHoursAbove(changes, 2, DAY.from, DAY.to)).toBeCloseTo(hours, 9);
  });
});

describe('scalingCost: unit-hours × the on-demand price of the unit', () => {
  const policy = examplePolicy();
  const [api, db, cache] = policy.targets;
  const held = (n: number) => [{ at: at('00:00'), from: n, to: n }];

  it.each([
    {
      name: 'instances at the t3.medium price',
      target: { ...api, instanceType: 't3.medium' },
      changes: held(4),
      usd: 48 * 0.0416,
    },
    {
      name: 'a shard is a primary and its replicas',
      target: { ...cache, nodeType: 'cache.t4g.small', replicasPerShard: 1 },
      changes: held(4),
      usd: 24 * 2 * 0.032,
    },
    {
      name: 'replicas at their class',
      target: { ...db, replicaInstanceClass: 'db.t4g.medium' },
      changes: held(2),
      usd: 24 * 0.065,
    },
  ] as const)('$name', ({ target, changes, usd }) => {
    // The engines the table's legacy families price (PostgreSQL, Redis OSS), as the decisions record them.
    const engines = { asg: [], 'rds-replicas': [{ name: 'postgres' }], 'cache-shards': [{ name: 'redis' }] };
    const live = { engines: engines[(target as Target).kind] };
    expect(scalingCost(target as never, changes, DAY, 'us-east-1', prices, live).usd).toBeCloseTo(usd, 9);
  });

  it.each([
    {
      name: 'no type on the target',
      target: { ...api, instanceType: undefined },
      region: 'us-east-1',
      note: 'set instanceType',
    },
    {
      name: 'no price for the region',
      target: { ...api, instanceType: 't3.medium' },
      region: 'eu-west-1',
      note: 'npx scalepilot prices --regions eu-west-1',
    },
    {
      // Its decisions recorded 16,384 MiB: priced as instance-hours, a day of them read $37,748 (found in review).
      name: 'a group counted in MiB (DesiredCapacityType memory-mib): a unit-hour is no instance-hour',
      target: { ...api, instanceType: 't3.medium' },
      region: 'us-east-1',
      countedIn: 'MiB',
      note: 'the group counts its capacity in MiB, not instances',
    },
  ])('no price, and says what to do: $name', ({ target, region, note, countedIn }) => {
    const live = countedIn ? { countedIn } : undefined;
    const result = scalingCost(target as never, held(4), DAY, region, prices, live);
    expect(result.usd).toBeUndefined();
    expect(result.unitHours).toBe(48);
    expect(result.note).toContain(note);
  });
});

describe('a cache group’s cost of scaling counts its nodes: the replicas read scaling adds, each shard at its replicas', () => {
  // Review s52: a shard was priced at 1 + replicasPerShard nodes, the policy's or the group's count when the cost
  // ran, over shard-hours only: replicas read scaling added (the shards unchanged) cost nothing, and a count the
  // scaler changed that day priced every hour at the newest one. Each decision records the replicas per shard it
  // saw and leaves; the cost is the node-hours above capacity.min shards at the minimum's replicas.
  const cache = examplePolicy().targets.find((t) => t.kind === 'cache-shards');
  const base = {
    ...cache,
    nodeType: 'cache.t4g.small',
    replicasPerShard: undefined,
    capacity: { min: 2, max: 6 },
  };
  const readScaling = { ...base, replicaScaling: { min: 1, max: 3, rules: ['engine-cpu'] } };
  const seen = (hhmm: string, shards: [number, number], replicas?: [number, number]) => ({
    at: at(hhmm),
    from: shards[0],
    to: shards[1],
    ...(replicas ? { replicas: { from: replicas[0], to: replicas[1] } } : {}),
  });
  it.each([
    {
      name: 'a replica added to each of 2 shards at noon, at the minimum shards: 2 nodes × 12 h (defect: nothing)',
      target: readScaling,
      changes: [seen('00:00', [2, 2], [1, 1]), seen('12:00', [2, 2], [1, 2])],
      live: { replicasPerShard: 2 },
      nodeHours: 24,
    },
    {
      // 06:00–12:00 two shards at 3 replicas (4 nodes over the minimum's 4), then three: 4 × 6 + 8 × 12.
      name: 'replicas 1 → 3 at 06:00, a shard at noon: each hour at its own replicas (defect: the newest count all day)',
      target: readScaling,
      changes: [seen('00:00', [2, 2], [1, 1]), seen('06:00', [2, 2], [1, 3]), seen('12:00', [2, 3], [3, 3])],
      live: { replicasPerShard: 3 },
      nodeHours: 120,
    },
    {
      name: 'without read scaling: the shard above the minimum at the 2 replicas its decisions saw, not the group’s 1 now',
      target: base,
      changes: [seen('00:00', [3, 3], [2, 2])],
      live: { replicasPerShard: 1 },
      nodeHours: 72,
    },
    {
      // A settlement (OperationPending, OperationCompleted) is recorded without the gates: it keeps the last count.
      name: 'a decision that recorded no replicas keeps the last recorded, not the group’s count now',
      target: readScaling,
      changes: [seen('00:00', [2, 2], [1, 1]), seen('12:00', [2, 2], [1, 2]), seen('12:01', [2, 2])],
      live: { replicasPerShard: 1 },
      nodeHours: 24,
    },
    {
      name: 'a replica change not applied (its decision says what it saw): nothing added',
      target: readScaling,
      changes: [seen('00:00', [2, 2], [1, 1]), seen('12:00', [2, 2], [1, 1])],
      live: { replicasPerShard: 1 },
      nodeHours: 0,
    },
    {
      name: 'decisions recorded before the replicas were: the shards above the minimum at the group’s replicas, as before',
      target: base,
      changes: [seen('00:00', [4, 4])],
      live: { replicasPerShard: 1 },
      nodeHours: 96,
    },
  ])('$name', ({ target, changes, live, nodeHours }) => {
    const redis = { ...live, engines: [{ name: 'redis' }] }; // the table's legacy family prices Redis OSS
    const cost = scalingCost(target as never, changes, DAY, 'us-east-1', prices, redis);
    expect(cost).toMatchObject({ unit: 'node', unitType: 'cache.t4g.small', usdPerUnitHour: 0.032 });
    expect(cost.unitHours).toBeCloseTo(nodeHours, 9);
    expect(cost.usd).toBeCloseTo(nodeHours * 0.032, 9);
  });
});
