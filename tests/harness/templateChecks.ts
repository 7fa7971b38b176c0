import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pythonTool } from '../../bin/lib/pythonTools';

// cfn-lint and checkov on a packaged template, as the template and least-privilege tests run them.

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

/** cfn-lint's errors and warnings (`file:line:col:…:E1234:…`), one line each; informational findings left out. */
export async function cfnLintFindings(templateFile: string): Promise<string[]> {
  // cfn-lint exits non-zero when it finds anything: its findings are on stdout either way.
  const result = await run(pythonTool('checks', 'cfn-lint'), ['--format', 'parseable', templateFile]).catch(
    (e) => e,
  );
  return String(result.stdout ?? '')
    .split('\n')
    .filter((line) => /:[EW]\d{4}:/.test(line));
}

export interface CheckovReport {
  results: {
    failed_checks: { check_id: string; resource: string }[];
    passed_checks: { check_id: string; resource: string }[];
  };
  summary: { checkov_version: string; passed: number; failed: number; skipped: number };
}

/** checkov's JSON report on `file`, with infra/checkov.yml's reasoned skips and Scalepilot's own checks. */
export async function checkovReport(file: string, ...args: string[]): Promise<CheckovReport> {
  // checkov exits non-zero when a check fails: its report is on stdout either way.
  const result = await run(
    pythonTool('checks', 'checkov'),
    ['-f', file, '--config-file', join(ROOT, 'infra/checkov.yml'), '-o', 'json', ...args],
    { cwd: ROOT, env: { ...process.env, BC_SKIP_MAPPING: 'TRUE' }, maxBuffer: 64 * 1024 * 1024 },
  ).catch((e) => e);
  return JSON.parse(String(result.stdout));
}

/** The checks checkov failed, as `CKV_… Resource`. */
export async function checkovFailures(file: string): Promise<string[]> {
  return (await checkovReport(file)).results.failed_checks.map((c) => `${c.check_id} ${c.resource}`);
}

/**
 * The permissions CloudFormation's own resource schema (as cfn-lint bundles it, for us-east-1) lists for a
 * resource type's handler: what the deployer needs for CloudFormation to create, update or delete one.
 */
export async function handlerPermissions(
  type: string,
  handler: 'create' | 'update' | 'delete' | 'read',
): Promise<string[]> {
  const { stdout } = await run(pythonTool('checks', 'python'), [
    '-c',
    'import cfnlint, os; print(os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas"))',
  ]);
  const schemas = stdout.trim();
  const byType = JSON.parse(readFileSync(join(schemas, 'providers', 'us-east-1.json'), 'utf8'));
  const schema = JSON.parse(readFileSync(join(schemas, 'resources', `${byType[type]}.json`), 'utf8'));
  return schema.handlers?.[handler]?.permissions ?? [];
}
