import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mutants } from '../../reliability/mutants';

// Issue 20, item 15: the mutation table of docs/reliability.md cannot rot. Every mutant's line is still in
// its file exactly once (when code moves, re-point the entry), and every guard the page promises has one.

const ROOT = join(import.meta.dirname, '../../..');
const PROMISED = [
  'kill switch',
  'lease',
  'fencing',
  'ownership tags',
  'blast-radius cap',
  'freshness',
  'bounds',
];

describe('the mutants still apply to the code they break', () => {
  it.each(mutants.map((m) => ({ name: `${m.guard}: ${m.mutant}`, ...m })))(
    '$name',
    ({ file, original, replacement, tests }) => {
      const source = readFileSync(join(ROOT, file), 'utf8');
      expect(source.split(original).length - 1, `${file} holds the line once`).toBe(1);
      expect(replacement).not.toBe(original);
      for (const test of tests) expect(existsSync(join(ROOT, test)), test).toBe(true);
    },
  );

  it('every guard behind a promise has at least one mutant', () => {
    expect([...new Set(mutants.map((m) => m.guard))].sort()).toEqual([...PROMISED].sort());
  });
});
