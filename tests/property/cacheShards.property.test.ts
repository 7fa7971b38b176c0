import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MEMORY_HEADROOM_FACTOR,
  RESHARD_CPU_LIMIT,
  type ReshardAction,
  settleReshard,
} from '../../shared/decision/cacheShards';
import type { PendingIntent } from '../../shared/decision/types';
import { emptyHistory } from '../../shared/decision/types';
import { ago, cacheTarget, evaluate, group } from '../unit/decision/cacheShardsFixtures';

// Invariants of the cache-shards gates (issue 13) over random groups and loads.

const scenario = fc.record({
  shards: fc.integer({ min: 1, max: 8 }),
  replicas: fc.integer({ min: 0, max: 3 }),
  // Low loads often, so scale-ins (all shards below the thresholds) are common enough to check.
  memory: fc.oneof(
    fc.array(fc.integer({ min: 0, max: 35 }), { minLength: 8, maxLength: 8 }),
    fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 8, maxLength: 8 }),
  ),
  cpu: fc.oneof(
    fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 32, maxLength: 32 }),
    fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 32, maxLength: 32 }),
  ),
  remove: fc.integer({ min: 1, max: 3 }),
  replicaScaling: fc.boolean(),
  replicasChangedAgo: fc.option(fc.integer({ min: 0, max: 1200 })),
  // Mostly a supported group, so the other gates are reached often.
  refusal: fc.oneof(
    { arbitrary: fc.constant('none' as const), weight: 8 },
    {
      arbitrary: fc.constantFrom(
        'cluster-mode-disabled' as const,
        'global-datastore' as const,
        'old-redis' as const,
        'scalable-target' as const,
      ),
      weight: 2,
    },
  ),
  lastScaleInAgo: fc.option(fc.integer({ min: 0, max: 1200 })),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function run(s: Scenario) {
  const target = cacheTarget({
    capacity: { min: 1, max: 8 },
    ...(s.replicaScaling ? { replicaScaling: { min: 0, max: 3, rules: ['engine-cpu'] } } : {}),
    rules: [
      {
        name: 'engine-cpu',
        type: 'step',
        metric: { namespace: 'AWS/ElastiCache', name: 'EngineCPUUtilization' },
        scaleOut: [{ above: 70, add: 1 }],
        scaleIn: [{ below: 30, remove: s.remove }],
      },
      {
        name: 'memory',
        type: 'step',
        metric: { namespace: 'AWS/ElastiCache', name: 'DatabaseMemoryUsagePercentage' },
        scaleOut: [{ above: 80, add: 1 }],
        scaleIn: [{ below: 40, remove: s.remove }],
      },
    ],
  });
  const refusal = {
    none: {},
    'cluster-mode-disabled': { clusterEnabled: false },
    'global-datastore': { globalDatastore: 'g' },
    'old-redis': { engine: 'redis', engineVersion: '3.2.6' },
    'scalable-target': { scalableTargets: ['elasticache:replication-group:NodeGroups'] },
  }[s.refusal];
  const observation = group(s.shards, s.replicas, {
    ...(s.replicasChangedAgo !== null ? { replicasChangedAt: ago(s.replicasChangedAgo) } : {}),
    ...refusal,
  });
  const memoryOf = (shard: string) => s.memory[Number(shard) - 1] ?? 0;
  const nodeIndex = (node: string) => {
    const [shard, n] = node.split('-').slice(-2).map(Number);
    return ((shard ?? 1) - 1) * 4 + ((n ?? 1) - 1);
  };
  const cpuOf = (node: string) => s.cpu[nodeIndex(node)] ?? 0;
  const history = {
    ...emptyHistory,
    ...(s.lastScaleInAgo !== null ? { lastScaleInAt: ago(s.lastScaleInAgo) } : {}),
  };
  const { decision, outcome } = evaluate(target, observation, { memory: memoryOf, cpu: cpuOf }, history);
  const nodes = observation.shards.flatMap((sh) => sh.nodes.map((n) => n.id));
  return { target, observation, decision, outcome, memoryOf, hottestCpu: Math.max(...nodes.map(cpuOf)) };
}

const actionOf = (outcome: ReturnType<typeof run>['outcome']) => ('act' in outcome ? outcome.act : undefined);

describe('cache-shards gate invariants', () => {
  it('never reshards while any node’s engine CPU is at or above 80%', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { outcome, hottestCpu, observation } = run(s);
        const act = actionOf(outcome);
        if (act?.type === 'reshard' && act.desired !== observation.shards.length)
          expect(hottestCpu).toBeLessThan(RESHARD_CPU_LIMIT);
      }),
      { numRuns: 400 },
    );
  });

  it('a scale-in removes exactly the surplus, the least-memory shards, and leaves 1.5× headroom', () => {
    let scaleIns = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const { outcome, observation, memoryOf } = run(s);
        const act = actionOf(outcome) as ReshardAction | undefined;
        if (act?.type !== 'reshard' || act.desired >= observation.shards.length) return;
        scaleIns += 1;
        const removed = act.nodeGroupsToRemove ?? [];
        expect(removed).toHaveLength(observation.shards.length - act.desired);
        const kept = observation.shards.map((sh) => sh.id).filter((id) => !removed.includes(id));
        for (const r of removed) for (const k of kept) expect(memoryOf(r)).toBeLessThanOrEqual(memoryOf(k));
        const used = removed.reduce((a, r) => a + memoryOf(r), 0);
        const free = kept.reduce((a, k) => a + (100 - memoryOf(k)), 0);
        expect(free).toBeGreaterThanOrEqual(MEMORY_HEADROOM_FACTOR * used);
        // And the rest stays below the scale-out threshold (80) less the margin.
        const total = observation.shards.reduce((a, sh) => a + memoryOf(sh.id), 0);
        expect(total / act.desired).toBeLessThan(72);
      }),
      { numRuns: 400 },
    );
    expect(scaleIns).toBeGreaterThan(0);
  });

  it('one action at most, and never shards and replicas inside one cooldown', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { outcome, target } = run(s);
        const act = actionOf(outcome);
        if (!act) return;
        const cooldown = Math.max(target.cooldowns.scaleOutSeconds, target.cooldowns.scaleInSeconds);
        if (act.type === 'reshard' && s.replicasChangedAgo !== null)
          expect(s.replicasChangedAgo).toBeGreaterThanOrEqual(cooldown);
        if (act.type === 'replicas' && s.lastScaleInAgo !== null)
          expect(s.lastScaleInAgo).toBeGreaterThanOrEqual(target.cooldowns.scaleInSeconds);
        if (act.type === 'replicas') expect(act.desired).toBe(s.shards);
      }),
      { numRuns: 400 },
    );
  });

  it('a group Scalepilot must not scale is never acted on, and its refusal is recorded', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { outcome } = run(s);
        if (s.refusal === 'none')
          expect('skip' in outcome && outcome.skip === 'CacheShardsUnsupported').toBe(false);
        else expect(outcome).toMatchObject({ skip: 'CacheShardsUnsupported' });
      }),
      { numRuns: 400 },
    );
  });

  it('replicas per shard stay within replicaScaling, one step at a time', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const act = actionOf(run(s).outcome);
        if (act?.type !== 'replicas') return;
        expect(s.replicaScaling).toBe(true);
        expect(act.replicasPerShard).toBeGreaterThanOrEqual(0);
        expect(act.replicasPerShard).toBeLessThanOrEqual(3);
        expect(Math.abs((act.replicasPerShard as number) - s.replicas)).toBe(1);
      }),
      { numRuns: 400 },
    );
  });

  it('a reshard is done only when the group is available at the target count', () => {
    const statuses = fc.constantFrom('available', 'modifying', 'snapshotting');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        statuses,
        fc.boolean(),
        (from, to, now, status, recorded) => {
          const intent: PendingIntent = {
            id: 'i',
            from,
            to,
            at: ago(600),
            token: 1,
            reason: 'ScaleOut',
            recorded,
          };
          const settled = settleReshard(intent, group(now, 1, { status }));
          if (settled.status === 'done') expect([status, now]).toEqual(['available', to]);
          if (status !== 'available') expect(settled.status).toBe('in-flight');
          if (status === 'available' && now === from && from !== to && recorded)
            expect(settled.status).toBe('failed');
        },
      ),
      { numRuns: 400 },
    );
  });
});
