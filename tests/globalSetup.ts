import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureChromium } from '../bin/lib/chromium';
import { installPythonTools } from '../bin/lib/pythonTools';
import { startMotoPool } from './harness/motoPool';

/**
 * Installs the Python tools (and Debian's Chromium, for the report test) once, before any test file runs, so
 * parallel files never race to create a venv; gives the run a folder for the packages its files share
 * (tests/harness/slsPackage.ts), removed at the end; and starts the broker of the run's warm moto servers
 * (tests/harness/motoPool.ts), stopped with them at the end.
 */
export default async function setup(project: TestProject) {
  await installPythonTools(['emulator', 'checks']);
  ensureChromium();
  const packageCache = mkdtempSync(join(tmpdir(), 'scalepilot-packages-'));
  project.provide('packageCache', packageCache);
  const motoPool = await startMotoPool();
  project.provide('motoPool', motoPool.url);
  return async () => {
    await motoPool.stop();
    rmSync(packageCache, { recursive: true, force: true });
  };
}
