import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { replicaId } from '../../shared/decision/rdsReplicasNames';
import { EXAMPLE_POLICY } from '../harness/fixtures';
import { slsPackage } from '../harness/slsPackage';
import { rdsTarget } from '../unit/decision/rdsReplicasFixtures';

// Issue 20, item 1: with sources `db` and `db-sp-main` in one policy, the role's replica pattern `db:db-sp-*`
// matched the second source, `rds:AddTagsToResource` with request tags let the function tag it as its own
// replica, and the tag-conditioned DeleteDBInstance then allowed deleting it. The real osls CLI packages a
// stack with such a pair (and an Aurora cluster, and an encrypted source), and every mutating RDS statement
// of every role is matched, as IAM matches (`*`, `?`), against every identifier the policy names.

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
/** The RDS actions that change an instance or a cluster (Create is authorised against the source but makes only the replica). */
const MUTATING =
  /^rds:(Delete|Modify|Reboot|Promote|Stop|Start|Failover|Restore|AddTagsToResource|RemoveTagsFromResource|AddRoleTo|RemoveRoleFrom|Switchover)/;
const SUBSTITUTIONS = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
};

type Statement = {
  Effect: string;
  Action: string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
type Target = { name: string; source: string; aurora: boolean };
let roles: Record<string, Statement[]>;
let targets: Target[];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scalepilot-rds-privilege-'));
  const policy = parse(readFileSync(EXAMPLE_POLICY, 'utf8'));
  const extra = [
    { name: 'db', sourceDbInstanceIdentifier: 'db', sourceKmsKeyArn: KEY },
    { name: 'db-main', sourceDbInstanceIdentifier: 'db-sp-main' },
    { name: 'orders', sourceDbInstanceIdentifier: 'orders', aurora: true },
  ].map((t) => JSON.parse(JSON.stringify(rdsTarget(t))));
  policy.targets.push(...extra);
  const file = join(dir, 'policy.yml');
  writeFileSync(file, stringify(policy));
  await slsPackage(join(dir, 'out'), '--param', `policy=${file}`);
  const template = JSON.parse(
    readFileSync(join(dir, 'out', 'cloudformation-template-update-stack.json'), 'utf8'),
  );
  roles = Object.fromEntries(
    Object.entries(template.Resources as Record<string, { Type: string; Properties: any }>)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .map(([id, r]) => [
        id,
        (r.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) =>
          p.PolicyDocument.Statement.filter((s) => s.Effect === 'Allow'),
        ),
      ]),
  );
  targets = (policy.targets as Record<string, unknown>[])
    .filter((t) => t.kind === 'rds-replicas')
    .map((t) => ({
      name: String(t.name),
      source: String(t.sourceDbInstanceIdentifier),
      aurora: t.aurora === true,
    }));
}, 240_000);

/** A Resource entry as IAM matches it: the ARN with the stack's pseudo parameters filled in, `*` and `?` wildcards. */
function matcher(resource: unknown): RegExp {
  const text =
    typeof resource === 'string' ? resource : String((resource as { 'Fn::Sub': string })['Fn::Sub']);
  const arn = text.replace(
    /\$\{([A-Za-z:]+)\}/g,
    (_, name: keyof typeof SUBSTITUTIONS) => SUBSTITUTIONS[name],
  );
  const pattern = arn
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`);
}
const arnOf = (type: 'db' | 'cluster', id: string) => `arn:aws:rds:us-east-1:123456789012:${type}:${id}`;
/** The target a statement belongs to: its condition on Scalepilot's target tag (none: every target's). */
const ownerOf = (s: Statement) =>
  s.Condition?.StringEquals?.['rds:db-tag/scalepilot:target'] ??
  s.Condition?.StringEquals?.['aws:RequestTag/scalepilot:target'];

describe('no role can mutate a source, a cluster or another target’s replica (defect: one RDS target could delete another’s source)', () => {
  it('every mutating RDS statement of every role misses every source, cluster and other target’s replica', () => {
    const named = targets.flatMap((t) => [
      { what: `source ${t.source}`, arn: arnOf(t.aurora ? 'cluster' : 'db', t.source), of: undefined },
      ...Array.from({ length: 99 }, (_, i) => ({
        what: `replica ${replicaId(t.source, i + 1)} of ${t.name}`,
        arn: arnOf('db', replicaId(t.source, i + 1)),
        of: t.name,
      })),
    ]);
    const reached: string[] = [];
    let checked = 0;
    for (const [role, statements] of Object.entries(roles))
      for (const statement of statements) {
        const actions = statement.Action.filter((a) => MUTATING.test(a));
        if (actions.length === 0) continue;
        checked += 1;
        const owner = ownerOf(statement);
        for (const resource of [statement.Resource].flat()) {
          const re = matcher(resource);
          for (const id of named)
            if (id.of !== owner && re.test(id.arn))
              reached.push(`${role}: ${actions.join(', ')} of ${owner ?? 'no target'} reaches ${id.what}`);
        }
      }
    expect(checked).toBeGreaterThanOrEqual(4 * 3);
    expect(reached).toEqual([]);
  });

  it('each target’s statements do reach its own replicas (the check above can see a match)', () => {
    const statements = roles.ScaleRdsReplicasRole ?? [];
    for (const t of targets) {
      const deletes = statements.filter(
        (s) => s.Action.includes('rds:DeleteDBInstance') && ownerOf(s) === t.name,
      );
      expect(deletes, t.name).toHaveLength(1);
      const own = [1, 15, 99].map((n) => arnOf('db', replicaId(t.source, n)));
      for (const arn of own)
        expect(
          [deletes[0]?.Resource].flat().some((r) => matcher(r).test(arn)),
          `${t.name}: ${arn}`,
        ).toBe(true);
    }
  });

  it('grants kms:CreateGrant on the encrypted source’s key, through RDS, to the RDS role only', () => {
    const withGrant = Object.entries(roles).flatMap(([role, statements]) =>
      statements.filter((s) => s.Action.includes('kms:CreateGrant')).map((s) => ({ role, s })),
    );
    expect(withGrant.map(({ role, s }) => [role, s.Resource])).toEqual([['ScaleRdsReplicasRole', KEY]]);
    expect(JSON.stringify(withGrant[0]?.s.Condition)).toContain(`rds.\${AWS::Region}.amazonaws.com`);
  });
});
