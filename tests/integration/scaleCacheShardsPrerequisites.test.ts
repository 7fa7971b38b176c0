import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateReplicationGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { cliOnEmulator } from '../harness/cliOnEmulator';
import { useEmulator } from '../harness/useEmulator';
import { cacheRules } from '../unit/decision/cacheShardsFixtures';

// `scalepilot validate --check-account` and `scalepilot plan` as the operator runs them (the real CLI in a
// child process) against moto. moto's Application Auto Scaling has no `elasticache` namespace, so the
// harness proxy answers DescribeScalableTargets (no target, or the native NodeGroups target a console user
// would have registered). moto creates a cluster-mode group only with ClusterMode "enabled", NumNodeGroups
// and explicit NodeGroupConfiguration slots.

const dir = mkdtempSync(join(tmpdir(), 'scalepilot-cache-prereq-'));

const emulator = useEmulator({ reset: false });
beforeEach(async () => {
  await emulator.reset();
  emulator.answer('DescribeScalableTargets', () => ({ ScalableTargets: [] }));
});

const client = () => new ElastiCacheClient(clientOptions(emulator.aws));

async function clusterModeGroup(id: string) {
  await client().send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: id,
      ReplicationGroupDescription: 'cluster mode enabled',
      Engine: 'valkey',
      CacheNodeType: 'cache.t4g.small',
      ClusterMode: 'enabled',
      NumNodeGroups: 2,
      ReplicasPerNodeGroup: 1,
      NodeGroupConfiguration: [
        { NodeGroupId: '0001', Slots: '0-8191', ReplicaCount: 1 },
        { NodeGroupId: '0002', Slots: '8192-16383', ReplicaCount: 1 },
      ],
    }),
  );
}

function policyFile(groupId: string): string {
  const file = join(dir, `${groupId}.yml`);
  writeFileSync(
    file,
    stringify({
      version: 1,
      targets: [
        {
          name: 'sessions',
          kind: 'cache-shards',
          replicationGroupId: groupId,
          capacity: { min: 2, max: 4 },
          rules: cacheRules(),
        },
      ],
    }),
  );
  return file;
}

const cli = (...args: string[]) => cliOnEmulator(emulator.endpoint, ...args);

const nativeTarget = () => ({
  ScalableTargets: [
    {
      ServiceNamespace: 'elasticache',
      ResourceId: 'replication-group/sessions-rg',
      ScalableDimension: 'elasticache:replication-group:NodeGroups',
      MinCapacity: 2,
      MaxCapacity: 6,
      RoleARN:
        'arn:aws:iam::123456789012:role/aws-service-role/elasticache.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ElastiCacheRG',
      CreationTime: 1_764_500_000,
    },
  ],
});

describe('validate --check-account refuses what cannot be resharded, with a clear line', () => {
  it('accepts a cluster-mode-enabled Valkey group', async () => {
    await clusterModeGroup('sessions-rg');
    const file = policyFile('sessions-rg');
    const result = await cli('validate', file, '--check-account');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('valid (1 target: sessions [cache-shards])');
  });

  it('refuses a group with a native scalable target (two autoscalers would fight)', async () => {
    await clusterModeGroup('sessions-rg');
    emulator.answer('DescribeScalableTargets', nativeTarget);
    const file = policyFile('sessions-rg');
    const result = await cli('validate', file, '--check-account');
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `${file}: targets[0] "sessions".replicationGroupId: replication group "sessions-rg" already has an Application Auto Scaling scalable target (elasticache:replication-group:NodeGroups): two autoscalers would fight; deregister it or remove this target`,
    ]);
    expect(result.stdout).toBe('');
  });

  it.each([
    {
      name: 'a group with cluster mode disabled',
      create: () =>
        client().send(
          new CreateReplicationGroupCommand({
            ReplicationGroupId: 'plain-rg',
            ReplicationGroupDescription: 'cluster mode disabled',
            Engine: 'valkey',
            CacheNodeType: 'cache.t4g.small',
            NumCacheClusters: 2,
          }),
        ),
      id: 'plain-rg',
      want: 'replication group "plain-rg" has cluster mode disabled',
    },
    {
      name: 'a group that does not exist',
      create: async () => undefined,
      id: 'missing-rg',
      want: 'ElastiCache replication group "missing-rg" does not exist',
    },
  ])('refuses $name', async ({ create, id, want }) => {
    await create();
    const result = await cli('validate', policyFile(id), '--check-account');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`targets[0] "sessions".replicationGroupId: ${want}`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('plan says the refusal, and its row records it', () => {
  it('a group with a native scalable target: the line on stderr, CacheShardsUnsupported, exit 1', async () => {
    await clusterModeGroup('sessions-rg');
    emulator.answer('DescribeScalableTargets', nativeTarget);
    const result = await cli('plan', policyFile('sessions-rg'), '--json');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('two autoscalers would fight');
    expect(JSON.parse(result.stdout).targets).toEqual([
      expect.objectContaining({
        target: 'sessions',
        current: 2,
        desired: 2,
        reason: 'CacheShardsUnsupported',
      }),
    ]);
  });
});
