import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** A file of the project (from its sources or its compiled CLI in dist/, both two folders down). */
export const projectFile = (...parts: string[]) => join(ROOT, ...parts);

/**
 * Project-local Python environments, created on first use: `emulator` (moto, which wants a current
 * botocore) and `checks` (cfn-lint and checkov, which pin an older one), kept apart so neither downgrades
 * the other; `forecast` (statsforecast, the forecast bench's yardsticks: it installs no executable of its
 * own, so the probe is tqdm's, one of its dependencies, installed with it).
 */
export const pythonTools = {
  emulator: { packages: ['moto[server,cloudformation]'], probe: 'moto_server' },
  checks: { packages: ['cfn-lint', 'checkov'], probe: 'checkov' },
  forecast: { packages: ['statsforecast'], probe: 'tqdm' },
} as const;

/** Path of an executable of a tools venv, installing the venv first when it is missing. */
export function pythonTool(venv: keyof typeof pythonTools, executable: string): string {
  const { dir, bin } = venvPaths(venv);
  if (!existsSync(join(bin, pythonTools[venv].probe))) {
    process.stderr.write(installing(venv));
    execFileSync(process.env.PYTHON ?? 'python3', ['-m', 'venv', dir], { stdio: 'inherit' });
    execFileSync(join(bin, 'pip'), pipInstall(venv), { stdio: 'inherit' });
  }
  return join(bin, executable);
}

/**
 * Installs the missing venvs among `venvs` side by side (pip is busy with one core each: the tests' two take
 * about 40 s together rather than 75 s one after the other), for a caller that needs them all before it starts.
 */
export async function installPythonTools(venvs: readonly (keyof typeof pythonTools)[]): Promise<void> {
  const run = promisify(execFile);
  await Promise.all(
    venvs.map(async (venv) => {
      const { dir, bin } = venvPaths(venv);
      if (existsSync(join(bin, pythonTools[venv].probe))) return;
      process.stderr.write(installing(venv));
      await run(process.env.PYTHON ?? 'python3', ['-m', 'venv', dir]);
      await run(join(bin, 'pip'), pipInstall(venv), { maxBuffer: 64 * 1024 * 1024 });
    }),
  );
}

function venvPaths(venv: keyof typeof pythonTools) {
  const dir = join(ROOT, '.venv', venv);
  return { dir, bin: join(dir, 'bin') };
}

const installing = (venv: keyof typeof pythonTools) =>
  `installing ${pythonTools[venv].packages.join(', ')} into .venv/${venv} …\n`;

const pipInstall = (venv: keyof typeof pythonTools) => [
  'install',
  '--quiet',
  '--disable-pip-version-check',
  ...pythonTools[venv].packages,
];
