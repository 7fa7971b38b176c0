import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { functionRole } from '../../infra/functionAdapters';
import { DEFAULT_BOUNDARY } from '../../infra/permissionsBoundary';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import { EXAMPLE_POLICY } from '../harness/fixtures';
import { allows, cutByBoundary, deployPolicy, glob, list } from '../harness/iamBoundary';
import { grants } from '../harness/iamGrants';
import { slsPackage } from '../harness/slsPackage';
import { cfnLintFindings, checkovFailures, handlerPermissions } from '../harness/templateChecks';

// A role whose grants pass IAM's 10,240 characters inline (the predict function naming 38 predictive groups,
// twice each) keeps the rest in customer managed policies attached to it (infra/roleResources.ts): the real
// osls packages it, cfn-lint and checkov pass it, and the deploy policy can create and remove those policies.
type Resource = { Type: string; Properties: Record<string, any> };
let resources: Record<string, Resource>;
let templateFile: string;
let policyFile: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scalepilot-large-role-'));
  const policy = parse(readFileSync(EXAMPLE_POLICY, 'utf8'));
  const api = policy.targets.find((t: { name: string }) => t.name === 'api');
  policy.plans = [];
  policy.targets = Array.from({ length: 38 }, (_, i) => ({
    ...api,
    name: `api-${i}`,
    autoScalingGroupName: `${api.autoScalingGroupName}-${i}`,
  }));
  policyFile = join(dir, 'policy.yml');
  writeFileSync(policyFile, stringify(policy, { aliasDuplicateObjects: false }));
  await slsPackage(join(dir, 'out'), '--param', `policy=${policyFile}`);
  templateFile = join(dir, 'out', 'cloudformation-template-update-stack.json');
  resources = JSON.parse(readFileSync(templateFile, 'utf8')).Resources;
}, 120_000);

describe('the packaged stack of a role too large for its inline policy', () => {
  it('attaches managed policies to the predict role that, with its inline policy, grant exactly what the role grants', () => {
    const role = resources.PredictRole as Resource;
    const attached = (role.Properties.ManagedPolicyArns as { Ref: string }[]).map((r) => r.Ref);
    expect(attached.length).toBeGreaterThan(0);
    const parts = attached.map((id) => resources[id] as Resource);
    for (const part of parts) expect(part.Type).toBe('AWS::IAM::ManagedPolicy');
    const packaged = [
      ...role.Properties.Policies[0].PolicyDocument.Statement,
      ...parts.flatMap((p) => p.Properties.PolicyDocument.Statement),
    ];
    const built = functionRole('predict', loadPolicyFile(policyFile, { stage: 'prod' }), 'f', 'prod');
    const all = built.Properties.Policies[0]?.PolicyDocument.Statement ?? [];
    // The log group's name is the deployed function's: compared without it.
    const named = (list: string[]) => list.filter((g) => !g.includes('log-group'));
    expect(named(grants(packaged))).toEqual(named(grants(all)));
  });

  it('keeps the grants no group changes in the inline policy (CloudFormation updates the managed ones first)', () => {
    const role = resources.PredictRole as Resource;
    const parts = (role.Properties.ManagedPolicyArns as { Ref: string }[]).map(
      (r) => resources[r.Ref] as Resource,
    );
    const spilled = grants(parts.flatMap((p) => p.Properties.PolicyDocument.Statement));
    // Every managed policy holds a share of the groups' writes, and nothing else: the ledger, the topic, the kill
    // switch, the logs and the reads are inline.
    expect(spilled.filter((g) => !g.includes('autoScalingGroupName/event-platform-api-'))).toEqual([]);
  });

  it('passes cfn-lint and checkov', async () => {
    expect(await cfnLintFindings(templateFile)).toEqual([]);
    expect(await checkovFailures(templateFile)).toEqual([]);
  }, 180_000);

  it('can create and remove those policies with docs/iam-deploy-policy.json (attached to roles only)', async () => {
    const granted = new Set<string>(allows(deployPolicy()).flatMap((s) => list(s.Action)));
    const needed = [
      ...(await handlerPermissions('AWS::IAM::ManagedPolicy', 'create')),
      ...(await handlerPermissions('AWS::IAM::ManagedPolicy', 'update')),
      ...(await handlerPermissions('AWS::IAM::ManagedPolicy', 'delete')),
    ].filter((a) => !/Group|User/.test(a));
    expect(needed.filter((a) => !granted.has(a))).toEqual([]);
  }, 60_000);

  // The deployer may attach to a role only the stack's own managed policies (iam:PolicyARN scalepilot-*), and only
  // to a role with the boundary: the large roles keep both, and the boundary cuts none of their grants.
  it('bounds every role, attaches only policies the deploy policy lets it, and the boundary cuts none of their grants', () => {
    const roles = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::IAM::Role');
    for (const [id, role] of roles) expect(role.Properties.PermissionsBoundary, id).toEqual(DEFAULT_BOUNDARY);
    const attachable = allows(deployPolicy())
      .filter((s) => list(s.Action).includes('iam:AttachRolePolicy'))
      .map((s) => String(s.Condition?.ArnLike?.['iam:PolicyARN']));
    for (const [id, part] of Object.entries(resources).filter(
      ([, r]) => r.Type === 'AWS::IAM::ManagedPolicy',
    )) {
      // CloudFormation names an unnamed policy `<stack>-<logical ID>-<random>`: scalepilot-prod-….
      const name = part.Properties.ManagedPolicyName ?? `scalepilot-prod-${id}-ABCDEF123456`;
      const arn = `arn:aws:iam::123456789012:policy/${name}`;
      expect(
        attachable.some((p) => glob(p).test(arn)),
        arn,
      ).toBe(true);
    }
    expect(cutByBoundary(resources)).toEqual([]);
  });
});
