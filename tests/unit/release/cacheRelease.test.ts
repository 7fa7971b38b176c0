import { describe, expect, it } from 'vitest';
import { cacheSteps, type ReleasePorts } from '../../../bin/lib/releaseSteps';
import type { CacheShardsObservation } from '../../../shared/decision/cacheShards';
import type { KindAction } from '../../../shared/decision/kindModel';
import type { MetricReading } from '../../../shared/decision/types';
import type { MetricQuery, MetricsReader } from '../../../shared/ports';
import { cacheTarget, group, NOW } from '../decision/cacheShardsFixtures';

// Issue 20, item 5: release shrank a cache without the headroom check scale-in uses. It now goes through the
// scale-in gates. In memory: moto answers ModifyReplicationGroupShardConfiguration (and DescribeEvents) with
// HTTP 500, so the cache's release is shown on its ports here (the groups and replicas run against moto in
// tests/integration/release.test.ts).

/** Per-node metrics: memory by shard, CPU by node; three fresh minutes each. */
function metrics(memory: (shard: string) => number, cpu = 20): MetricsReader {
  return {
    async recent(queries: readonly MetricQuery[]) {
      const values = new Map<string, MetricReading[]>();
      for (const q of queries) {
        const node = q.metric.dimensions.CacheClusterId ?? '';
        const shard = node.split('-').at(-2) ?? '';
        const value = q.metric.name === 'EngineCPUUtilization' ? cpu : memory(shard);
        values.set(
          q.id,
          [3, 2, 1].map((k) => ({ value, timestamp: new Date(NOW.getTime() - (30 + k * 60) * 1000) })),
        );
      }
      return { values, failures: [] };
    },
  };
}

function ports(observation: CacheShardsObservation, reader: MetricsReader) {
  const acted: KindAction[] = [];
  const p = {
    cache: {
      observe: async () => observation,
      act: async (_t: unknown, action: KindAction) => void acted.push(action),
    },
    metrics: reader,
    clock: { now: () => NOW },
  } as unknown as ReleasePorts;
  return { p, acted };
}

describe('release of a cache: the scale-in gates (defect: release shrank a cache without the headroom check)', () => {
  it('five shards to two: the three holding the least memory go, the others have the headroom', async () => {
    const memory = (s: string) => ({ '0001': 10, '0002': 12, '0003': 5, '0004': 6, '0005': 7 })[s] ?? 0;
    const { p, acted } = ports(group(5), metrics(memory));
    const [step] = await cacheSteps(cacheTarget(), p);
    expect(step?.description).toMatch(/rg: 5 → 2 shards, removing shard\(s\) 0003 .*0004 .*0005/);
    await step?.apply?.();
    expect(acted).toEqual([{ type: 'reshard', desired: 2, nodeGroupsToRemove: ['0003', '0004', '0005'] }]);
  });

  it.each([
    {
      name: 'memory: the shards that stay cannot take the data (1.5× headroom)',
      memory: () => 45,
      cpu: 20,
      want: /refused \(InsufficientMemoryHeadroom\): removing shard\(s\) .* needs .* free on the others/,
    },
    {
      name: 'engine CPU at 85% (slot migration needs CPU)',
      memory: () => 5,
      cpu: 85,
      want: /refused \(ReshardBlockedByCpu\): .*engine CPU 85% ≥ 80%/,
    },
  ])('refuses: $name; nothing is changed', async ({ memory, cpu, want }) => {
    const { p, acted } = ports(group(4), metrics(memory, cpu));
    const steps = await cacheSteps(cacheTarget(), p);
    expect(steps).toHaveLength(1);
    expect(steps[0]?.refused).toBe(true);
    expect(steps[0]?.apply).toBeUndefined();
    expect(steps[0]?.description).toMatch(want);
    expect(acted).toEqual([]);
  });

  it('at its minimum: nothing to do', async () => {
    const { p } = ports(
      group(2),
      metrics(() => 5),
    );
    expect((await cacheSteps(cacheTarget(), p)).map((s) => s.description)).toEqual([
      'replication group rg at 2 shards, its minimum',
    ]);
  });
});
