import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DEFAULT_BOUNDARY } from '../../infra/permissionsBoundary';
import { FRAMEWORK_BYTES, FRAMEWORK_RESOURCES } from '../../infra/stackLimits';
import { stackResources } from '../../infra/stackResources';
import { alarmDefinitions } from '../../shared/policy/alarmDefinitions';
import { EXAMPLE_POLICY, examplePolicy } from '../harness/fixtures';
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
import { exampleTemplate, slsPackage } from '../harness/slsPackage';
import { cfnLintFindings, checkovFailures, handlerPermissions } from '../harness/templateChecks';

// The real osls CLI packages the real stack, offline, with dummy credentials; cfn-lint and checkov read
// the template it wrote.
const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

type Resource = {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
let resources: Record<string, Resource>;
let templateFile: string;

beforeAll(async () => {
  templateFile = await exampleTemplate();
  resources = JSON.parse(readFileSync(templateFile, 'utf8')).Resources;
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

describe('the packaged stack', () => {
  it('has one alarm per policy threshold, each invoking the function of its kind', () => {
    const expected = alarmDefinitions(examplePolicy(), 'prod');
    const alarms = ofType('AWS::CloudWatch::Alarm').filter(([, r]) =>
      JSON.stringify(r.Properties.AlarmActions).includes('LambdaFunction'),
    );
    expect(alarms).toHaveLength(expected.length);
    const functionIds = {
      scaleAsg: 'ScaleAsgLambdaFunction',
      scaleRdsReplicas: 'ScaleRdsReplicasLambdaFunction',
      scaleCacheShards: 'ScaleCacheShardsLambdaFunction',
    };
    for (const definition of expected) {
      const [, alarm] = alarms.find(([, r]) => r.Properties.AlarmName === definition.alarmName) ?? [];
      expect(alarm, definition.alarmName).toBeDefined();
      const fnArn = {
        'Fn::GetAtt': [functionIds[definition.functionName as keyof typeof functionIds], 'Arn'],
      };
      expect(alarm?.Properties.AlarmActions).toEqual([fnArn]);
      expect(alarm?.Properties.Threshold).toBe(definition.threshold);
      expect(alarm?.DependsOn).toEqual([`${fnArn['Fn::GetAtt'][0]}AlarmsPermission`]);
    }
    // One permission per scaler for the stage's alarms (a permission per alarm passed Lambda's 20 KB resource
    // policy at about 50 alarms): restricted to this account and this stage's alarm names.
    const alarmPermissions = ofType('AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal === 'lambda.alarms.cloudwatch.amazonaws.com',
    );
    const scalers = [
      ...new Set(expected.map((d) => functionIds[d.functionName as keyof typeof functionIds])),
    ];
    expect(alarmPermissions.map(([id]) => id).sort()).toEqual(
      scalers.map((f) => `${f}AlarmsPermission`).sort(),
    );
    for (const [id, permission] of alarmPermissions)
      expect(permission.Properties, id).toEqual({
        FunctionName: { 'Fn::GetAtt': [id.replace(/AlarmsPermission$/, ''), 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'lambda.alarms.cloudwatch.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: {
          'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:scalepilot-prod.*`,
        },
      });
  });

  it('holds what the framework adds within what the stack limits count for it (infra/stackLimits.ts)', () => {
    const ours = stackResources(examplePolicy(), 'prod').Resources;
    const framework = Object.fromEntries(Object.entries(resources).filter(([id]) => !(id in ours)));
    const template = JSON.parse(readFileSync(templateFile, 'utf8'));
    expect(Object.keys(framework).length).toBeLessThanOrEqual(FRAMEWORK_RESOURCES);
    expect(JSON.stringify({ ...template, Resources: framework }).length).toBeLessThanOrEqual(FRAMEWORK_BYTES);
  });

  it('runs every function on nodejs22.x arm64 with its own role and a DLQ; scalers every minute, costs daily', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual([
      'AlertCostLambdaFunction',
      'PredictLambdaFunction',
      'ScaleAsgLambdaFunction',
      'ScaleCacheShardsLambdaFunction',
      'ScaleRdsReplicasLambdaFunction',
    ]);
    const roles = new Set<string>();
    for (const [, fn] of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.DeadLetterConfig).toEqual({
        TargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
      });
      // `${Role.Arn}` rather than Fn::GetAtt: osls would add a redundant DependsOn (cfn-lint W3005).
      roles.add(fn.Properties.Role['Fn::Sub']);
    }
    expect(roles.size).toBe(5);
    expect(
      ofType('AWS::Events::Rule')
        .map(([, r]) => r.Properties.ScheduleExpression)
        .sort(),
    ).toEqual(['cron(0 8 * * ? *)', 'rate(1 hour)', ...Array(3).fill('rate(1 minute)')]);
    const daily = ofType('AWS::Events::Rule').find(([, r]) =>
      r.Properties.ScheduleExpression.startsWith('cron'),
    );
    expect(JSON.parse(daily?.[1].Properties.Targets[0].Input)).toEqual({ check: 'daily' });
    const costStatements = JSON.stringify(resources.AlertCostRole?.Properties.Policies);
    expect(costStatements).toContain('ce:GetCostAndUsage');
    expect(costStatements).not.toContain('autoscaling:');
    const asgStatements = JSON.stringify(resources.ScaleAsgRole?.Properties.Policies);
    expect(asgStatements).toContain('autoscaling:SetDesiredCapacity');
    expect(asgStatements).not.toContain('rds:');
  });

  it('keeps the ledger with PITR, encryption and TTL; logs for 30 days', () => {
    const table = resources.LedgerTable?.Properties;
    expect(table?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table?.SSESpecification).toEqual({ SSEEnabled: true });
    expect(table?.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
    expect(ofType('AWS::SNS::Topic')).toHaveLength(1);
    expect(ofType('AWS::SQS::Queue')).toHaveLength(1);
    for (const [, group] of ofType('AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it('bundles the validated policy into each function, and only its own resource client', async () => {
    const dir = templateFile.replace(/cloudformation-template-update-stack\.json$/, '');
    for (const fn of ['scaleAsg', 'scaleRdsReplicas', 'scaleCacheShards']) {
      const { stdout } = await run(
        'python3',
        [
          '-c',
          'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print("".join(z.read(n).decode() for n in z.namelist() if n.endswith(".mjs")))',
          join(dir, `${fn}.zip`),
        ],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      expect(stdout).toContain('event-platform-api');
      expect(stdout).toContain('event-platform-redis');
      // Each scaler carries the SDK client of its own resource only (smaller bundle, faster cold start).
      const own = {
        scaleAsg: 'SetDesiredCapacity',
        scaleRdsReplicas: 'CreateDBInstanceReadReplica',
        scaleCacheShards: 'ModifyReplicationGroupShardConfiguration',
      };
      for (const [other, operation] of Object.entries(own))
        expect(stdout.includes(operation), `${fn} bundle has ${operation}`).toBe(other === fn);
    }
  });

  it("passes cfn-lint with no errors and no warnings (moto's ValidateTemplate refuses either)", async () => {
    expect(await cfnLintFindings(templateFile)).toEqual([]);
  });

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

  it('has a dashboard with a row per target: metrics with the thresholds, capacity, decisions per reason', () => {
    const [[, dashboard] = []] = ofType('AWS::CloudWatch::Dashboard');
    const body = JSON.parse(
      dashboard?.Properties.DashboardBody['Fn::Sub'].replaceAll(`\${AWS::Region}`, 'us-east-1'),
    );
    const titles = body.widgets.map((w: { properties: { title: string } }) => w.properties.title);
    expect(titles).toEqual([
      'api: scaling metrics',
      'api: capacity (instances)',
      'api: decisions per reason',
      'events-db: scaling metrics',
      'events-db: capacity (read replicas)',
      'events-db: decisions per reason',
      'sessions-cache: scaling metrics',
      'sessions-cache: capacity (shards)',
      'sessions-cache: decisions per reason',
    ]);
    const api = body.widgets[0].properties;
    expect(api.annotations.horizontal.map((a: { value: number }) => a.value)).toEqual([70, 30, 80, 40]);
    expect(api.metrics[0]).toEqual([
      'AWS/EC2',
      'CPUUtilization',
      'AutoScalingGroupName',
      'event-platform-api',
      { stat: 'Average', period: 60, label: 'cpu' },
    ]);
    // Connections are drawn as the percentage of the pool their alarms compare.
    expect(body.widgets[3].properties.metrics[0][0].expression).toBe('100 * raw0 / 100');
    // The forecast line only where predictive scaling is on (api).
    const labels = (w: { properties: { metrics: unknown[][] } }) =>
      w.properties.metrics.map((m) => (m.at(-1) as { label: string }).label);
    expect(labels(body.widgets[1])).toEqual(['ordered', 'serving', 'forecast']);
    expect(labels(body.widgets[4])).toEqual(['ordered', 'serving']);
    expect(body.widgets[2].properties.metrics[0][0].expression).toContain(
      'MetricName="Decisions" target="api"',
    );
    // ElastiCache publishes memory and engine CPU per node only: drawn for every node of the group, with
    // the thresholds of the rules (these rules have no alarms: no series per group exists to alarm on).
    const cache = body.widgets[6].properties;
    expect(cache.metrics[0][0].expression).toBe(
      `SEARCH('{AWS/ElastiCache,CacheClusterId} MetricName="EngineCPUUtilization" CacheClusterId="event-platform-redis"', 'Average', 60)`,
    );
    expect(cache.annotations.horizontal.map((a: { value: number }) => a.value)).toEqual([70, 30, 80, 40]);
  });

  it('passes checkov, with every skip reasoned in infra/checkov.yml', async () => {
    expect(await checkovFailures(templateFile)).toEqual([]);
    const skips = readFileSync(join(ROOT, 'infra/checkov.yml'), 'utf8').match(/^\s+- (CKV_\w+)/gm) ?? [];
    const reasons =
      readFileSync(join(ROOT, 'infra/checkov.yml'), 'utf8').match(/^\s+# (CKV_\w+) \(.+\): .+/gm) ?? [];
    expect(reasons).toHaveLength(skips.length);
  });

  // Issue 11, item 1: the RDS role could delete `db:<source>` itself, unconditionally.
  describe('least privilege (defect: the RDS function may delete the primary database)', () => {
    type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: any };
    const account = { 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1', 'AWS::AccountId': '123456789012' };
    const resolve = (r: unknown): string =>
      typeof r === 'string'
        ? r
        : String((r as { 'Fn::Sub'?: string })['Fn::Sub'] ?? JSON.stringify(r)).replace(
            /\$\{([^}]+)\}/g,
            (_, name: string) => account[name as keyof typeof account] ?? `\${${name}}`,
          );
    const glob = (pattern: string) =>
      new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      );
    const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
    const statements = () =>
      ofType('AWS::IAM::Role').flatMap(([role, r]) =>
        (r.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) =>
          p.PolicyDocument.Statement.filter((st) => st.Effect === 'Allow').map((st) => ({ role, st })),
        ),
      );
    // Each target's own resource, and the one action that may touch it: the scaling action itself
    // (CreateDBInstanceReadReplica only reads the source; RDS authorises it against the source too).
    const protectedResources = examplePolicy().targets.map((t) =>
      t.kind === 'asg'
        ? {
            arn: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0f6c:autoScalingGroupName/${t.autoScalingGroupName}`,
            service: 'autoscaling',
            scaling: 'autoscaling:SetDesiredCapacity',
          }
        : t.kind === 'rds-replicas'
          ? {
              arn: `arn:aws:rds:us-east-1:123456789012:db:${t.sourceDbInstanceIdentifier}`,
              service: 'rds',
              scaling: 'rds:CreateDBInstanceReadReplica',
            }
          : {
              arn: `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:${t.replicationGroupId}`,
              service: 'elasticache',
              scaling: 'elasticache:ModifyReplicationGroupShardConfiguration',
            },
    );

    it('no statement of any role allows a mutating action on a source instance, a group or a replication group', () => {
      const offending: string[] = [];
      let checked = 0;
      for (const { role, st } of statements())
        for (const target of protectedResources) {
          if (!list(st.Resource).some((r) => glob(resolve(r)).test(target.arn))) continue;
          for (const action of list(st.Action)) {
            const [service, name = ''] = action.split(':');
            if (service !== target.service && service !== '*') continue;
            checked += 1;
            const readOnly = /^(Describe|List|Get)[A-Za-z]*\*?$/.test(name);
            // Issue 14: the predict role mirrors the floors as scheduled MinSize actions on predictive groups
            // (bounded by MaxSize), deletes the ones it left behind and tags the groups it writes to (issue
            // 20, item 6: the tag's key and value only); it has no other write (tests/template/predictStack.test.ts).
            const forecastMirror =
              role === 'PredictRole' &&
              [
                'autoscaling:BatchPutScheduledUpdateGroupAction',
                'autoscaling:BatchDeleteScheduledAction',
                'autoscaling:CreateOrUpdateTags',
              ].includes(action);
            if (!readOnly && !forecastMirror && action !== target.scaling)
              offending.push(`${role}: ${action} on ${target.arn}`);
          }
        }
      expect(offending).toEqual([]);
      expect(checked).toBeGreaterThanOrEqual(3); // the scaling actions themselves were seen
    });

    it('every RDS delete needs both Scalepilot tags with its target, and only on replica names', () => {
      const deletes = statements().filter(({ st }) =>
        list(st.Action).some((a) => glob(a).test('rds:DeleteDBInstance')),
      );
      expect(deletes.length).toBeGreaterThan(0);
      for (const { st } of deletes) {
        expect(st.Condition?.StringEquals).toEqual({
          'rds:db-tag/scalepilot:managed': 'true',
          'rds:db-tag/scalepilot:target': 'events-db',
        });
        // Replica names only (issue 20, item 1): one or two characters after the prefix, nothing longer.
        expect(list(st.Resource).map(resolve)).toEqual([
          'arn:aws:rds:us-east-1:123456789012:db:event-platform-db-sp-?',
          'arn:aws:rds:us-east-1:123456789012:db:event-platform-db-sp-??',
        ]);
      }
    });

    it('creating a replica needs Scalepilot’s tags in the request, never the draining tag; tagging on replica names only', () => {
      const byAction = (action: string) =>
        statements().filter(({ st }) => list(st.Action).some((a) => glob(a).test(action)));
      const tags = {
        'aws:RequestTag/scalepilot:managed': 'true',
        'aws:RequestTag/scalepilot:target': 'events-db',
      };
      // Draining (issue 12) is the one tag set after creation: a statement of its own, below.
      const draining = ({ st }: { st: Statement }) =>
        JSON.stringify(st.Condition?.['ForAllValues:StringEquals']?.['aws:TagKeys']) ===
        '["scalepilot:draining"]';
      expect(byAction('rds:AddTagsToResource').filter(draining)).toHaveLength(1);
      for (const { st } of byAction('rds:AddTagsToResource').filter(draining))
        expect(st.Condition?.StringEquals).toEqual({
          'rds:db-tag/scalepilot:managed': 'true',
          'rds:db-tag/scalepilot:target': 'events-db',
        });
      for (const { st } of [
        ...byAction('rds:CreateDBInstanceReadReplica'),
        ...byAction('rds:AddTagsToResource').filter((s) => !draining(s)),
      ]) {
        expect(st.Condition?.StringEquals).toMatchObject(tags);
        // The source's own tags come along on create; the draining tag never does.
        expect(st.Condition?.['ForAllValues:StringNotEquals']).toEqual({
          'aws:TagKeys': ['scalepilot:draining'],
        });
      }
      // RDS has no condition key for "while creating": tagging is held to the two tags, on replica names.
      const [tagging] = byAction('rds:AddTagsToResource').filter((s) => !draining(s));
      expect(list(tagging?.st.Resource).map(resolve)).toEqual([
        'arn:aws:rds:us-east-1:123456789012:db:event-platform-db-sp-?',
        'arn:aws:rds:us-east-1:123456789012:db:event-platform-db-sp-??',
      ]);
    });
  });

  // Issue 11, item 10: a failing run was retried and dead-lettered every minute, and events had no age limit.
  it('gives every async function an event age, a retry limit and the dead-letter queue, and no failure record on the topic (defects: alarms acted on hours late; a message a minute with the stack)', () => {
    const configs = ofType('AWS::Lambda::EventInvokeConfig');
    for (const [id] of ofType('AWS::Lambda::Function')) {
      const config = configs.find(([, c]) => c.Properties.FunctionName?.Ref === id)?.[1].Properties;
      expect(config, id).toBeDefined();
      expect(config?.MaximumRetryAttempts, id).toBeLessThanOrEqual(2);
      const hourly = id === 'AlertCostLambdaFunction' || id === 'PredictLambdaFunction';
      expect(config?.MaximumEventAgeInSeconds, id).toBe(hourly ? 3600 : 300);
      // A failed event is kept in the dead-letter queue, whose alarm tells the operators once; an on-failure
      // destination on their topic sent each failed minute's invocation record, the error's stack with it.
      expect(config?.DestinationConfig?.OnFailure, id).toBeUndefined();
      const fn = ofType('AWS::Lambda::Function').find(([fid]) => fid === id)?.[1].Properties;
      expect(fn?.DeadLetterConfig?.TargetArn, id).toEqual({ 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] });
    }
  });

  it('alarms on the topic when a scaler fails a target and when a run is dead-lettered (defect: failures unseen)', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    for (const service of ['scale-asg', 'scale-rds-replicas', 'scale-cache-shards'])
      expect(alarms).toContainEqual(
        expect.objectContaining({
          Namespace: 'Scalepilot',
          MetricName: 'TargetFailures',
          Dimensions: [{ Name: 'service', Value: service }],
          Statistic: 'Sum',
          Period: 300,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          AlarmActions: [{ Ref: 'NotificationTopic' }],
        }),
      );
    // Dead letters arriving, not there: the queue keeps them 14 days, and an alarm on the count stayed in ALARM
    // from the first, telling no one of the next failure.
    const deadLetters = alarms.find((a) => JSON.stringify(a.Metrics ?? []).includes('"DeadLetterQueue"'));
    expect(deadLetters).toMatchObject({
      Metrics: [
        {
          Id: 'visible',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateNumberOfMessagesVisible',
              Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }],
            },
            Stat: 'Maximum',
          },
          ReturnData: false,
        },
        { Id: 'arrived', Expression: 'DIFF(visible)', ReturnData: true },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      AlarmActions: [{ Ref: 'NotificationTopic' }],
    });
    // CloudWatch can publish only to a topic whose key lets it (the AWS-managed aws/sns key does not).
    expect(resources.NotificationTopic?.Properties.KmsMasterKeyId).toEqual({ Ref: 'NotificationTopicKey' });
    expect(JSON.stringify(resources.NotificationTopicKey?.Properties.KeyPolicy)).toContain(
      'cloudwatch.amazonaws.com',
    );
  });

  // Issue 11, item 17: `sls remove` deleted the evidence.
  it('keeps the dead-letter queue, the log groups and the ledger after `sls remove` (defect: evidence deleted)', () => {
    const kept = [
      ...ofType('AWS::SQS::Queue'),
      ...ofType('AWS::Logs::LogGroup'),
      ...ofType('AWS::DynamoDB::Table'),
    ];
    expect(kept).toHaveLength(7); // the queue, five functions' log groups, the ledger
    for (const [id, r] of kept) {
      expect(r.DeletionPolicy, id).toBe('Retain');
      expect(r.UpdateReplacePolicy, id).toBe('Retain');
    }
  });

  it('fails to package an invalid policy, naming every problem, before anything else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scalepilot-bad-'));
    const bad = join(dir, 'bad.yml');
    writeFileSync(
      bad,
      readFileSync(EXAMPLE_POLICY, 'utf8')
        .replace('capacity: { min: 2, max: 10 }', 'capacity: { min: 2, max: 1 }')
        .replace('instanceWarmupSeconds: 300', 'instanceWarmupSeconds: 300\n    colour: red'),
    );
    const result = await slsPackage(join(dir, 'out'), '--param', `policy=${bad}`).catch((e) => e);
    expect(result.code).not.toBe(0);
    const output = `${result.stdout}${result.stderr}`;
    expect(output).toContain('targets[0] "api".capacity.max: 1 is below min 2');
    expect(output).toContain('targets[0] "api".colour: unknown key');
    // The problems alone, no stack trace (osls prints a failing file's error with its stack).
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('fails to package a policy too large for one stack, naming the limit, before anything reaches AWS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scalepilot-large-'));
    const policy = parse(readFileSync(EXAMPLE_POLICY, 'utf8'));
    const api = policy.targets.find((t: { name: string }) => t.name === 'api');
    policy.plans = [];
    policy.targets = Array.from({ length: 130 }, (_, i) => ({
      ...api,
      name: `api-${i}`,
      autoScalingGroupName: `${api.autoScalingGroupName}-${i}`,
    }));
    const large = join(dir, 'large.yml');
    writeFileSync(large, stringify(policy, { aliasDuplicateObjects: false }));
    const result = await slsPackage(join(dir, 'out'), '--param', `policy=${large}`).catch((e) => e);
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(
      /stage prod: stack: about \d+ resources \(\d+ of them the policy's alarms, one per threshold\); CloudFormation allows 500 in a stack: for Auto Scaling groups set fleet.thresholdAlarms: false/,
    );
  });
});
