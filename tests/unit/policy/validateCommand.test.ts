import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY } from '../../harness/fixtures';

// `scalepilot validate` as the operator runs it: the real CLI in a child process.
const run = promisify(execFile);
const CLI = new URL('../../../bin/scalepilot', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'scalepilot-validate-'));

async function validate(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  const result = await run(CLI, ['validate', file]).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  return result;
}

describe('scalepilot validate prints one clear line, no stack trace', () => {
  it.each([
    {
      name: 'autoScalingGroupName "*" (defect: names not validated)',
      file: 'star.yml',
      text: readFileSync(EXAMPLE_POLICY, 'utf8').replace(
        'autoScalingGroupName: event-platform-api',
        'autoScalingGroupName: "*"',
      ),
      want: 'targets[0] "api".autoScalingGroupName: must not contain "*" or "?": IAM would read it as a wildcard over other groups',
    },
    {
      name: 'a dimension value that CloudFormation would substitute (defect: it reached the dashboard’s Fn::Sub)',
      file: 'sub.yml',
      text: readFileSync(EXAMPLE_POLICY, 'utf8').replace(
        'namespace: AWS/EC2,',
        `namespace: AWS/EC2, dimensions: { AutoScalingGroupName: "\${LedgerTable.Arn}" },`,
      ),
      want: 'targets[0] "api".rules[0] "cpu".metric.dimensions.AutoScalingGroupName: must not contain "${": CloudFormation would substitute it',
    },
    {
      name: 'a billion-laughs alias bomb (defect: alias bomb ends validate with a stack trace)',
      file: 'bomb.yml',
      text: [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
        'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
        'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
        'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
        'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
        'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
        'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
        'i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]',
        'version: *i',
      ].join('\n'),
      want: '(file): too many YAML aliases',
    },
  ])('$name', async ({ file, text, want }) => {
    const result = await validate(file, text);
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    // Named by the path as given (two stages' scalepilot.yml are told apart), then what and where.
    const told = `${join(dir, file)}: ${want}`;
    expect(lines[0]?.slice(0, told.length)).toBe(told);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe('');
  });
});
