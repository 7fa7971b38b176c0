import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { withSlsLock } from '../../bin/lib/slsLock';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const TEMPLATE = 'cloudformation-template-update-stack.json';

/**
 * `sls package --stage prod --package <dir>` with the real osls CLI, offline (dummy credentials, no telemetry),
 * under the project's sls lock: packages running at once in other test files would share `.serverless/`.
 * Rejects with the CLI's output when it fails.
 */
export function slsPackage(dir: string, ...args: string[]) {
  return withSlsLock(() => packageInto(dir, args));
}

/**
 * The template of the example policy's stack (stage prod), packaged once per test run: the files that read it
 * share one package, made by whichever asks first (the others wait on the lock, then find it).
 */
export async function exampleTemplate(): Promise<string> {
  const dir = join(inject('packageCache'), 'example');
  await withSlsLock(async () => {
    if (!existsSync(join(dir, TEMPLATE))) await packageInto(dir, []);
  });
  return join(dir, TEMPLATE);
}

function packageInto(dir: string, args: readonly string[]) {
  return run(join(ROOT, 'node_modules/.bin/sls'), ['package', '--stage', 'prod', '--package', dir, ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      SLS_TELEMETRY_DISABLED: '1',
    },
  });
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** A folder of this test run for packages the test files share (tests/globalSetup.ts). */
    packageCache: string;
  }
}
