import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// `npm run bench:fleet` as issue 23 checks it, on a few targets of each kind (the 2,000-target run is the bench's,
// not CI's): the command runs to its JSON line. Its set-up once made the kill switch through `scalepilot resume`,
// which since refuses a stage whose functions do not exist, and the bench died with a stack trace.
const run = promisify(execFile);
const TSX = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
const BENCH = new URL('../../bench/fleet.ts', import.meta.url).pathname;

describe('npm run bench:fleet', () => {
  it.each([{ kind: 'asg' }, { kind: 'rds-replicas' }, { kind: 'cache-shards' }])(
    '$kind: ten targets, two acting: every one evaluated, one JSON line last',
    async ({ kind }) => {
      const { stdout } = await run(TSX, [BENCH, '--targets', '10', '--kind', kind], {
        env: { ...process.env, AWS_REGION: 'us-east-1' },
      });
      const line = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
      expect(line).toMatchObject({ targets: 10, kind, evaluated: 10, acted: 2, deferred: 0 });
      expect(line.calls).toBe(
        Object.values(line.byOperation as Record<string, number>).reduce((a, b) => a + b),
      );
    },
    120_000,
  );
});
