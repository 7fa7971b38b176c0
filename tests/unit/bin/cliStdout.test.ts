import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { EXAMPLE_POLICY } from '../../harness/fixtures';

// What the compiled CLI (bin/scalepilot) prints on stdout, and how it ends when stdout's reader goes away.
const CLI = new URL('../../../bin/scalepilot', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'scalepilot-stdout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The CLI run with stdout a pipe whose reader is gone before the CLI writes (`scalepilot … | head -1`, where
 * head exits first): every write then fails with EPIPE. Closing it after a first chunk instead races: the CLI may
 * have written the rest into the pipe's buffer by then.
 */
function withReaderGone(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a reader that closes stdout early', () => {
  // Defect: `scalepilot schema | head` died with an unhandled `Error: write EPIPE` stack trace, exit 1.
  it.each([
    { name: 'the JSON Schema', args: ['schema'] },
    { name: 'the policy reference', args: ['schema', '--markdown'] },
  ])('ends the CLI quietly, exit 0: $name', async ({ args }) => {
    expect(await withReaderGone(args)).toEqual({ code: 0, stderr: '' });
  });
});

/** The example policy with its first target only. */
function oneTargetPolicy(): string {
  const document = parseDocument(readFileSync(EXAMPLE_POLICY, 'utf8'));
  const policy = document.toJS();
  document.set('targets', policy.targets.slice(0, 1));
  document.set('plans', []);
  const file = join(dir, 'one-target.yml');
  writeFileSync(file, document.toString());
  return file;
}

describe('validate', () => {
  it.each([
    {
      name: 'one target, in the singular',
      file: oneTargetPolicy,
      line: /: valid \(1 target: api \[asg\]\)$/,
    },
    {
      name: 'three targets',
      file: () => EXAMPLE_POLICY,
      line: /: valid \(3 targets: api \[asg\], events-db \[rds-replicas\], sessions-cache \[cache-shards\]\)$/,
    },
  ])('$name', ({ file, line }) => {
    const run = spawnSync(process.execPath, [CLI, 'validate', file()], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(line);
  });
});
