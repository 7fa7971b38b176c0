import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// House style: decision code is pure. Time, state and metrics come in as arguments, so the same code runs
// in Lambda, in the backtest and in tests.
const PURE = [
  'shared/decision',
  'shared/policy',
  'shared/simulate',
  'shared/cost',
  'shared/forecast',
  'shared/tune',
];
const ROOT = new URL('../..', import.meta.url).pathname;
const FORBIDDEN = [
  { what: 'the AWS SDK', pattern: /from '@aws-sdk\// },
  { what: 'process.env', pattern: /process\.env/ },
  { what: 'Date.now()', pattern: /Date\.now\(/ },
  { what: 'the current time (new Date())', pattern: /new Date\(\)/ },
];

describe('pure decision code', () => {
  const files = PURE.flatMap((dir) =>
    // Folders too (shared/decision/plans).
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(dir, f)),
  );
  it.each(files)('%s reads no clock, no environment and no AWS', (file) => {
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const { what, pattern } of FORBIDDEN)
      expect(pattern.test(source), `${file} uses ${what}`).toBe(false);
  });
});
