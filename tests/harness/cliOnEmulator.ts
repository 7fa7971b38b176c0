import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CLI = new URL('../../bin/scalepilot', import.meta.url).pathname;

/** What the CLI said and how it ended. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The real CLI as the operator runs it (a child process), pointed at the emulator by `--endpoint`, with test
 * credentials: its exit code and output, whether it succeeded or not.
 */
export async function cliOnEmulator(endpoint: string, ...args: string[]): Promise<CliRun> {
  return run(CLI, [...args, '--endpoint', endpoint], {
    env: {
      ...process.env,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}
