import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withSlsLock } from '../../../bin/lib/slsLock';

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('withSlsLock', () => {
  it('runs one sls run at a time in a checkout: the second waits (told once), then runs after the first', async () => {
    const root = mkdtempSync(join(tmpdir(), 'scalepilot-lock-'));
    const events: string[] = [];
    let waits = 0;
    const run = (name: string, ms: number) =>
      withSlsLock(
        async () => {
          events.push(`${name} start`);
          await pause(ms);
          events.push(`${name} end`);
          return name;
        },
        { root, onWait: () => (waits += 1) },
      );
    const first = run('first', 1500);
    await pause(100);
    const results = await Promise.all([first, run('second', 10)]);
    expect(results).toEqual(['first', 'second']);
    expect(events).toEqual(['first start', 'first end', 'second start', 'second end']);
    expect(waits).toBe(1);
  });

  it('releases the lock when the run fails, so the next one does not wait', async () => {
    const root = mkdtempSync(join(tmpdir(), 'scalepilot-lock-'));
    await expect(
      withSlsLock(
        async () => {
          throw new Error('sls package failed');
        },
        { root },
      ),
    ).rejects.toThrow('sls package failed');
    let waited = false;
    expect(await withSlsLock(async () => 'ran', { root, onWait: () => (waited = true) })).toBe('ran');
    expect(waited).toBe(false);
  });
});
