import { describe, expect, it } from 'vitest';
import { cacheMetricsFor, hottestPerPeriod } from '../../../shared/decision/cacheShards';
import { ago, cacheTarget, group } from './cacheShardsFixtures';

// The cache-shards model's metrics (issue 13): the series a rule reads, one per node, and how they combine.

describe('metrics: per node, combined by the hottest', () => {
  const target = cacheTarget();
  const [cpuRule, memoryRule] = target.rules;
  it('reads CPU on every node and memory on each primary, by CacheClusterId', () => {
    if (!cpuRule || !memoryRule) throw new Error('rules');
    const observation = group(2, 1);
    expect(cacheMetricsFor(target, cpuRule, observation).map((m) => m.dimensions)).toEqual([
      { CacheClusterId: 'rg-0001-001' },
      { CacheClusterId: 'rg-0001-002' },
      { CacheClusterId: 'rg-0002-001' },
      { CacheClusterId: 'rg-0002-002' },
    ]);
    expect(cacheMetricsFor(target, memoryRule, observation).map((m) => m.dimensions)).toEqual([
      { CacheClusterId: 'rg-0001-001' },
      { CacheClusterId: 'rg-0002-001' },
    ]);
  });
  it('keeps a rule with dimensions of its own as it is', () => {
    if (!memoryRule) throw new Error('rules');
    const rule = {
      ...memoryRule,
      metric: { ...memoryRule.metric, dimensions: { ReplicationGroupId: 'rg' } },
    };
    expect(cacheMetricsFor(target, rule, group(3))).toHaveLength(1);
  });
  it('combines the hottest per period', () => {
    const t = (s: number) => ago(s);
    expect(
      hottestPerPeriod([
        [
          { value: 10, timestamp: t(120) },
          { value: 50, timestamp: t(60) },
        ],
        [{ value: 30, timestamp: t(120) }],
      ]),
    ).toEqual([
      { value: 30, timestamp: t(120) },
      { value: 50, timestamp: t(60) },
    ]);
  });
});
