import { describe, expect, it } from 'vitest';
import { primaryPerPeriod, type ShardPrimary, shardPrimary } from '../../../shared/decision/cacheShardReads';
import type { MetricReading } from '../../../shared/decision/types';
import { ago, cacheRules, cacheTarget, evaluate, group, type Load, NOW } from './cacheShardsFixtures';

// A cluster-mode-enabled shard's primary after a failover (AWS promotes a replica on a node failure and in
// maintenance): DescribeReplicationGroups reports no CurrentRole then, so the node read for the rules other than
// CPU is the one ElastiCache's IsMaster metric names, read in the same GetMetricData. Defect: the first member was
// taken as the primary, and a replica's connections, commands or network read as the shard's.

const target = cacheTarget();
const memoryRule = target.rules[1];
const NODES = ['rg-0001-001', 'rg-0001-002', 'rg-0001-003'];

/** One datapoint of the minute that ended `endedAgo` seconds before NOW. */
const at = (value: number, endedAgo = 30): MetricReading => ({ value, timestamp: ago(endedAgo + 60) });

describe('the shard primary, chosen from IsMaster (each node’s newest fresh datapoint)', () => {
  it.each<{ name: string; roles: MetricReading[][]; want: ShardPrimary }>([
    {
      name: 'after a failover: 1 on the second member',
      roles: [[at(0)], [at(1)], [at(0)]],
      want: { how: 'metric', node: 'rg-0001-002' },
    },
    {
      name: 'before any failover: 1 on the first member',
      roles: [[at(1)], [at(0)], [at(0)]],
      want: { how: 'metric', node: 'rg-0001-001' },
    },
    {
      name: 'the newest datapoint counts: a failover a minute ago',
      roles: [
        [at(1, 90), at(0)],
        [at(0, 90), at(1)],
        [at(0, 90), at(0)],
      ],
      want: { how: 'metric', node: 'rg-0001-002' },
    },
    {
      name: 'no datapoint on any node (not published): the first member, assumed',
      roles: [[], [], []],
      want: { how: 'assumed', node: 'rg-0001-001' },
    },
    {
      name: 'stale on every node (older than the freshness window): the first member, assumed',
      roles: [[at(0, 600)], [at(1, 600)], [at(0, 600)]],
      want: { how: 'assumed', node: 'rg-0001-001' },
    },
    {
      name: 'a period still in progress does not count',
      roles: [[{ value: 0, timestamp: ago(30) }], [{ value: 1, timestamp: ago(30) }], []],
      want: { how: 'assumed', node: 'rg-0001-001' },
    },
    {
      name: 'two primaries: unknown, no guess',
      roles: [[at(1)], [at(1)], [at(0)]],
      want: { how: 'unknown', primaries: ['rg-0001-001', 'rg-0001-002'] },
    },
    {
      name: "none (a failover's minute: the Minimum is 0 on both): unknown",
      roles: [[at(0)], [at(0)], [at(0)]],
      want: { how: 'unknown', primaries: [] },
    },
    {
      name: 'the others silent, the one fresh node a replica: unknown (the primary may be a silent one)',
      roles: [[], [at(0)], []],
      want: { how: 'unknown', primaries: [] },
    },
    {
      name: 'the others silent, the one fresh node the primary: that node',
      roles: [[], [], [at(1)]],
      want: { how: 'metric', node: 'rg-0001-003' },
    },
    {
      name: 'a stale 1 beside a fresh 1: the fresh one (stale is no datapoint)',
      roles: [[at(1, 600)], [at(1)], [at(0)]],
      want: { how: 'metric', node: 'rg-0001-002' },
    },
  ])('$name', ({ roles, want }) => {
    if (!memoryRule) throw new Error('rules');
    expect(shardPrimary(target, memoryRule, NODES, roles, NOW)).toEqual(want);
  });
});

describe("the primary's series, period by period", () => {
  it.each<{ name: string; values: MetricReading[][]; roles: MetricReading[][]; want: number[] }>([
    {
      name: 'a failover inside the window: the old primary before, the promoted one after',
      values: [
        [at(900, 150), at(900, 90), at(20)],
        [at(10, 150), at(10, 90), at(900)],
      ],
      roles: [
        [at(1, 150), at(1, 90), at(0)],
        [at(0, 150), at(0, 90), at(1)],
      ],
      want: [900, 900, 900],
    },
    {
      name: "the failover's own minute (no node primary throughout it) is left out",
      values: [
        [at(900, 90), at(500)],
        [at(10, 90), at(500)],
      ],
      roles: [
        [at(1, 90), at(0)],
        [at(0, 90), at(0)],
      ],
      want: [900],
    },
  ])('$name', ({ values, roles, want }) => {
    expect(primaryPerPeriod(values, roles).map((p) => p.value)).toEqual(want);
  });
});

describe('a non-CPU rule read on the primary IsMaster names, through the gates', () => {
  const connections = {
    name: 'connections',
    type: 'step',
    metric: { namespace: 'AWS/ElastiCache', name: 'CurrConnections' },
    scaleOut: [{ above: 1000, add: 1 }],
    scaleIn: [{ below: 50, remove: 1 }],
  };
  const withConnections = cacheTarget({ rules: [...cacheRules(), connections] });
  /** Shard 0002 failed over to its second member, which now holds the clients (5000 connections). */
  const failedOver = (node: string) => {
    const promoted = node.startsWith('rg-0002') ? node.endsWith('-002') : node.endsWith('-001');
    return promoted ? 1 : 0;
  };
  /** Memory at 50% everywhere; connections `hot` on shard 0002's promoted member, `cold` on every other node. */
  const connectionsOn = (hot: number, cold: number) => (_shard: string, node: string, rule: string) =>
    rule !== 'connections' ? 50 : failedOver(node) === 1 && node.startsWith('rg-0002') ? hot : cold;
  it.each<{
    name: string;
    load: Load;
    want: { reason: string; connections: number | null; outcome: Record<string, unknown> };
  }>([
    {
      name: "after a failover: the promoted member's 5000 connections add a shard (defect: the replica's 20 read)",
      load: { memory: connectionsOn(5000, 20), cpu: () => 40, isPrimary: failedOver },
      want: {
        reason: 'ScaleOut',
        connections: 5000,
        outcome: { pass: true, act: { type: 'reshard', desired: 4 } },
      },
    },
    {
      name: 'no IsMaster datapoint: the first member read, and the primary said to be assumed',
      load: { memory: connectionsOn(5000, 100), cpu: () => 40, isPrimary: () => undefined },
      want: {
        reason: 'NoThresholdBreached',
        connections: 100,
        outcome: { pass: true, note: { gate: 'primary', outcome: 'passed' } },
      },
    },
    {
      name: 'two primaries on shard 0002: the rules read on primaries held, ShardPrimaryUnknown',
      load: {
        memory: connectionsOn(5000, 20),
        cpu: () => 40,
        isPrimary: (node) => (node.startsWith('rg-0002') ? 1 : failedOver(node)),
      },
      want: {
        reason: 'NoThresholdBreached',
        connections: null,
        outcome: {
          skip: 'ShardPrimaryUnknown',
          message: expect.stringContaining(
            'shard 0002: IsMaster names 2 primaries (rg-0002-001, rg-0002-002)',
          ),
        },
      },
    },
    {
      name: 'no primary on shard 0002 while every rule would scale in: not scaled in blind, ShardPrimaryUnknown',
      load: {
        memory: () => 10,
        cpu: () => 10,
        isPrimary: (node) => (node.startsWith('rg-0002') ? 0 : failedOver(node)),
      },
      want: {
        reason: 'ScaleInBlockedByMissingMetrics',
        connections: null,
        outcome: { skip: 'ShardPrimaryUnknown', message: expect.stringContaining('names no primary') },
      },
    },
    {
      name: 'no primary on shard 0002 while CPU asks for a shard: the scale-out goes ahead, the hold said',
      load: {
        memory: connectionsOn(5000, 20),
        cpu: () => 75,
        isPrimary: (node) => (node.startsWith('rg-0002') ? 0 : failedOver(node)),
      },
      want: {
        reason: 'ScaleOut',
        connections: null,
        outcome: {
          pass: true,
          act: { type: 'reshard', desired: 4 },
          note: {
            gate: 'primary',
            outcome: 'held',
            message: expect.stringContaining('memory, connections held'),
          },
        },
      },
    },
  ])('$name', ({ load, want }) => {
    const { decision, outcome } = evaluate(withConnections, group(3, 1), load);
    expect(decision.reason).toBe(want.reason);
    expect(decision.metrics.connections).toBe(want.connections);
    expect(outcome).toMatchObject(want.outcome);
  });
});
