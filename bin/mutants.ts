/**
 * `npm run mutants`: breaks each guard of tests/reliability/mutants.ts in turn (the exact line replaced in
 * place), runs the tests named for it, restores the file, and records whether a test failed (killed) or none
 * did (survived: a missing test). The results go to docs/mutants.json, which `npm run reliability` publishes
 * in docs/reliability.md. Exits non-zero when a mutant survived or a file could not be mutated. Not part of
 * `npm test` (it runs the named tests once per mutant: minutes).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type Mutant, mutants } from '../tests/reliability/mutants';

const ROOT = new URL('..', import.meta.url).pathname;
const RESULTS = join(ROOT, 'docs/mutants.json');

/** One mutant's outcome, as the page shows it. */
export interface MutantResult {
  readonly guard: string;
  readonly mutant: string;
  /** `file:line` of the line broken. */
  readonly where: string;
  readonly killed: boolean;
  /** The tests that failed (killed), or the ones that ran and passed (survived). */
  readonly by: readonly string[];
  readonly seconds: number;
}

interface VitestJson {
  readonly testResults: {
    readonly name: string;
    readonly status: string;
    readonly assertionResults: { readonly title: string; readonly status: string }[];
  }[];
}

let restore: (() => void) | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    restore?.();
    process.exit(130);
  });

function runOne(m: Mutant, dir: string, index: number): MutantResult {
  const path = join(ROOT, m.file);
  const source = readFileSync(path, 'utf8');
  const at = source.indexOf(m.original);
  if (at < 0 || source.indexOf(m.original, at + 1) >= 0)
    throw new Error(`${m.file}: the mutant's line is not there exactly once: ${m.original}`);
  const line = source.slice(0, at).split('\n').length;
  restore = () => writeFileSync(path, source);
  const started = Date.now();
  try {
    writeFileSync(path, source.slice(0, at) + m.replacement + source.slice(at + m.original.length));
    const out = join(dir, `mutant-${index}.json`);
    spawnSync(
      join(ROOT, 'node_modules/.bin/vitest'),
      ['run', ...m.tests, '--reporter=json', `--outputFile.json=${out}`],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'ignore'] },
    );
    let report: VitestJson | undefined;
    try {
      report = JSON.parse(readFileSync(out, 'utf8')) as VitestJson;
    } catch {
      report = undefined; // vitest could not even run the files: the mutant broke them, which kills it
    }
    const failing = (report?.testResults ?? []).flatMap((file) => {
      const failed = file.assertionResults.filter((t) => t.status === 'failed').map((t) => t.title);
      return failed.length > 0 || file.status === 'failed'
        ? [`${relative(ROOT, file.name)}: ${failed[0] ?? 'the file failed to run'}`]
        : [];
    });
    const killed = report === undefined || failing.length > 0;
    return {
      guard: m.guard,
      mutant: m.mutant,
      where: `${m.file}:${line}`,
      killed,
      by: killed ? (report === undefined ? ['the test run failed to start'] : failing) : [...m.tests],
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    restore();
    restore = undefined;
  }
}

function main() {
  const dir = mkdtempSync(join(tmpdir(), 'scalepilot-mutants-'));
  const results: MutantResult[] = [];
  for (const [i, m] of mutants.entries()) {
    const result = runOne(m, dir, i);
    results.push(result);
    process.stdout.write(
      `${result.killed ? 'killed  ' : 'SURVIVED'} ${result.guard}: ${result.mutant} (${result.where}, ${result.seconds} s)${result.killed ? `\n         by ${result.by[0]}` : ''}\n`,
    );
  }
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  writeFileSync(
    RESULTS,
    `${JSON.stringify({ ranAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), commit, results }, null, 2)}\n`,
  );
  // In the project's format, so `biome check .` passes over it as over any file.
  spawnSync(join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', RESULTS], {
    cwd: ROOT,
    stdio: 'ignore',
  });
  const survived = results.filter((r) => !r.killed).length;
  process.stdout.write(
    `\nmutants: ${results.length - survived} of ${results.length} killed; wrote ${relative(ROOT, RESULTS)}\n`,
  );
  if (survived > 0) process.exit(1);
}

main();
