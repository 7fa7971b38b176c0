import { describe, expect, it } from 'vitest';
import { cacheCapacity, memoryHeadroom, shardsToRemove } from '../../../shared/decision/cacheShards';
import { group } from './cacheShardsFixtures';

// The cache-shards model's capacity view (issue 13), the shards a scale-in removes and the headroom it needs.

describe('capacity, removal choice and headroom', () => {
  it('counts shards; busy while the group or a shard is not available', () => {
    expect(cacheCapacity(group(3))).toEqual({ current: 3, serving: 3, liveMin: 1, liveMax: 500 });
    expect(cacheCapacity(group(3, 1, { status: 'modifying' })).busy).toBe('replication group is modifying');
  });
  it.each([
    {
      name: 'least memory first',
      memory: { '0001': 10, '0002': 5, '0003': 7 },
      count: 2,
      want: ['0002', '0003'],
    },
    {
      name: 'ties: the highest-numbered',
      memory: { '0001': 5, '0002': 5, '0003': 9 },
      count: 1,
      want: ['0002'],
    },
  ])('$name', ({ memory: m, count, want }) => {
    expect(shardsToRemove(new Map(Object.entries(m)), count)).toEqual(want);
  });
  it.each([
    { name: '1.5× exactly is enough', memory: { a: 40, b: 40 }, removed: ['a'], ok: true },
    { name: 'less is not', memory: { a: 41, b: 41 }, removed: ['a'], ok: false },
  ])('$name', ({ memory: m, removed, ok }) => {
    expect(memoryHeadroom(new Map(Object.entries(m)), removed).ok).toBe(ok);
  });
});
