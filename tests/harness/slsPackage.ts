import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { withSlsLock } from '../../bin/lib/slsLock';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

/**
 * `sls package --stage prod --package <dir>` with the real osls CLI, offline (dummy credentials, no telemetry),
 * under the project's sls lock: packages running at once in other test files would share `.serverless/`.
 * Rejects with the CLI's output when it fails.
 */
export function slsPackage(dir: string, ...args: string[]) {
  return withSlsLock(() =>
    run(join(ROOT, 'node_modules/.bin/sls'), ['package', '--stage', 'prod', '--package', dir, ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
        SLS_TELEMETRY_DISABLED: '1',
      },
    }),
  );
}
