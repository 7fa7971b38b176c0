import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { pythonTool } from '../../bin/lib/pythonTools';
import { exampleTemplate } from '../harness/slsPackage';
import { checkovReport } from '../harness/templateChecks';
import { recordFigures } from './figures';

// Issue 15, items 7 and 8, on the template the real osls CLI packages (offline, dummy credentials), read
// by these tests, by checkov (with Scalepilot's own check in infra/checkov) and by cfn-lint.

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
let resources: Record<string, Resource>;
let templateFile: string;

beforeAll(async () => {
  templateFile = await exampleTemplate();
  resources = JSON.parse(readFileSync(templateFile, 'utf8')).Resources;
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
/** Every Allow statement of each role: its inline policy and the managed policies it attaches (roleResources.ts). */
const statements = () =>
  ofType('AWS::IAM::Role').flatMap(([role, r]) => {
    const attached = ((r.Properties.ManagedPolicyArns ?? []) as { Ref: string }[]).map(
      (ref) => resources[ref.Ref]?.Properties as { PolicyDocument: { Statement: Statement[] } },
    );
    const inline = (r.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
    return [...inline, ...attached].flatMap((p) =>
      p.PolicyDocument.Statement.filter((st) => st.Effect === 'Allow').map((st) => ({ role, st })),
    );
  });
const resourceText = (r: unknown): string =>
  typeof r === 'string' ? r : String((r as { 'Fn::Sub'?: string })['Fn::Sub'] ?? JSON.stringify(r));
const readOnly = (action: string) =>
  /^[a-z0-9-]+:(Describe|List|Get|BatchGet|Query|Scan)[A-Za-z]*\*?$/.test(action);
/**
 * Writes AWS authorises only on `*` (they have no resource-level permissions), each with the condition key
 * that must then hold it (X-Ray has none): the only mutating actions allowed on `*`.
 */
const RESOURCELESS_WRITES = new Map<string, string | undefined>([
  ['xray:PutTraceSegments', undefined],
  ['xray:PutTelemetryRecords', undefined],
  ['cloudwatch:PutMetricData', 'cloudwatch:namespace'],
]);
const resourceless = (action: string, st: Statement) =>
  RESOURCELESS_WRITES.has(action) &&
  (RESOURCELESS_WRITES.get(action) === undefined ||
    JSON.stringify(st.Condition ?? {}).includes(`"${RESOURCELESS_WRITES.get(action)}"`));
/** Lambda invokes its functions asynchronously on these: schedules and alarm actions. */
const servicePrincipal = (p: unknown) => typeof p === 'string' && p.endsWith('.amazonaws.com');

describe('least privilege on the packaged template', () => {
  it('one role per function; no Action "*"; no mutating action on Resource "*"; every mutating action on named resources or under tag conditions', () => {
    const functions = ofType('AWS::Lambda::Function');
    const roles = functions.map(([, fn]) => resourceText(fn.Properties.Role));
    expect(new Set(roles).size).toBe(functions.length);
    expect(ofType('AWS::IAM::Role')).toHaveLength(functions.length);

    const all = statements();
    const wildcards = all.flatMap(({ role, st }) =>
      list(st.Action)
        .filter((a) => a === '*' || a.endsWith(':*'))
        .map((a) => `${role}: ${a}`),
    );
    expect(wildcards).toEqual([]);

    const onStar: string[] = [];
    const unbounded: string[] = [];
    let mutating = 0;
    let tagConditioned = 0;
    for (const { role, st } of all) {
      const writes = list(st.Action).filter((a) => !readOnly(a) && !resourceless(a, st));
      if (writes.length === 0) continue;
      mutating += writes.length;
      for (const r of list(st.Resource)) {
        const arn = resourceText(r);
        if (arn === '*') onStar.push(`${role}: ${writes.join(', ')} on *`);
        // Named: a reference to a stack resource, or an ARN whose last part names one resource (a log
        // group's streams `…:log-group:<name>:*` are that group's). A wildcard name needs a tag condition.
        const name = arn.replace(/:\*$/, '').split(/[:/]/).at(-1) ?? '';
        const reference = typeof r === 'object' && r !== null && !('Fn::Sub' in r);
        if (!reference && name.includes('*') && !st.Condition)
          unbounded.push(`${role}: ${writes.join(', ')} on ${arn}`);
      }
      if (st.Condition) tagConditioned += writes.length;
    }
    expect(onStar).toEqual([]);
    expect(unbounded).toEqual([]);
    recordFigures('least-privilege', 'roles and statements', {
      'functions, each with its own role': `${functions.length}, ${new Set(roles).size} roles`,
      'Allow statements checked': all.length,
      'actions "*" or "service:*"': wildcards.length,
      'mutating actions': mutating,
      'mutating actions on Resource "*"': onStar.length,
      'mutating actions on an unnamed resource without a tag condition': unbounded.length,
      'mutating actions under tag conditions': tagConditioned,
      'writes allowed on "*" (no resource-level permission exists)': [...RESOURCELESS_WRITES]
        .map(([a, key]) => (key ? `${a} (held by ${key})` : a))
        .join(', '),
    });
  });

  it('every Lambda permission for a service principal names SourceAccount and SourceArn (defect: schedule permissions named no account)', () => {
    const permissions = ofType('AWS::Lambda::Permission').filter(([, p]) =>
      servicePrincipal(p.Properties.Principal),
    );
    const missing = permissions
      .filter(([, p]) => !p.Properties.SourceAccount || !p.Properties.SourceArn)
      .map(([id, p]) => `${id} (${p.Properties.Principal})`);
    expect(permissions.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
    const principals = new Map<string, number>();
    for (const [, p] of permissions)
      principals.set(p.Properties.Principal, (principals.get(p.Properties.Principal) ?? 0) + 1);
    recordFigures('least-privilege', 'service permissions', {
      'Lambda permissions for service principals': `${permissions.length} (${[...principals].map(([p, n]) => `${p} ${n}`).join(', ')})`,
      'without SourceAccount or SourceArn': missing.length,
    });
  });

  it('every function: reserved concurrency, X-Ray tracing, an event age and retry limit, failures to an alarmed dead-letter queue; no secret in its environment', () => {
    const functions = ofType('AWS::Lambda::Function');
    const configs = ofType('AWS::Lambda::EventInvokeConfig');
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const problems: string[] = [];
    const secretName = /SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|WEBHOOK/i;
    const secretValue =
      /AKIA[0-9A-Z]{16}|xox[abpr]-|-----BEGIN|hooks\.slack\.com|:\/\/[^/\s]+:[^@/\s]+@|[A-Za-z0-9+/]{40,}/;
    let variables = 0;
    const sinks = new Set<string>();
    for (const [id, fn] of functions) {
      const p = fn.Properties;
      if (!(p.ReservedConcurrentExecutions > 0)) problems.push(`${id}: no reserved concurrency`);
      if (p.TracingConfig?.Mode !== 'Active') problems.push(`${id}: no X-Ray tracing`);
      const config = configs.find(([, c]) => c.Properties.FunctionName?.Ref === id)?.[1].Properties;
      if (!(config?.MaximumEventAgeInSeconds > 0)) problems.push(`${id}: no event age limit`);
      if (config?.MaximumRetryAttempts === undefined) problems.push(`${id}: no retry limit`);
      // Where a failed async event goes: the dead-letter queue (DeadLetterConfig) keeps it, and its alarm
      // tells the operators (once while they go on failing: no per-minute failure record on their topic).
      const sink = p.DeadLetterConfig?.TargetArn;
      if (!sink) problems.push(`${id}: failed events are not kept`);
      if (config?.DestinationConfig?.OnFailure) problems.push(`${id}: a failure record per failed event`);
      const queue = (sink as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
      if (queue) sinks.add(queue);
      const alarmed = alarms.some(
        (a) =>
          JSON.stringify(a.Metrics ?? []).includes('"AWS/SQS"') &&
          JSON.stringify(a.Metrics ?? []).includes(`"${queue}"`) &&
          (a.AlarmActions ?? []).length > 0,
      );
      if (!alarmed) problems.push(`${id}: its dead-letter queue ${queue} has no alarm`);
      for (const [name, value] of Object.entries(
        (p.Environment?.Variables ?? {}) as Record<string, unknown>,
      )) {
        variables += 1;
        const literal = typeof value === 'string' ? value : '';
        if (secretName.test(name) && literal) problems.push(`${id}: ${name} holds a literal value`);
        if (secretValue.test(literal)) problems.push(`${id}: ${name} looks like a secret`);
      }
    }
    expect(problems).toEqual([]);
    recordFigures('least-privilege', 'function settings', {
      functions: functions.length,
      'with reserved concurrency and active X-Ray tracing': functions.length,
      'with an event age limit and a retry limit': configs.length,
      'failed async events go to': `${[...sinks].join(', ')} (DeadLetterConfig), alarmed on dead letters arriving (DIFF of ApproximateNumberOfMessagesVisible > 0) to the operators' topic`,
      'environment variables checked for secrets': variables,
      'secrets found': 0,
    });
  });
});

describe('template checks', () => {
  it("checkov: no failure beyond infra/checkov.yml's reasoned skips; Scalepilot's own check passes every service permission and fails one without SourceAccount (CKV_AWS_364 does not)", async () => {
    const report = await checkovReport(templateFile, '--quiet');
    const failed = report.results.failed_checks.map((c) => `${c.check_id} ${c.resource}`);
    expect(failed).toEqual([]);
    // The config file keeps checkov quiet (failures only): the custom check's passes are read without it.
    const only = (file: string) =>
      run(
        pythonTool('checks', 'checkov'),
        [
          '-f',
          file,
          '--framework',
          'cloudformation',
          '--external-checks-dir',
          'infra/checkov',
          '--check',
          'CKV_SCALEPILOT_1,CKV_AWS_364',
          '-o',
          'json',
        ],
        { cwd: ROOT, env: { ...process.env, BC_SKIP_MAPPING: 'TRUE' }, maxBuffer: 64 * 1024 * 1024 },
      )
        .catch((e) => e)
        .then((r) => JSON.parse(String(r.stdout)));
    const ownRun = await only(templateFile);
    const ours = (ownRun.results.passed_checks as { check_id: string }[]).filter(
      (c) => c.check_id === 'CKV_SCALEPILOT_1',
    );
    const servicePermissions = ofType('AWS::Lambda::Permission').filter(([, p]) =>
      servicePrincipal(p.Properties.Principal),
    );
    expect(ours).toHaveLength(servicePermissions.length);
    expect(ownRun.results.failed_checks).toEqual([]);

    // The same template with one alarm permission stripped of SourceAccount: ours fails it, CKV_AWS_364 passes it.
    const template = JSON.parse(readFileSync(templateFile, 'utf8'));
    const [alarmPermission] = Object.entries(template.Resources as Record<string, Resource>).find(
      ([, r]) =>
        r.Type === 'AWS::Lambda::Permission' &&
        r.Properties.Principal === 'lambda.alarms.cloudwatch.amazonaws.com',
    ) ?? [''];
    delete template.Resources[alarmPermission].Properties.SourceAccount;
    const stripped = join(mkdtempSync(join(tmpdir(), 'scalepilot-stripped-')), 'template.json');
    writeFileSync(stripped, JSON.stringify(template));
    const strippedReport = await only(stripped);
    const verdicts = (id: string, kind: 'failed_checks' | 'passed_checks') =>
      (strippedReport.results[kind] as { check_id: string; resource: string }[]).filter(
        (c) => c.check_id === id && c.resource.endsWith(`.${alarmPermission}`),
      ).length;
    expect(verdicts('CKV_SCALEPILOT_1', 'failed_checks')).toBe(1);
    expect(verdicts('CKV_AWS_364', 'failed_checks')).toBe(0);

    const config = readFileSync(join(ROOT, 'infra/checkov.yml'), 'utf8');
    const skips = config.match(/^\s+- (CKV_\w+)/gm)?.map((s) => s.replace(/^\s+- /, '')) ?? [];
    recordFigures('template-checks', 'checkov', {
      'checkov version': report.summary.checkov_version,
      'checks passed': report.summary.passed,
      'checks failed': report.summary.failed,
      'checks skipped': report.summary.skipped,
      'failures beyond the skip list': failed.length,
      'skip list (each reasoned in infra/checkov.yml)': skips.join(', '),
      'CKV_SCALEPILOT_1 (custom): service permissions passed': ours.length,
      'a permission without SourceAccount: CKV_SCALEPILOT_1 / CKV_AWS_364': `failed / ${verdicts('CKV_AWS_364', 'passed_checks') ? 'passed' : 'not evaluated'}`,
    });
  });

  it('cfn-lint: no errors and no warnings', async () => {
    const result = await run(pythonTool('checks', 'cfn-lint'), ['--format', 'parseable', templateFile]).catch(
      (e) => e,
    );
    const findings = String(result.stdout ?? '')
      .split('\n')
      .filter((line) => /:[EW]\d{4}:/.test(line));
    expect(findings).toEqual([]);
    const { stdout } = await run(pythonTool('checks', 'cfn-lint'), ['--version']);
    recordFigures('template-checks', 'cfn-lint', {
      'cfn-lint version': stdout.trim(),
      'resources in the template': Object.keys(resources).length,
      errors: 0,
      warnings: 0,
    });
  });
});
