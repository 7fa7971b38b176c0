import { describe, expect, it } from 'vitest';
import type { CacheShardsObservation } from '../../../shared/decision/cacheShards';
import type { ScalingHistory } from '../../../shared/decision/types';
import { emptyHistory } from '../../../shared/decision/types';
import type { CacheShardsTarget } from '../../../shared/policy/schema';
import { ago, cacheRules, cacheTarget, evaluate, group, type Load, NOW } from './cacheShardsFixtures';

// The cache-shards model's gates (issue 13), each with a row that fails without it; its settlement, refusals,
// metrics and capacity view are tested beside this file (cacheShards*.test.ts). The decision is the generic
// one on the combined series, then the gates, as evaluateTargets runs them.

const memory =
  (byShard: Record<string, number>, otherwise: number | undefined = 50) =>
  (shard: string) =>
    byShard[shard] ?? otherwise;
const cpu = (v: number | undefined) => () => v;
const withHistory = (h: Partial<ScalingHistory>): ScalingHistory => ({ ...emptyHistory, ...h });
/** The group with a second replica on its first shard (one added by hand): uneven shards. */
const withNodeAdded = (g: CacheShardsObservation): CacheShardsObservation => ({
  ...g,
  shards: g.shards.map((shard, i) =>
    i === 0
      ? { ...shard, nodes: [...shard.nodes, { id: `rg-${shard.id}-099`, role: 'replica' as const }] }
      : shard,
  ),
});

/** Both rules scale in by `remove` below their thresholds (a narrowed range or a big step). */
const bigStepIn = (remove: number) =>
  cacheTarget({ capacity: { min: 1, max: 6 }, rules: cacheRules({ remove }) });
const lowCpuReadScaling = cacheTarget({
  capacity: { min: 1, max: 6 },
  replicaScaling: { min: 0, max: 3, rules: ['engine-cpu'] },
  rules: cacheRules({ cpuAbove: 50 }),
});
const readScaling = (min = 1, max = 3) =>
  cacheTarget({ replicaScaling: { min, max, rules: ['engine-cpu'] } });

describe('cache-shards gates: the issue scenarios and each gate', () => {
  it.each([
    {
      name: 'a group at 85% memory (on its hottest shard) gets one more shard',
      observation: group(3),
      load: { memory: memory({ '0002': 85 }), cpu: cpu(40) },
      want: { act: { type: 'reshard', desired: 4 } },
    },
    {
      name: 'a group at 30% memory whose remaining shard lacks 1.5× headroom keeps its shards (defect: no headroom check)',
      target: bigStepIn(3),
      observation: group(4),
      load: { memory: memory({}, 30), cpu: cpu(10) },
      want: {
        skip: 'InsufficientMemoryHeadroom',
        message: expect.stringMatching(/needs 135% free .* they have 70%/),
      },
    },
    {
      // Told (review s51): the cache rules have no alarms, and a group held every minute filled its memory unseen.
      name: 'a group with CPU at 85% is not resharded, though memory is at 85% (defect: reshard under CPU load); told',
      observation: group(3),
      load: { memory: memory({}, 85), cpu: cpu(85) },
      want: { skip: 'ReshardBlockedByCpu', notify: true },
    },
    {
      name: 'a single-core node type: 50% blocks it (AWS: under 50% on one core)',
      observation: group(3, 1, { nodeType: 'cache.t2.small' }),
      load: { memory: memory({}, 85), cpu: cpu(55) },
      want: {
        skip: 'ReshardBlockedByCpu',
        message: expect.stringContaining(
          '55% ≥ 50% on the hottest node (a cache.t2.small node has one vCPU)',
        ),
      },
    },
    {
      name: 'two vCPUs and more: 55% reshards',
      observation: group(3, 1, { nodeType: 'cache.t3.small' }),
      load: { memory: memory({}, 85), cpu: cpu(55) },
      want: { act: { type: 'reshard', desired: 4 } },
    },
    {
      name: 'CPU at exactly 80% blocks it too (at or above)',
      observation: group(3),
      load: { memory: memory({}, 85), cpu: cpu(80) },
      want: { skip: 'ReshardBlockedByCpu' },
    },
    {
      name: 'one replica node at 82% CPU blocks it (every node is read, not only the primaries)',
      observation: group(3),
      load: { memory: memory({}, 85), cpu: (node: string) => (node === 'rg-0003-002' ? 82 : 10) },
      want: { skip: 'ReshardBlockedByCpu', message: expect.stringContaining('82%') },
    },
    {
      // Review s52: the gate read the engine thread alone; AWS's resharding guidance is about the host's CPU
      // (CPUUtilization), where slot migration, the I/O threads, backups and the OS run beside the engine.
      name: 'the host CPU of one node at 85% blocks it though every engine thread is at 40% (defect: engine CPU alone)',
      observation: group(3),
      load: {
        memory: memory({}, 85),
        cpu: cpu(40),
        hostCpu: (node: string) => (node === 'rg-0002-002' ? 85 : 30),
      },
      want: {
        skip: 'ReshardBlockedByCpu',
        notify: true,
        message: expect.stringContaining('host CPU 85% ≥ 80% on the hottest node'),
      },
    },
    {
      // One vCPU: the engine, the OS and the migration share it (AWS: under 50% on single-core instances).
      name: 'a single-core node type: host CPU at 55% blocks it, its engine at 30%',
      observation: group(3, 1, { nodeType: 'cache.t2.small' }),
      load: { memory: memory({}, 85), cpu: cpu(30), hostCpu: cpu(55) },
      want: {
        skip: 'ReshardBlockedByCpu',
        message: expect.stringContaining(
          'host CPU 55% ≥ 50% on the hottest node (a cache.t2.small node has one vCPU)',
        ),
      },
    },
    {
      // Two vCPUs: a saturated engine thread reads about half the host; the engine's own reading still holds it.
      name: 'two vCPUs: the engine thread at 85% blocks it though the host reads 55%',
      observation: group(3, 1, { nodeType: 'cache.t3.small' }),
      load: { memory: memory({}, 85), cpu: cpu(85), hostCpu: cpu(55) },
      want: { skip: 'ReshardBlockedByCpu', message: expect.stringContaining('engine CPU 85% ≥ 80%') },
    },
    {
      name: 'a rule of the target’s own on host CPU per node: its reading serves the gate',
      target: cacheTarget({
        rules: [
          ...cacheRules(),
          {
            name: 'host-cpu',
            type: 'step',
            metric: { namespace: 'AWS/ElastiCache', name: 'CPUUtilization' },
            scaleOut: [{ above: 95, add: 1 }],
          },
        ],
      }),
      observation: group(3),
      load: { memory: memory({}, 85), cpu: cpu(40), hostCpu: cpu(85) },
      want: { skip: 'ReshardBlockedByCpu', message: expect.stringContaining('host CPU 85% ≥ 80%') },
    },
    {
      name: 'both under the limit: the reshard goes ahead',
      observation: group(3),
      load: { memory: memory({}, 85), cpu: cpu(60), hostCpu: cpu(70) },
      want: { act: { type: 'reshard', desired: 4 } },
    },
    {
      name: 'host CPU missing holds a reshard, the engine CPU read',
      observation: group(3),
      load: {
        memory: memory({}, 85),
        cpu: cpu(40),
        hostCpu: (node: string) => (node === 'rg-0001-001' ? undefined : 20),
      },
      want: { skip: 'ReshardBlockedByCpu', message: expect.stringContaining('host CPU') },
    },
    {
      name: 'engine CPU missing holds a reshard (it cannot be judged safe)',
      observation: group(3),
      load: { memory: memory({}, 85), cpu: cpu(undefined) },
      want: { skip: 'ReshardBlockedByCpu', message: expect.stringContaining('missing') },
    },
    {
      name: 'a scale-in removes the shard holding the least memory, not the highest-numbered (defect: highest-numbered removed)',
      observation: group(4),
      load: { memory: memory({ '0001': 20, '0002': 5, '0003': 25, '0004': 30 }), cpu: cpu(10) },
      want: { act: { type: 'reshard', desired: 3, nodeGroupsToRemove: ['0002'] }, reason: 'ScaleIn' },
    },
    {
      name: 'a scale-in whose projected memory would re-alarm is refused (WouldReAlarm)',
      target: cacheTarget({ capacity: { min: 1, max: 6 } }),
      observation: group(2),
      load: { memory: memory({}, 39), cpu: cpu(10) },
      want: { skip: 'WouldReAlarm', message: expect.stringContaining('memory to 78%') },
    },
    {
      // Review s51: the check added up the free memory of the shards that stay; ElastiCache spreads the removed
      // shard's slots over them, and a full one beside two empty ones overflowed (its range lowered by hand).
      name: 'a forced scale-in 3 → 2 beside a full shard is refused: each shard that stays needs its share',
      target: cacheTarget({ capacity: { min: 1, max: 2 } }),
      observation: group(3),
      load: { memory: memory({ '0001': 95 }, 20), cpu: cpu(10) },
      want: {
        skip: 'InsufficientMemoryHeadroom',
        message: expect.stringContaining(
          'needs 15% free on each shard that stays (their slots are spread over them), and 0001 has 5%',
        ),
      },
    },
    {
      // Five shards to two: the three least-full go (25% engine CPU each), 0001 at 29% and 0002 idle stay. Their
      // mean would be 52%, under the 63% re-alarm line; 0001 would take 29% + 75% ÷ 2 = 66.5%.
      name: 'a scale-in whose share would re-alarm the busiest shard that stays is refused, whatever the mean',
      target: bigStepIn(3),
      observation: group(5),
      load: {
        memory: memory({ '0001': 20, '0002': 20 }, 10),
        cpu: (node: string) => (node.startsWith('rg-0001') ? 29 : node.startsWith('rg-0002') ? 0 : 25),
      },
      want: {
        skip: 'WouldReAlarm',
        message: expect.stringContaining('engine-cpu to 66.5% on the busiest shard that stays'),
      },
    },
    {
      name: 'a scale-in whose projected engine CPU would re-alarm is refused (WouldReAlarm)',
      target: bigStepIn(3),
      observation: group(4),
      load: { memory: memory({}, 10), cpu: cpu(29) },
      want: { skip: 'WouldReAlarm', message: expect.stringContaining('engine-cpu to 116%') },
    },
    {
      name: 'a group not available is left alone: the generic busy skip passes through',
      observation: group(3, 1, { status: 'modifying' }),
      load: { memory: memory({}, 85), cpu: cpu(10) },
      want: { pass: true },
    },
    {
      name: 'cluster mode disabled is refused at every evaluation',
      observation: group(1, 1, { clusterEnabled: false }),
      load: { memory: memory({}, 85), cpu: cpu(10) },
      want: { skip: 'CacheShardsUnsupported', message: expect.stringContaining('cluster mode disabled') },
    },
    {
      name: 'a native scalable target is refused at every evaluation (two autoscalers would fight)',
      observation: group(3, 1, { scalableTargets: ['elasticache:replication-group:NodeGroups'] }),
      load: { memory: memory({}, 85), cpu: cpu(10) },
      want: { skip: 'CacheShardsUnsupported', message: expect.stringContaining('two autoscalers') },
    },
    {
      name: 'no reshard inside the cooldown of a replica change (defect: shards and replicas fight)',
      observation: group(3, 1, { replicasChangedAt: ago(60) }),
      load: { memory: memory({}, 85), cpu: cpu(10) },
      want: { skip: 'ShardsAndReplicasExclusive' },
    },
    {
      name: 'a reshard after the replica change cooldown went by',
      observation: group(3, 1, { replicasChangedAt: ago(601) }),
      load: { memory: memory({}, 85), cpu: cpu(10) },
      want: { act: { type: 'reshard', desired: 4 } },
    },
    {
      name: 'read scaling: read load alone adds a replica to every shard, not a shard',
      target: readScaling(),
      observation: group(3, 1),
      load: { memory: memory({}, 50), cpu: cpu(75) },
      want: {
        act: { type: 'replicas', desired: 3, replicasPerShard: 2, fromReplicas: 1, at: NOW.toISOString() },
        reason: 'ReplicasScaledOut',
      },
    },
    {
      name: 'read scaling: memory pressure still reshards (data needs shards)',
      target: readScaling(),
      observation: group(3, 1),
      load: { memory: memory({}, 85), cpu: cpu(75) },
      want: { act: { type: 'reshard', desired: 4 } },
    },
    {
      name: 'read scaling at its max replicas: the read load reshards',
      target: readScaling(1, 2),
      observation: group(3, 2),
      load: { memory: memory({}, 50), cpu: cpu(75) },
      want: { act: { type: 'reshard', desired: 4 } },
    },
    {
      name: 'read scaling at max shards adds a replica',
      target: readScaling(),
      observation: group(6, 1),
      load: { memory: memory({}, 50), cpu: cpu(75) },
      want: { act: { type: 'replicas', replicasPerShard: 2 }, reason: 'ReplicasScaledOut' },
    },
    {
      name: 'node quota: a reshard counts the shards as they are (one with a replica added by hand) plus the new one',
      // 3 + 2 + 2 nodes now and a new shard of 2: 9, over 8 (shards × the fewest per shard said 8 and let it through).
      observation: withNodeAdded(group(3, 1, { nodeQuota: { value: 8, source: 'service-quotas' } })),
      load: { memory: memory({ '0002': 85 }), cpu: cpu(40) },
      want: {
        skip: 'NodeQuotaReached',
        message: expect.stringContaining('9 nodes (7 now + 1 new shards × 2)'),
      },
    },
    {
      name: 'node quota: a reshard within it goes ahead',
      observation: withNodeAdded(group(3, 1, { nodeQuota: { value: 9, source: 'service-quotas' } })),
      load: { memory: memory({ '0002': 85 }), cpu: cpu(40) },
      want: { act: { type: 'reshard', desired: 4 } },
    },
    {
      name: 'node quota: a replica on every shard past it is refused',
      target: readScaling(),
      observation: group(6, 1, { nodeQuota: { value: 12, source: 'service-quotas' } }),
      load: { memory: memory({}, 50), cpu: cpu(75) },
      want: { skip: 'NodeQuotaReached', message: expect.stringContaining('18 nodes (6 shards × 3)') },
    },
    {
      name: 'read scaling: replicas go first on the way down',
      target: readScaling(),
      observation: group(4, 2),
      load: { memory: memory({}, 20), cpu: cpu(10) },
      want: { act: { type: 'replicas', desired: 4, replicasPerShard: 1 }, reason: 'ReplicasScaledIn' },
    },
    {
      name: 'read scaling: a replica removal that would re-alarm the read rule is refused (WouldReAlarm)',
      target: lowCpuReadScaling,
      observation: group(4, 1),
      // 29% over two nodes per shard is 58% on one, not below 50% × 0.9.
      load: { memory: memory({}, 20), cpu: cpu(29) },
      want: { skip: 'WouldReAlarm', message: expect.stringContaining('engine-cpu to 58%') },
    },
    {
      // Slots move with their reads and writes: the nodes left take the removed shards' load, read rule or not.
      name: 'read scaling at its min replicas: a shard removal that would re-alarm the read rule is refused (defect: 3 → 1 at 75%)',
      target: cacheTarget({
        capacity: { min: 1, max: 6 },
        replicaScaling: { min: 1, max: 3, rules: ['engine-cpu'] },
        rules: cacheRules({ remove: 2 }),
      }),
      observation: group(3, 1),
      load: { memory: memory({}, 10), cpu: cpu(25) },
      want: { skip: 'WouldReAlarm', message: expect.stringContaining('engine-cpu to 75%') },
    },
    {
      name: 'read scaling at its min replicas: the shards go',
      target: readScaling(1, 3),
      observation: group(4, 1),
      load: { memory: memory({}, 20), cpu: cpu(10) },
      want: { act: { type: 'reshard', desired: 3 } },
    },
    {
      name: 'no replica change inside a reshard cooldown (defect: shards and replicas fight)',
      target: readScaling(),
      observation: group(3, 1),
      history: withHistory({ lastScaleInAt: ago(120) }),
      load: { memory: memory({}, 50), cpu: cpu(75) },
      want: { skip: 'ShardsAndReplicasExclusive' },
    },
    {
      name: 'no replica change inside the last replica change cooldown',
      target: readScaling(),
      observation: group(3, 1, { replicasChangedAt: ago(60) }),
      load: { memory: memory({}, 50), cpu: cpu(75) },
      want: { skip: 'ScaleOutCooldown' },
    },
  ] as {
    name: string;
    target?: CacheShardsTarget;
    observation: CacheShardsObservation;
    history?: ScalingHistory;
    load: Load;
    want: object;
  }[])('$name', ({ target, observation, history, load, want }) => {
    const { outcome } = evaluate(target ?? cacheTarget(), observation, load, history);
    expect(outcome).toMatchObject(want);
  });
});
