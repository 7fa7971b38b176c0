import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every policy key changes behaviour and has a test that shows it (a key nothing reads misleads the operator).
// A name check, not a proof: every key of the generated schema (docs/policy.schema.json, held to the schema by
// the docs tests) is named in at least one test outside the schema's own (tests/unit/policy/), so a new key
// cannot land with only its validation tested.
const ROOT = new URL('../..', import.meta.url).pathname;

type Node = {
  properties?: Record<string, Node>;
  items?: Node;
  additionalProperties?: Node | boolean;
} & Record<string, unknown>;

function keysOf(node: unknown, into = new Set<string>()): Set<string> {
  if (!node || typeof node !== 'object') return into;
  const n = node as Node;
  for (const [name, sub] of Object.entries(n.properties ?? {})) {
    into.add(name);
    keysOf(sub, into);
  }
  if (n.items) keysOf(n.items, into);
  if (typeof n.additionalProperties === 'object') keysOf(n.additionalProperties, into);
  for (const union of ['anyOf', 'oneOf', 'allOf'])
    for (const sub of (n[union] as unknown[] | undefined) ?? []) keysOf(sub, into);
  return into;
}

describe('policy keys', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'docs/policy.schema.json'), 'utf8'));
  const keys = [...keysOf(schema)].sort();
  const tests = execFileSync('git', ['ls-files', 'tests'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter(
      (f) =>
        f.endsWith('.ts') && !f.startsWith('tests/unit/policy/') && !f.endsWith('policyKeysTested.test.ts'),
    )
    .map((f) => readFileSync(join(ROOT, f), 'utf8'));
  it('finds the keys and the tests', () => {
    expect(keys.length).toBeGreaterThan(100);
    expect(tests.length).toBeGreaterThan(100);
  });
  it.each(keys)('%s is named in a test of what it does', (key) => {
    const named = new RegExp(`\\b${key}\\b`);
    expect(tests.some((source) => named.test(source))).toBe(true);
  });
});
