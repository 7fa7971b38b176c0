import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { EXAMPLE_POLICY } from '../harness/fixtures';
import { slsPackage } from '../harness/slsPackage';

// The real osls CLI packages the stack (offline, dummy credentials) from the example policy with read
// scaling on its cache target; the cache-shards role in the template it wrote caps what it may ask for.

type Statement = { Effect: string; Action: string[]; Resource: unknown; Condition?: Record<string, unknown> };
let statements: Statement[];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scalepilot-cache-package-'));
  const policy = parse(readFileSync(EXAMPLE_POLICY, 'utf8'));
  for (const target of policy.targets)
    if (target.kind === 'cache-shards') target.replicaScaling = { min: 1, max: 2, rules: ['engine-cpu'] };
  const file = join(dir, 'policy.yml');
  writeFileSync(file, stringify(policy));
  await slsPackage(join(dir, 'out'), '--param', `policy=${file}`);
  const template = JSON.parse(
    readFileSync(join(dir, 'out', 'cloudformation-template-update-stack.json'), 'utf8'),
  );
  const role = template.Resources.ScaleCacheShardsRole;
  statements = role.Properties.Policies.flatMap(
    (p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement,
  );
});

const withAction = (action: string) => statements.filter((s) => s.Action.includes(action));

describe('the packaged cache-shards role', () => {
  it('caps the shard count with elasticache:NumNodeGroups at the policy range (3..6)', () => {
    const [reshard, ...others] = withAction('elasticache:ModifyReplicationGroupShardConfiguration');
    expect(others).toEqual([]);
    expect(reshard?.Condition).toEqual({
      NumericGreaterThanEquals: { 'elasticache:NumNodeGroups': '3' },
      NumericLessThanEquals: { 'elasticache:NumNodeGroups': '6' },
    });
    expect(JSON.stringify(reshard?.Resource)).toContain(':replicationgroup:event-platform-redis');
  });

  it('caps the replica count with elasticache:ReplicasPerNodeGroup at replicaScaling (1..2)', () => {
    for (const action of ['elasticache:IncreaseReplicaCount', 'elasticache:DecreaseReplicaCount']) {
      const [statement, ...others] = withAction(action);
      expect(others).toEqual([]);
      expect(statement?.Condition).toEqual({
        NumericGreaterThanEquals: { 'elasticache:ReplicasPerNodeGroup': '1' },
        NumericLessThanEquals: { 'elasticache:ReplicasPerNodeGroup': '2' },
      });
    }
  });

  it('reads scalable targets, events and tags, and tags only the replica-change time', () => {
    // Reads on * (they take no resource ARN), one statement per adapter (infra/functionAdapters.ts).
    const reads = statements.filter((s) => s.Resource === '*').flatMap((s) => s.Action);
    expect(reads).toEqual(
      expect.arrayContaining([
        'elasticache:DescribeReplicationGroups',
        'application-autoscaling:DescribeScalableTargets',
        'elasticache:DescribeEvents',
        'elasticache:ListTagsForResource',
      ]),
    );
    const [tagging] = withAction('elasticache:AddTagsToResource');
    expect(tagging?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['scalepilot:replicas-changed-at'] },
    });
  });
});
