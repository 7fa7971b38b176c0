import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

/**
 * A project of two sources with the real launcher and build script (bin/scalepilot, bin/build.mjs), so the
 * test can change its sources without touching the checkout's own build.
 */
function project(withDependencies = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'scalepilot-cli-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(ROOT, 'bin/scalepilot'), join(dir, 'bin/scalepilot'));
  copyFileSync(join(ROOT, 'bin/build.mjs'), join(dir, 'bin/build.mjs'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(
    join(dir, 'bin/cli.ts'),
    "import { word } from './word.ts';\nconsole.log(word, process.argv[2]);\n",
  );
  writeFileSync(join(dir, 'bin/word.ts'), "export const word: string = 'one';\n");
  if (withDependencies) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

// Started from a folder at another depth than the project's: the build's record of its sources must not depend
// on where the operator stands (it did: every start from elsewhere rebuilt).
const run = (dir: string) => {
  const elsewhere = join(dir, 'elsewhere/a/b/c');
  mkdirSync(elsewhere, { recursive: true });
  return spawnSync(process.execPath, [join(dir, 'bin/scalepilot'), 'hello'], {
    encoding: 'utf8',
    cwd: elsewhere,
  });
};
const builtFrom = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'dist/current.json'), 'utf8')).dir as string;

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('bin/scalepilot runs the compiled CLI and never stale code', () => {
  it('builds on first use, then starts the same build while no source changed', () => {
    const dir = project();
    made.push(dir);
    expect(run(dir).stdout).toBe('one hello\n');
    const first = builtFrom(dir);
    expect(run(dir).stdout).toBe('one hello\n');
    expect(builtFrom(dir)).toBe(first);
  });

  it.each([
    {
      name: 'a source edited after the build is rebuilt before it runs',
      change: (dir: string) => {
        writeFileSync(join(dir, 'bin/word.ts'), "export const word: string = 'two';\n");
        const later = new Date(Date.now() + 5000);
        utimesSync(join(dir, 'bin/word.ts'), later, later);
      },
      want: 'two hello\n',
    },
    {
      name: 'a source the build read that is gone makes it rebuild',
      change: (dir: string) => {
        rmSync(join(dir, 'bin/word.ts'));
        writeFileSync(join(dir, 'bin/cli.ts'), "console.log('alone', process.argv[2]);\n");
        utimesSync(join(dir, 'bin/cli.ts'), new Date(0), new Date(0));
      },
      want: 'alone hello\n',
    },
  ])('$name', ({ change, want }) => {
    const dir = project();
    made.push(dir);
    expect(run(dir).stdout).toBe('one hello\n');
    const first = builtFrom(dir);
    change(dir);
    const again = run(dir);
    expect(again.stdout).toBe(want);
    expect(builtFrom(dir)).not.toBe(first);
  });

  it('without esbuild to rebuild, says so in one line and exits 1', () => {
    const dir = project(false);
    made.push(dir);
    const result = run(dir);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      'scalepilot: the CLI must be built and esbuild is not installed: run npm ci',
    );
  });

  it('finds the checkout’s own files from the compiled code: prices writes the bundled table by default', () => {
    const help = spawnSync(process.execPath, [join(ROOT, 'bin/scalepilot'), 'prices', '--help'], {
      encoding: 'utf8',
    });
    const out = /--out <file>.*?\(default: "([^"]+)"\)/.exec(help.stdout.replace(/\s+/g, ' '))?.[1];
    expect(out).toBe(join(ROOT, 'shared/cost/onDemandPrices.json'));
    expect(existsSync(out as string)).toBe(true);
  });
});
