import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reasonCodes } from '../../../shared/decision/types';
import { PERFECT_FORESIGHT } from '../../../shared/report/timelineDecisions';
import { ROOT, read } from './markdown';

// docs/troubleshooting.md has a row for every reason code and every error class: a new one cannot be added
// without saying what it means and what to do.
const page = read('docs/troubleshooting.md');
const rows = new Set([...page.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]));

/** Every error class of the code: `class X extends …Error` in shared/ and bin/. */
function errorClasses(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(ROOT, dir))) {
      const path = join(dir, name);
      if (statSync(join(ROOT, path)).isDirectory()) walk(path);
      else if (path.endsWith('.ts'))
        for (const m of readFileSync(join(ROOT, path), 'utf8').matchAll(
          /\bclass (\w+) extends (\w*Error)\b/g,
        ))
          found.push(m[1] as string);
    }
  };
  walk('shared');
  walk('bin');
  return found;
}

describe('the troubleshooting page', () => {
  it.each([...reasonCodes, PERFECT_FORESIGHT])('explains the reason code %s', (code) => {
    expect(rows).toContain(code);
  });

  it('explains every error class', () => {
    const classes = errorClasses();
    expect(classes).toEqual(
      expect.arrayContaining(['ScalingError', 'PolicyValidationError', 'WhyCommandError']),
    );
    expect(classes.filter((c) => !rows.has(c))).toEqual([]);
  });

  it('has a row for nothing that is neither', () => {
    const known = new Set<string>([...reasonCodes, PERFECT_FORESIGHT, ...errorClasses()]);
    expect([...rows].filter((r) => !known.has(r as string))).toEqual([]);
  });
});
