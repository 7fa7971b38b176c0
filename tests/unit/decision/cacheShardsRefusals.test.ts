import { describe, expect, it } from 'vitest';
import { cacheShardsRefusals, supportsOnlineResharding } from '../../../shared/decision/cacheShards';
import { group } from './cacheShardsFixtures';

// The cache-shards model's refusals (issue 13): the groups it will not scale, and why.

describe('refusals: what validate, plan and every evaluation refuse', () => {
  it.each([
    { name: 'a supported Valkey group', observation: group(3), want: [] },
    {
      name: 'cluster mode disabled',
      observation: group(1, 1, { clusterEnabled: false }),
      want: [expect.stringContaining('cluster mode disabled')],
    },
    {
      name: 'cluster mode compatible (a migration to enabled under way): no scaling until it completes',
      observation: group(1, 1, { clusterEnabled: false, clusterMode: 'compatible' }),
      want: [expect.stringContaining('is in cluster mode compatible: ElastiCache allows no scaling')],
    },
    {
      name: 'a Global Datastore member',
      observation: group(3, 1, { globalDatastore: 'ldgnf-global' }),
      want: [expect.stringContaining('Global Datastore "ldgnf-global"')],
    },
    {
      name: 'data tiering (r6gd): its memory reads full by design',
      observation: group(3, 1, { dataTiering: true }),
      want: [expect.stringContaining('uses data tiering: its DRAM fills by design')],
    },
    {
      name: 'Redis OSS before online resharding (3.2.6)',
      observation: group(3, 1, { engine: 'redis', engineVersion: '3.2.6' }),
      want: [expect.stringContaining('needs Valkey or Redis OSS 3.2.10 or later')],
    },
    {
      name: 'Redis OSS 3.2.10',
      observation: group(3, 1, { engine: 'redis', engineVersion: '3.2.10' }),
      want: [],
    },
    { name: 'Redis OSS 7.1', observation: group(3, 1, { engine: 'redis', engineVersion: '7.1' }), want: [] },
    {
      name: 'an Application Auto Scaling scalable target',
      observation: group(3, 1, { scalableTargets: ['elasticache:replication-group:NodeGroups'] }),
      want: [expect.stringContaining('Application Auto Scaling scalable target')],
    },
  ])('$name', ({ observation, want }) => {
    expect(cacheShardsRefusals(observation)).toEqual(want);
  });
  it.each([
    { version: '3.2.4', ok: false },
    { version: '3.2.10', ok: true },
    { version: '4.0.10', ok: true },
    { version: '6.x', ok: true },
    { version: 'x', ok: false },
  ])('redis $version online resharding: $ok', ({ version, ok }) => {
    expect(supportsOnlineResharding('redis', version)).toBe(ok);
  });
});
