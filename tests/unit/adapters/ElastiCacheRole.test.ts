import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stackResources } from '../../../infra/stackResources';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Policy } from '../../../shared/policy/schema';
import { examplePolicy } from '../../harness/fixtures';

// The cache-shards role (issue 13) against the calls its three adapters make, per client: the shard count
// capped with elasticache:NumNodeGroups, the replica count (only with replicaScaling) with
// elasticache:ReplicasPerNodeGroup, both numeric keys of the ElastiCache service authorization reference.

const prefixOf: Record<string, string> = {
  'client-elasticache': 'elasticache',
  'client-application-auto-scaling': 'application-autoscaling',
};
const adapters = ['ElastiCacheShardCapacity', 'ElastiCacheReplicaCount', 'ElastiCacheScalableTargets'];

function actionsCalledBy(adapter: string): string[] {
  const source = readFileSync(new URL(`../../../shared/adapters/${adapter}.ts`, import.meta.url), 'utf8');
  const client = /from '@aws-sdk\/(client-[a-z-]+)'/.exec(source)?.[1] ?? '';
  return [...source.matchAll(/new (\w+)Command\(/g)].map(([, name]) => `${prefixOf[client]}:${name}`);
}

type Statement = { Action: string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };
function cacheStatements(policy: Policy): Statement[] {
  const role = stackResources(policy, 'prod').Resources.ScaleCacheShardsRole as unknown as {
    Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] };
  };
  return role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
}

const readScaling = (): Policy => {
  const policy = examplePolicy();
  return validatePolicy({
    ...policy,
    targets: policy.targets.map((t) =>
      t.kind === 'cache-shards' ? { ...t, replicaScaling: { min: 1, max: 3, rules: ['engine-cpu'] } } : t,
    ),
  });
};

describe('the cache-shards role', () => {
  it('allows every call of its adapters when the target scales replicas', () => {
    const allowed = new Set(cacheStatements(readScaling()).flatMap((s) => s.Action));
    const needed = adapters.flatMap(actionsCalledBy);
    expect(needed).toContain('application-autoscaling:DescribeScalableTargets');
    expect(needed).toContain('elasticache:IncreaseReplicaCount');
    for (const action of needed) expect(allowed, `needs ${action}`).toContain(action);
  });

  it('caps the shard count with elasticache:NumNodeGroups at the policy range', () => {
    const [reshard] = cacheStatements(examplePolicy()).filter((s) =>
      s.Action.includes('elasticache:ModifyReplicationGroupShardConfiguration'),
    );
    expect(reshard?.Condition).toEqual({
      NumericGreaterThanEquals: { 'elasticache:NumNodeGroups': '3' },
      NumericLessThanEquals: { 'elasticache:NumNodeGroups': '6' },
    });
    expect(JSON.stringify(reshard?.Resource)).toContain('replicationgroup:event-platform-redis');
  });

  it('grants replica changes only with replicaScaling, capped with elasticache:ReplicasPerNodeGroup', () => {
    const replicaActions = (policy: Policy) =>
      cacheStatements(policy).filter((s) =>
        s.Action.some((a) => /ReplicaCount$|elasticache:AddTagsToResource/.test(a)),
      );
    expect(replicaActions(examplePolicy())).toEqual([]);
    const [counts, tag] = replicaActions(readScaling());
    expect(counts?.Condition).toEqual({
      NumericGreaterThanEquals: { 'elasticache:ReplicasPerNodeGroup': '1' },
      NumericLessThanEquals: { 'elasticache:ReplicasPerNodeGroup': '3' },
    });
    expect(tag?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['scalepilot:replicas-changed-at'] },
    });
  });
});
