import { describe, expect, it } from 'vitest';
import type { Statement } from '../../../infra/functionPermissions';
import { stackResources } from '../../../infra/stackResources';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Policy } from '../../../shared/policy/schema';
import { examplePolicy } from '../../harness/fixtures';

// A role past its inline 10,240 characters keeps the rest in managed policies, and CloudFormation updates
// those (in parallel) before the role: a grant that moves between the role's documents when a target is added
// or removed is missing for the moment between the two updates. The grants no target changes (the ledger, the
// topic and its key, the kill switch, the logs, the dead-letter queue, the reads) must stay in the inline
// policy at every size, so a deploy that adds a group never leaves a run without them.

/**
 * `groups` copies of the example's API group (predictive) and `databases` of its read-replica target, each
 * named `fleet-…` (its group, its source instance), and nothing of the example's own.
 */
function fleet(groups: number, databases = 0): Policy {
  const example = examplePolicy();
  const api = example.targets.find((t) => t.kind === 'asg');
  const db = example.targets.find((t) => t.kind === 'rds-replicas');
  const targets = [
    ...Array.from({ length: groups }, (_, i) => ({
      ...api,
      name: `fleet-api-${i}`,
      autoScalingGroupName: `fleet-api-${i}`,
      predictive: true,
    })),
    ...Array.from({ length: databases }, (_, i) => ({
      ...db,
      name: `fleet-db-${i}`,
      sourceDbInstanceIdentifier: `fleet-db-${i}`,
    })),
  ];
  const keys = { thresholdAlarms: false, targetDashboards: false };
  return validatePolicy(
    JSON.parse(JSON.stringify({ ...example, plans: [], targets, fleet: { ...example.fleet, ...keys } })),
  );
}

type Resource = { Type: string; Properties: Record<string, any> };

/** Each (action, condition, resource) the role grants, with the document that holds it. */
function placement(resources: Record<string, Resource>, roleId: string): Map<string, string> {
  const where = new Map<string, string>();
  const put = (document: string, statements: readonly Statement[]) => {
    for (const s of statements)
      for (const r of Array.isArray(s.Resource) ? s.Resource : [s.Resource])
        for (const a of s.Action) where.set(JSON.stringify([a, s.Condition ?? null, r]), document);
  };
  const role = resources[roleId] as Resource;
  put('inline', role.Properties.Policies[0].PolicyDocument.Statement);
  for (const { Ref } of role.Properties.ManagedPolicyArns ?? [])
    put(Ref, (resources[Ref] as Resource).Properties.PolicyDocument.Statement);
  return where;
}

/** A grant on no target of the policy: neither its resource nor its condition names one. */
const targetFree = (grant: string) => !grant.includes('fleet-');

describe('roleResources: the grants no target changes stay inline however many targets', () => {
  it.each([
    { name: 'predict, 38 predictive groups', role: 'PredictRole', n: 38 },
    { name: 'predict, 61 predictive groups', role: 'PredictRole', n: 61 },
    { name: 'predict, 150 predictive groups', role: 'PredictRole', n: 150 },
    { name: 'scaleAsg, 100 groups', role: 'ScaleAsgRole', n: 100 },
    { name: 'scaleAsg, 200 groups', role: 'ScaleAsgRole', n: 200 },
    { name: 'scaleRdsReplicas, 30 read-replica targets', role: 'ScaleRdsReplicasRole', n: 0, databases: 30 },
  ])('$name', ({ role, n, databases }) => {
    const where = placement(
      stackResources(fleet(n, databases), 'prod').Resources as Record<string, Resource>,
      role,
    );
    const spilled = [...where].filter(([grant, document]) => targetFree(grant) && document !== 'inline');
    expect(spilled.map(([grant, document]) => `${document}: ${grant}`)).toEqual([]);
  });

  it('keeps every grant where it was when a group is added, but for the groups’ own (38 to 39, 61 to 62 predictive groups)', () => {
    for (const n of [38, 61]) {
      const before = placement(
        stackResources(fleet(n), 'prod').Resources as Record<string, Resource>,
        'PredictRole',
      );
      const after = placement(
        stackResources(fleet(n + 1), 'prod').Resources as Record<string, Resource>,
        'PredictRole',
      );
      const moved = [...before].filter(
        ([grant, document]) => targetFree(grant) && after.get(grant) !== document,
      );
      expect(moved).toEqual([]);
    }
  });
});
