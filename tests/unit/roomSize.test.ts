import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// House style: keep rooms small. A file over about 500 lines usually holds several jobs (split it along the
// steps of one decision's walk, each file named after its export; a test file along what its tests are about,
// fixtures shared in a module beside them). Functions over 60 lines are refused by the linter (biome.json:
// noExcessiveLinesPerFunction, outside tests).
const MAX_LINES = 500;
const CODE = ['shared', 'functions', 'bin', 'bench', 'infra', 'tests'];
const ROOT = new URL('../..', import.meta.url).pathname;

describe('room size', () => {
  // The files under version control (not what a build or a bench run wrote beside them).
  const files = execFileSync('git', ['ls-files', ...CODE], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => /\.(ts|mjs)$/.test(f));
  it('finds the code', () => expect(files.length).toBeGreaterThan(100));
  it.each(files)(`%s is at most ${MAX_LINES} lines`, (file) => {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n').length - 1;
    expect(lines, `${file}: ${lines} lines`).toBeLessThanOrEqual(MAX_LINES);
  });
});
