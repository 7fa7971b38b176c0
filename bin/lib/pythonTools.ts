import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

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
  const dir = join(ROOT, '.venv', venv);
  const bin = join(dir, 'bin');
  if (!existsSync(join(bin, pythonTools[venv].probe))) {
    process.stderr.write(`installing ${pythonTools[venv].packages.join(', ')} into .venv/${venv} …\n`);
    execFileSync(process.env.PYTHON ?? 'python3', ['-m', 'venv', dir], { stdio: 'inherit' });
    execFileSync(
      join(bin, 'pip'),
      ['install', '--quiet', '--disable-pip-version-check', ...pythonTools[venv].packages],
      {
        stdio: 'inherit',
      },
    );
  }
  return join(bin, executable);
}
