import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureChromium } from '../bin/lib/chromium';
import { pythonTool } from '../bin/lib/pythonTools';

/**
 * Installs the Python tools (and Debian's Chromium, for the report test) once, before any test file runs, so
 * parallel files never race to create a venv; and gives the run a folder for the packages its files share
 * (tests/harness/slsPackage.ts), removed at the end.
 */
export default function setup(project: TestProject) {
  pythonTool('emulator', 'moto_server');
  pythonTool('checks', 'checkov');
  ensureChromium();
  const packageCache = mkdtempSync(join(tmpdir(), 'scalepilot-packages-'));
  project.provide('packageCache', packageCache);
  return () => rmSync(packageCache, { recursive: true, force: true });
}
