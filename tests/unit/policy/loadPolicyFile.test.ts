import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../../shared/errors';
import { loadPolicyFile } from '../../../shared/policy/loadPolicyFile';
import { EXAMPLE_POLICY } from '../../harness/fixtures';

// A policy's encoding: UTF-8, with or without its byte order mark. One saved as UTF-16 (Notepad's and PowerShell's
// "Unicode") read as one string: `(top level): expected object, received string`, which said nothing of why.
const dir = mkdtempSync(join(tmpdir(), 'scalepilot-encoding-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TEXT = readFileSync(EXAMPLE_POLICY, 'utf8');
const utf16le = Buffer.from(`\ufeff${TEXT}`, 'utf16le');

describe('a policy file’s encoding', () => {
  it.each([
    { name: 'UTF-8', bytes: Buffer.from(TEXT, 'utf8'), problem: undefined },
    {
      name: 'UTF-8 with its byte order mark (EF BB BF)',
      bytes: Buffer.from(`\ufeff${TEXT}`, 'utf8'),
      problem: undefined,
    },
    {
      name: 'UTF-16 little-endian (FF FE)',
      bytes: utf16le,
      problem: 'is UTF-16 (it starts with the byte order mark FF FE): save it as UTF-8',
    },
    {
      name: 'UTF-16 big-endian (FE FF)',
      bytes: Buffer.from(utf16le).swap16(),
      problem: 'is UTF-16 (it starts with the byte order mark FE FF): save it as UTF-8',
    },
  ])('$name', ({ name, bytes, problem }) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yml`);
    writeFileSync(file, bytes);
    let problems: unknown;
    try {
      expect(loadPolicyFile(file).targets).toHaveLength(3);
    } catch (error) {
      if (!(error instanceof PolicyValidationError)) throw error;
      problems = error.problems;
    }
    expect(problems).toEqual(problem ? [{ path: '(file)', message: problem }] : undefined);
  });
});
