import { describe, expect, it } from 'vitest';
import { cacheMetricsFor, hottestPerPeriod } from '../../../shared/decision/cacheShards';
import { ago, cacheRules, cacheTarget, group } from './cacheShardsFixtures';

// The cache-shards model's metrics (issue 13): the series a rule reads, one per node, and how they combine.

describe('metrics: per node, combined by the hottest', () => {
  const target = cacheTarget();
  const [cpuRule, memoryRule] = target.rules;
  const read = (m: { name: string; statistic: string; dimensions: Record<string, string> }) =>
    `${m.name} ${m.statistic} ${m.dimensions.CacheClusterId}`;
  it("reads CPU on every node; memory on every node with each node's IsMaster, by CacheClusterId", () => {
    if (!cpuRule || !memoryRule) throw new Error('rules');
    const observation = group(2, 1);
    // With each node's host CPU for the reshard gate, in the same GetMetricData (review s52).
    expect(cacheMetricsFor(target, cpuRule, observation).map(read)).toEqual([
      'EngineCPUUtilization Average rg-0001-001',
      'EngineCPUUtilization Average rg-0001-002',
      'CPUUtilization Average rg-0001-001',
      'CPUUtilization Average rg-0001-002',
      'EngineCPUUtilization Average rg-0002-001',
      'EngineCPUUtilization Average rg-0002-002',
      'CPUUtilization Average rg-0002-001',
      'CPUUtilization Average rg-0002-002',
    ]);
    expect(cacheMetricsFor(target, memoryRule, observation).map(read)).toEqual([
      'DatabaseMemoryUsagePercentage Average rg-0001-001',
      'DatabaseMemoryUsagePercentage Average rg-0001-002',
      'IsMaster Minimum rg-0001-001',
      'IsMaster Minimum rg-0001-002',
      'DatabaseMemoryUsagePercentage Average rg-0002-001',
      'DatabaseMemoryUsagePercentage Average rg-0002-002',
      'IsMaster Minimum rg-0002-001',
      'IsMaster Minimum rg-0002-002',
    ]);
  });
  it('reads memory on the one node a shard has, or the primary CurrentRole names, without IsMaster', () => {
    if (!memoryRule) throw new Error('rules');
    const described = group(2, 1);
    const observation = {
      ...described,
      shards: [
        { ...described.shards[0], id: '0001', status: 'available', nodes: [{ id: 'rg-0001-001' }] },
        {
          id: '0002',
          status: 'available',
          nodes: [
            { id: 'rg-0002-001', role: 'replica' as const },
            { id: 'rg-0002-002', role: 'primary' as const },
          ],
        },
      ],
    };
    expect(cacheMetricsFor(target, memoryRule, observation).map(read)).toEqual([
      'DatabaseMemoryUsagePercentage Average rg-0001-001',
      'DatabaseMemoryUsagePercentage Average rg-0002-002',
    ]);
  });
  it.each([
    {
      name: 'a rule on the host CPU per node of its own: its reads serve the gate, none added',
      rules: [
        {
          ...cacheRules()[0],
          name: 'host-cpu',
          metric: { namespace: 'AWS/ElastiCache', name: 'CPUUtilization' },
        },
      ],
      want: { 'engine-cpu': 4, memory: 8, 'host-cpu': 4 },
    },
    {
      name: 'two rules on engine CPU: the first carries the host CPU, once',
      rules: [
        {
          ...cacheRules()[0],
          name: 'engine-cpu-max',
          metric: { namespace: 'AWS/ElastiCache', name: 'EngineCPUUtilization', statistic: 'Maximum' },
        },
      ],
      want: { 'engine-cpu': 8, memory: 8, 'engine-cpu-max': 4 },
    },
  ])('host CPU is read once a node: $name', ({ rules, want }) => {
    const t = cacheTarget({ rules: [...cacheRules(), ...rules] });
    expect(
      Object.fromEntries(t.rules.map((r) => [r.name, cacheMetricsFor(t, r, group(2, 1)).length])),
    ).toEqual(want);
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
