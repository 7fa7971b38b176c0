import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { pythonTool } from '../../bin/lib/pythonTools';
import { alarmDefinitions } from '../../shared/policy/alarmDefinitions';
import { EXAMPLE_POLICY, examplePolicy } from '../harness/fixtures';

// The real osls CLI packages the real stack, offline, with dummy credentials; cfn-lint and checkov read
// the template it wrote.
const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const offlineEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'x',
  AWS_SECRET_ACCESS_KEY: 'x',
  SLS_TELEMETRY_DISABLED: '1',
};

async function slsPackage(dir: string, ...args: string[]) {
  return run(join(ROOT, 'node_modules/.bin/sls'), ['package', '--stage', 'prod', '--package', dir, ...args], {
    cwd: ROOT,
    env: offlineEnv,
  });
}

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };
let resources: Record<string, Resource>;
let templateFile: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scalepilot-package-'));
  await slsPackage(dir);
  templateFile = join(dir, 'cloudformation-template-update-stack.json');
  resources = JSON.parse(readFileSync(templateFile, 'utf8')).Resources;
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

describe('the packaged stack', () => {
  it('has one alarm per policy threshold, each invoking the function of its kind', () => {
    const expected = alarmDefinitions(examplePolicy(), 'prod');
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(expected.length);
    const functionIds = {
      scaleAsg: 'ScaleAsgLambdaFunction',
      scaleRdsReplicas: 'ScaleRdsReplicasLambdaFunction',
      scaleCacheShards: 'ScaleCacheShardsLambdaFunction',
    };
    for (const definition of expected) {
      const [id, alarm] = alarms.find(([, r]) => r.Properties.AlarmName === definition.alarmName) ?? [];
      expect(alarm, definition.alarmName).toBeDefined();
      const fnArn = {
        'Fn::GetAtt': [functionIds[definition.functionName as keyof typeof functionIds], 'Arn'],
      };
      expect(alarm?.Properties.AlarmActions).toEqual([fnArn]);
      expect(alarm?.Properties.Threshold).toBe(definition.threshold);
      const permission = resources[`${id}Permission`];
      expect(permission?.Properties).toEqual({
        FunctionName: fnArn,
        Action: 'lambda:InvokeFunction',
        Principal: 'lambda.alarms.cloudwatch.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: {
          'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${definition.alarmName}`,
        },
      });
    }
  });

  it('runs every function on nodejs22.x arm64 with its own role and a DLQ; scalers every minute, costs daily', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual([
      'AlertCostLambdaFunction',
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
    expect(roles.size).toBe(4);
    expect(
      ofType('AWS::Events::Rule')
        .map(([, r]) => r.Properties.ScheduleExpression)
        .sort(),
    ).toEqual(['cron(0 8 * * ? *)', ...Array(3).fill('rate(1 minute)')]);
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
    const result = await run(pythonTool('checks', 'cfn-lint'), ['--format', 'parseable', templateFile]).catch(
      (e) => e,
    );
    const findings = String(result.stdout ?? '')
      .split('\n')
      .filter((line) => /:[EW]\d{4}:/.test(line));
    expect(findings).toEqual([]);
  });

  it('can be deployed with docs/iam-deploy-policy.json: it covers every service the template uses', () => {
    const policy = JSON.parse(readFileSync(join(ROOT, 'docs/iam-deploy-policy.json'), 'utf8'));
    const granted = new Set<string>(
      policy.Statement.flatMap((s: { Action: string[] }) => s.Action.map((a) => a.split(':')[0])),
    );
    const used = new Set(Object.values(resources).map((r) => r.Type.split('::')[1]?.toLowerCase()));
    for (const service of used)
      expect(granted, `${service} (a resource type of the template)`).toContain(service);
    expect(granted).toContain('iam'); // iam:PassRole for the functions' roles
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
  });

  it('passes checkov, with every skip reasoned in infra/checkov.yml', async () => {
    const result = await run(
      pythonTool('checks', 'checkov'),
      ['-f', templateFile, '--config-file', join(ROOT, 'infra/checkov.yml'), '-o', 'json'],
      { env: { ...process.env, BC_SKIP_MAPPING: 'TRUE' }, maxBuffer: 64 * 1024 * 1024 },
    ).catch((e) => e);
    const report = JSON.parse(String(result.stdout));
    expect(
      report.results.failed_checks.map(
        (c: { check_id: string; resource: string }) => `${c.check_id} ${c.resource}`,
      ),
    ).toEqual([]);
    const skips = readFileSync(join(ROOT, 'infra/checkov.yml'), 'utf8').match(/^\s+- (CKV_\w+)/gm) ?? [];
    const reasons =
      readFileSync(join(ROOT, 'infra/checkov.yml'), 'utf8').match(/^\s+# (CKV_\w+) \(.+\): .+/gm) ?? [];
    expect(reasons).toHaveLength(skips.length);
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
  });
});
