import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY } from '../harness/fixtures';
import { slsPackage } from '../harness/slsPackage';
import { cfnLintFindings, checkovFailures } from '../harness/templateChecks';
import { loadPackagedStack, ofType, resources, templateFile } from './packagedStackFixtures';

// The real osls CLI packages the real stack, offline, with dummy credentials; cfn-lint and checkov read
// the template it wrote. Its alarms and dashboard, its deploy policy, its roles' least privilege and its
// limits are tested beside this file (packagedStack*.test.ts), on the same package of the run.
const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

beforeAll(loadPackagedStack);

describe('the packaged stack', () => {
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

  it('passes checkov, with every skip reasoned in infra/checkov.yml', async () => {
    expect(await checkovFailures(templateFile)).toEqual([]);
    const skips = readFileSync(join(ROOT, 'infra/checkov.yml'), 'utf8').match(/^\s+- (CKV_\w+)/gm) ?? [];
    const reasons =
      readFileSync(join(ROOT, 'infra/checkov.yml'), 'utf8').match(/^\s+# (CKV_\w+) \(.+\): .+/gm) ?? [];
    expect(reasons).toHaveLength(skips.length);
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
});
