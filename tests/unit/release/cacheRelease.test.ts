import { describe, expect, it } from 'vitest';
import { cacheSteps, type ReleasePorts } from '../../../bin/lib/releaseSteps';
import type { CacheShardsObservation } from '../../../shared/decision/cacheShards';
import type { KindAction } from '../../../shared/decision/kindModel';
import type { MetricReading } from '../../../shared/decision/types';
import type { MetricQuery, MetricsReader } from '../../../shared/ports';
import { ago, cacheTarget, firstMemberPrimary, group, NOW } from '../decision/cacheShardsFixtures';

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
        // IsMaster as ElastiCache publishes it on a group that never failed over.
        const value =
          q.metric.name === 'IsMaster'
            ? firstMemberPrimary(node)
            : q.metric.name === 'EngineCPUUtilization'
              ? cpu
              : memory(shard);
        values.set(
          q.id,
          [3, 2, 1].map((k) => ({ value, timestamp: new Date(NOW.getTime() - (30 + k * 60) * 1000) })),
        );
      }
      return { values, failures: [] };
    },
  };
}

function ports(observation: CacheShardsObservation, reader: MetricsReader, ledger?: ReleasePorts['ledger']) {
  const acted: KindAction[] = [];
  const p = {
    ...(ledger ? { ledger } : {}),
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

/** A ledger whose record of the target remembers `failedRemovals` (or that cannot be read). */
function ledgerWith(failedRemovals: Record<string, Date> | Error): ReleasePorts['ledger'] {
  return {
    read: async () => {
      if (failedRemovals instanceof Error) throw failedRemovals;
      return { history: { recommendations: [], changes: [] }, failures: 0, failedRemovals };
    },
  };
}

// Defect: release chose the shards to remove without the ledger's memory of those AWS kept on a scale-in (a
// shard holding an item over 256 MB serialised is not deleted), so it asked AWS to remove one again.
describe('release of a cache: the shards AWS kept on a scale-in (defect: release asked for them again)', () => {
  const memory = (s: string) => ({ '0001': 10, '0002': 12, '0003': 5, '0004': 6, '0005': 7 })[s] ?? 0;
  it.each([
    {
      name: 'the least-memory shard kept an hour ago: left out, named in the plan; the next least go',
      ledger: ledgerWith({ '0003': ago(3600) }),
      removed: ['0001', '0004', '0005'],
      lines: [
        /^keep shard 0003 of rg: AWS kept it when a scale-in asked to remove it \(2026-11-30T11:00:30.000Z; a key over 256 MB/,
      ],
    },
    {
      name: 'kept 25 h ago: tried again (the memory lasts 24 h)',
      ledger: ledgerWith({ '0003': ago(25 * 3600) }),
      removed: ['0003', '0004', '0005'],
      lines: [],
    },
    {
      name: 'the ledger cannot be read: one line, and the choice of today',
      ledger: ledgerWith(new Error('AccessDenied')),
      removed: ['0003', '0004', '0005'],
      lines: [/^ledger not read \(AccessDenied\): shards chosen without the ones AWS kept/],
    },
  ])('$name', async ({ ledger, removed, lines }) => {
    const { p, acted } = ports(group(5), metrics(memory), ledger);
    const steps = await cacheSteps(cacheTarget(), p);
    const reshard = steps.at(-1);
    expect(steps.slice(0, -1).map((s) => s.description)).toEqual(lines.map((l) => expect.stringMatching(l)));
    expect(steps.slice(0, -1).every((s) => s.apply === undefined)).toBe(true);
    await reshard?.apply?.();
    expect(acted).toHaveLength(1);
    const asked = (acted[0] as { nodeGroupsToRemove?: string[] }).nodeGroupsToRemove ?? [];
    expect([...asked].sort()).toEqual(removed);
  });

  it('too few shards left besides those kept: refused (NoRemovableShard), nothing asked of AWS', async () => {
    const kept = { '0001': ago(60), '0002': ago(60), '0003': ago(60) };
    const { p, acted } = ports(group(5), metrics(memory), ledgerWith(kept));
    const steps = await cacheSteps(cacheTarget(), p);
    expect(steps.at(-1)?.refused).toBe(true);
    expect(steps.at(-1)?.description).toMatch(/refused \(NoRemovableShard\): .*AWS kept shard\(s\) 0001/);
    expect(steps.filter((s) => s.apply)).toEqual([]);
    expect(acted).toEqual([]);
  });
});
