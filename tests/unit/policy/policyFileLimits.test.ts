import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../../shared/errors';
import { MAX_POLICY_CHARS, parsePolicy } from '../../../shared/policy/parsePolicy';
import { EXAMPLE_POLICY } from '../../harness/fixtures';

const exampleText = readFileSync(EXAMPLE_POLICY, 'utf8');

// Issue 11, item 14: `validate` ended with a stack trace on an alias bomb.
describe('YAML alias bomb and oversized files (defect: alias bomb ends validate with a stack trace)', () => {
  const billionLaughs = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...Array.from({ length: 8 }, (_, i) => {
      const [self, prev] = [String.fromCharCode(98 + i), String.fromCharCode(97 + i)];
      return `${self}: &${self} [${Array(9).fill(`*${prev}`).join(',')}]`;
    }),
    'version: *i',
  ].join('\n');

  it('refuses a billion-laughs document with one problem naming the file', () => {
    let caught: unknown;
    try {
      parsePolicy(billionLaughs, 'bomb.yml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolicyValidationError);
    const problems = (caught as PolicyValidationError).problems;
    expect(problems).toHaveLength(1);
    expect(`${problems[0]?.path}: ${problems[0]?.message}`).toMatch(/^\(file\): too many YAML aliases/);
  });

  it('refuses a policy over 1 MiB', () => {
    const huge = `version: 1\n# ${'x'.repeat(MAX_POLICY_CHARS)}\n`;
    expect(() => parsePolicy(huge, 'huge.yml')).toThrow(
      /huge\.yml: \(file\): is \d+ characters; a policy may have at most 1048576/,
    );
  });

  it('still allows a few aliases (shared rule blocks)', () => {
    const text = exampleText.replace(
      'metric: { namespace: AWS/EC2, name: CPUUtilization, statistic: Average }',
      '&cpu { namespace: AWS/EC2, name: CPUUtilization, statistic: Average }',
    );
    expect(text).not.toBe(exampleText);
    expect(() => parsePolicy(text.replace('&cpu', 'metric: &cpu'))).not.toThrow();
  });
});
