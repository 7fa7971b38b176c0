import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BOUNDARY } from '../../infra/permissionsBoundary';
import {
  ACCOUNT,
  allows,
  boundaryPolicy,
  cutByBoundary,
  deployPolicy,
  filled,
  glob,
  list,
} from '../harness/iamBoundary';
import { slsPackage } from '../harness/slsPackage';
import { handlerPermissions } from '../harness/templateChecks';
import { loadPackagedStack, ofType, resources } from './packagedStackFixtures';

// The packaged stack against docs/iam-deploy-policy.json: what the deployer needs to deploy and remove it, and
// the permissions boundary that keeps the deployer from making itself account admin.

beforeAll(loadPackagedStack);

describe('the packaged stack', () => {
  it('can be deployed with docs/iam-deploy-policy.json: it covers every service the template uses', () => {
    const granted = new Set<string>(
      allows(deployPolicy()).flatMap((s) => list(s.Action).map((a) => a.split(':')[0] ?? '')),
    );
    const used = new Set(Object.values(resources).map((r) => r.Type.split('::')[1]?.toLowerCase()));
    for (const service of used)
      expect(granted, `${service} (a resource type of the template)`).toContain(service);
    expect(granted).toContain('iam'); // iam:PassRole for the functions' roles
  });

  // `sls remove` failed half-way on a real account: CloudFormation's IAM::Role handler lists a role's policies
  // before it deletes it, the Events::Rule handler lists a rule's targets, and the policy granted neither.
  it('can remove what it deploys with docs/iam-deploy-policy.json: every delete permission of each type it deletes', async () => {
    const granted = new Set<string>(allows(deployPolicy()).flatMap((s) => list(s.Action)));
    const deleted = new Set(
      Object.values(resources)
        .filter((r) => r.DeletionPolicy !== 'Retain')
        .map((r) => r.Type),
    );
    const missing: string[] = [];
    for (const type of deleted)
      for (const action of await handlerPermissions(type, 'delete'))
        if (!granted.has(action)) missing.push(`${type}: ${action}`);
    expect(missing).toEqual([]);
    // What the stack keeps (the ledger table, the log groups) the deployer cannot delete either.
    expect(granted).not.toContain('dynamodb:DeleteTable');
    expect(granted).not.toContain('logs:DeleteLogGroup');
  }, 60_000);

  // A security review: the deploy policy let its principal create a scalepilot-* role, attach AdministratorAccess
  // to it, pass it to a function of its own and run that: account admin. Every role it may write now carries
  // the permissions boundary, and the boundary lets the functions do what they are granted, and no more.
  describe('the deploy policy and the permissions boundary (defect: the deployer could make itself account admin)', () => {
    const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/scalepilot-boundary`;
    const ROLE_WRITES = [
      'iam:CreateRole',
      'iam:PutRolePolicy',
      'iam:AttachRolePolicy',
      'iam:DetachRolePolicy',
      'iam:DeleteRolePolicy',
      'iam:PutRolePermissionsBoundary',
    ];
    const allowing = (action: string) =>
      allows(deployPolicy()).filter((s) => list(s.Action).some((a) => glob(a, true).test(action)));
    const condition = (s: { Condition?: Record<string, Record<string, unknown>> }, op: string, key: string) =>
      s.Condition?.[op]?.[key];
    const readOnly = (action: string) => /^[a-z0-9-]+:(Describe|List|Get)[A-Za-z]*$/.test(action);

    it('lets the deployer create, or put or attach a policy to, a role only with the boundary on it', () => {
      const unbounded: string[] = [];
      for (const action of ROLE_WRITES) {
        expect(allowing(action).length, action).toBeGreaterThan(0);
        for (const s of allowing(action)) {
          const boundary = condition(s, 'StringEquals', 'iam:PermissionsBoundary');
          if (typeof boundary !== 'string' || filled(boundary) !== BOUNDARY)
            unbounded.push(`${s.Sid}: ${action}`);
        }
      }
      expect(unbounded).toEqual([]);
      // Attached: the stack's own managed policies only (its large roles' parts), never AdministratorAccess.
      for (const s of allowing('iam:AttachRolePolicy'))
        expect(condition(s, 'ArnLike', 'iam:PolicyARN'), s.Sid).toBe('arn:aws:iam::*:policy/scalepilot-*');
      // A role never loses its boundary, and the deployer can neither write nor replace the boundary itself.
      expect(allowing('iam:DeleteRolePermissionsBoundary')).toEqual([]);
      const denied = deployPolicy().filter((s) => s.Effect === 'Deny');
      const deniedOn = (action: string, arn: string) =>
        denied.some(
          (s) =>
            list(s.Action).includes(action) &&
            list(s.Resource as string).some((r) => glob(r).test(arn)) &&
            !s.Condition,
        );
      expect(deniedOn('iam:DeleteRolePermissionsBoundary', `arn:aws:iam::${ACCOUNT}:role/scalepilot-x`)).toBe(
        true,
      );
      for (const action of [
        'iam:CreatePolicy',
        'iam:CreatePolicyVersion',
        'iam:DeletePolicy',
        'iam:SetDefaultPolicyVersion',
      ])
        expect(deniedOn(action, BOUNDARY), action).toBe(true);
    });

    it('lets the deployer pass the roles only to the services the template gives them to', () => {
      const trusted = new Set(
        ofType('AWS::IAM::Role').flatMap(([, r]) =>
          (
            r.Properties.AssumeRolePolicyDocument.Statement as {
              Principal: { Service?: string | string[] };
            }[]
          ).flatMap((st) => list(st.Principal.Service)),
        ),
      );
      expect([...trusted]).toEqual(['lambda.amazonaws.com']);
      expect(allowing('iam:PassRole').length).toBeGreaterThan(0);
      for (const s of allowing('iam:PassRole')) {
        const services = list(condition(s, 'StringEquals', 'iam:PassedToService') as string | string[]);
        expect(services.length, s.Sid).toBeGreaterThan(0);
        for (const service of services) expect(trusted, `${s.Sid}: ${service}`).toContain(service);
      }
    });

    it('changes no key, log group, alarm or dashboard the stack does not make: none of their writes on "*" unconditioned', () => {
      const open: string[] = [];
      for (const s of allows(deployPolicy()))
        for (const action of list(s.Action)) {
          if (readOnly(action) || !/^(kms|logs|cloudwatch):/.test(action)) continue;
          if (list(s.Resource as string | string[]).includes('*') && !s.Condition)
            open.push(`${s.Sid}: ${action}`);
        }
      expect(open).toEqual([]);
      // The key administration needs the stack's tag on the key; its creation, the tag in the request.
      for (const action of [
        'kms:PutKeyPolicy',
        'kms:ScheduleKeyDeletion',
        'kms:EnableKeyRotation',
        'kms:UpdateKeyDescription',
      ])
        for (const s of allowing(action))
          expect(condition(s, 'StringLike', 'aws:ResourceTag/scalepilot:stack'), `${s.Sid}: ${action}`).toBe(
            'scalepilot-*',
          );
      for (const s of allowing('kms:ScheduleKeyDeletion'))
        expect(
          condition(s, 'NumericGreaterThanEquals', 'kms:ScheduleKeyDeletionPendingWindowInDays'),
          s.Sid,
        ).toBe('30');
      for (const s of allowing('kms:CreateKey'))
        expect(condition(s, 'StringLike', 'aws:RequestTag/scalepilot:stack'), s.Sid).toBe('scalepilot-*');
      // And the template's own keys, log groups, alarms and dashboards are within what the policy allows.
      for (const [id, key] of ofType('AWS::KMS::Key')) {
        expect(key.Properties.Tags, id).toContainEqual({ Key: 'scalepilot:stack', Value: 'scalepilot-prod' });
        expect(key.Properties.PendingWindowInDays, id).toBe(30);
      }
      const named = (action: string, arn: string) =>
        allowing(action).some((s) => list(s.Resource as string | string[]).some((r) => glob(r).test(arn)));
      const names = (type: string, property: string) => ofType(type).map(([, r]) => r.Properties[property]);
      const region = `us-east-1:${ACCOUNT}`;
      for (const name of names('AWS::Logs::LogGroup', 'LogGroupName'))
        for (const action of ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'])
          expect(named(action, `arn:aws:logs:${region}:log-group:${name}`), `${action} ${name}`).toBe(true);
      const alarms = names('AWS::CloudWatch::Alarm', 'AlarmName');
      expect(alarms.length).toBeGreaterThan(0);
      for (const name of alarms)
        for (const action of ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'])
          expect(named(action, `arn:aws:cloudwatch:${region}:alarm:${name}`), `${action} ${name}`).toBe(true);
      for (const name of names('AWS::CloudWatch::Dashboard', 'DashboardName'))
        for (const action of ['cloudwatch:PutDashboard', 'cloudwatch:DeleteDashboards'])
          expect(named(action, `arn:aws:cloudwatch::${ACCOUNT}:dashboard/${name}`), `${action} ${name}`).toBe(
            true,
          );
    });

    it('gives every role of the template the boundary', () => {
      const roles = ofType('AWS::IAM::Role');
      expect(roles.length).toBe(5);
      for (const [id, role] of roles) {
        const boundary = role.Properties.PermissionsBoundary;
        expect(boundary, id).toEqual(DEFAULT_BOUNDARY);
        expect(filled(boundary['Fn::Sub'])).toBe(BOUNDARY);
      }
    });

    it('the boundary lets every role do all it is granted, and allows no IAM, STS or Organizations action', () => {
      expect(cutByBoundary(resources)).toEqual([]);
      const actions = boundaryPolicy().flatMap((s) => list(s.Action));
      expect(actions.filter((a) => /^(iam|sts|organizations|account):/i.test(a) || a.includes('*'))).toEqual(
        [],
      );
      expect(boundaryPolicy().every((s) => s.Effect === 'Allow' && !('NotAction' in s))).toBe(true);
    });

    it('refuses a boundary that is not a policy ARN, before anything else', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'scalepilot-boundary-'));
      const result = await slsPackage(join(dir, 'out'), '--param', 'boundary=scalepilot-boundary').catch(
        (e) => e,
      );
      expect(result.code).not.toBe(0);
      expect(`${result.stdout}${result.stderr}`).toContain(
        `--param boundary: boundary: "scalepilot-boundary" is not a customer managed policy's ARN`,
      );
    });
  });
});
