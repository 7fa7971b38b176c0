import { join, resolve } from 'node:path';
import { lock } from 'proper-lockfile';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Where the lock lives: the project's root by default. */
export interface SlsLockOptions {
  readonly root?: string;
  /** Told once when another run holds the lock and this one waits for it. */
  readonly onWait?: () => void;
}

/**
 * Runs `work` (an `sls package`, or a package and its deploy) while holding the project's lock on the Serverless
 * CLI. `--package <dir>` does not keep runs apart: serverless-esbuild copies every function's zip into the
 * project's own `.serverless/` and points the package at it there, and `sls deploy --package` reads from it,
 * so two runs at once (tests in parallel, two local accounts) ship each other's artifacts or find them deleted.
 * A holder that died leaves a lock nobody refreshes: it is taken over after 30 s.
 */
export async function withSlsLock<T>(work: () => Promise<T>, options: SlsLockOptions = {}): Promise<T> {
  const root = options.root ?? ROOT;
  const take = (retries: number) =>
    lock(root, {
      lockfilePath: join(root, '.serverless.lock'),
      stale: 30_000,
      retries: { retries, factor: 1, minTimeout: 1000, maxTimeout: 1000 },
    });
  const release = await take(0).catch((error: { code?: string }) => {
    if (error.code !== 'ELOCKED') throw error;
    options.onWait?.();
    // Up to 20 minutes for the runs ahead (each a minute or two on a busy machine).
    return take(1200);
  });
  try {
    return await work();
  } finally {
    await release();
  }
}
