import { join, resolve } from 'node:path';
import { lock } from 'proper-lockfile';

const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * Runs `work` (an `sls package`, or a package and its deploy) while holding the project's lock on the Serverless
 * CLI. `--package <dir>` does not keep runs apart: serverless-esbuild copies every function's zip into the
 * project's own `.serverless/` and points the package at it there, and `sls deploy --package` reads from it,
 * so two runs at once (tests in parallel, two local accounts) ship each other's artifacts or find them deleted.
 * A holder that died leaves a lock nobody refreshes: it is taken over after 30 s.
 */
export async function withSlsLock<T>(work: () => Promise<T>): Promise<T> {
  const release = await lock(ROOT, {
    lockfilePath: join(ROOT, '.serverless.lock'),
    stale: 30_000,
    // Waits up to 20 minutes for the runs ahead (each a minute or two on a busy machine).
    retries: { retries: 1200, factor: 1, minTimeout: 1000, maxTimeout: 1000 },
  });
  try {
    return await work();
  } finally {
    await release();
  }
}
