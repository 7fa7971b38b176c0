import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PolicyValidationError } from '../../shared/errors';
import { describePath } from '../../shared/policy/describePath';
import { parsePolicy, validatePolicy } from '../../shared/policy/parsePolicy';

// The example policies, mutated at random paths (a key or an item deleted, a value of another type, a number out
// of range, a name with a wildcard, an item repeated), one to three changes at a time: validation accepts the
// policy, or refuses it with a PolicyValidationError whose every problem names a place in that document. Nothing
// else is thrown. tests/reliability/badInput.test.ts fuzzes the values at each path; this adds the deletions and
// repeats, and holds each problem's path to the document (a problem of members[1] once named members[0]).

type Path = (string | number)[];
type Raw = unknown;

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const BASES = readdirSync(EXAMPLES)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => ({ file: f, raw: parse(readFileSync(join(EXAMPLES, f), 'utf8')) as Raw }));

/** Every path of a document to a value (the root too). */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}

const DELETE = Symbol('delete');
const REPEAT = Symbol('repeat');
type Change = unknown;

/** The document with `change` at `path` (a copy): a value, deleted, or (an array's item) repeated after itself. */
function changed(base: Raw, path: Path, change: Change): Raw {
  if (path.length === 0) return change === DELETE || change === REPEAT ? base : change;
  const [head, ...rest] = path as [string | number, ...Path];
  if (typeof base !== 'object' || base === null) return base;
  if (Array.isArray(base)) {
    const copy = [...base];
    const i = head as number;
    if (rest.length > 0) copy[i] = changed(copy[i], rest, change);
    else if (change === DELETE) copy.splice(i, 1);
    else if (change === REPEAT) copy.splice(i + 1, 0, structuredClone(copy[i]));
    else copy[i] = change;
    return copy;
  }
  const copy: Record<string, unknown> = { ...base };
  if (rest.length > 0) copy[head] = changed(copy[head], rest, change);
  else if (change === DELETE) delete copy[head];
  else if (change !== REPEAT) copy[head] = change;
  return copy;
}

const WILDCARDS = ['*', 'prod-*', 'web-?', `$${'{'}AWS::AccountId}`, ' padded ', 'ünïcode', ''];
const changeArb: fc.Arbitrary<Change> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(DELETE) },
  { weight: 1, arbitrary: fc.constant(REPEAT) },
  // Another type.
  { weight: 3, arbitrary: fc.constantFrom<Change>(null, [], {}, 'text', 7, true) },
  // Out of range.
  {
    weight: 3,
    arbitrary: fc.constantFrom<Change>(
      -1,
      0,
      -0.5,
      1.5,
      1e9,
      1e23,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ),
  },
  { weight: 3, arbitrary: fc.constantFrom<Change>(...WILDCARDS) },
);

const mutationArb = fc
  .record({
    base: fc.constantFrom(...BASES),
    changes: fc.array(fc.tuple(fc.nat(), changeArb), { minLength: 1, maxLength: 3 }),
    asText: fc.boolean(),
  })
  .map(({ base, changes, asText }) => {
    let raw = base.raw;
    for (const [pick, change] of changes) {
      const paths = pathsOf(raw).filter((p) => p.length > 0);
      if (paths.length === 0) break;
      raw = changed(raw, paths[pick % paths.length] as Path, change);
    }
    return { file: base.file, raw, asText };
  });

/**
 * Whether a problem's path names a place of the document: a value in it, a key missing under a map in it (a
 * required key deleted), a record key's name (`… (name)`), or the top level.
 */
function namesAPlace(raw: Raw, where: string): boolean {
  if (where === '(top level)' || /^[A-Za-z_$][\w$]*$/.test(where)) return true;
  return pathsOf(raw).some((p) => {
    const place = describePath(raw, p);
    if (where === place || where === `${place} (name)`) return true;
    return where.startsWith(`${place}.`) && /^[A-Za-z_$][\w$]*$/.test(where.slice(place.length + 1));
  });
}

/**
 * Where a resource name reaches the IAM policy (a wildcard there would grant on every such resource), and where
 * an instance type is one type (a wildcard names none: it priced nothing, and no replica is created of it).
 */
const RESOURCE_KEYS = [
  'autoScalingGroupName',
  'sourceDbInstanceIdentifier',
  'replicationGroupId',
  'instanceType',
  'replicaInstanceClass',
  'nodeType',
];

/** The kinds a target may be: a target of another is refused at its `kind`, which says what its keys mean. */
const KINDS = new Set(['asg', 'rds-replicas', 'cache-shards']);

/**
 * The places of resource names and instance types with a wildcard (`*`, `?`) in a document, in targets of a known
 * kind (an unknown kind is refused at its `kind`: which keys name a resource depends on it).
 */
function wildcardResources(raw: Raw): string[] {
  const targets = (raw as { targets?: unknown } | null)?.targets;
  if (!Array.isArray(targets)) return [];
  return targets.flatMap((t, i) =>
    RESOURCE_KEYS.filter((key) => {
      if (!KINDS.has(String((t as Record<string, unknown> | null)?.kind))) return false;
      const value = (t as Record<string, unknown> | null)?.[key];
      return typeof value === 'string' && /[*?]/.test(value);
    }).map((key) => describePath(raw, ['targets', i, key])),
  );
}

describe('policy validation: mutated example policies', () => {
  it('finds the examples', () => {
    expect(BASES.length).toBeGreaterThan(0);
  });

  it('accepts, or refuses naming a place in the document for every problem; never throws anything else', () => {
    let refused = 0;
    fc.assert(
      fc.property(mutationArb, ({ file, raw, asText }) => {
        let problems: readonly { path: string; message: string }[] = [];
        try {
          // A share through the YAML reader too, as `scalepilot validate` reads a file.
          if (asText) parsePolicy(stringify(raw), file);
          else validatePolicy(raw, file);
        } catch (error) {
          if (!(error instanceof PolicyValidationError)) throw error;
          problems = error.problems;
          expect(problems.length).toBeGreaterThan(0);
          refused += 1;
        }
        for (const { path, message } of problems) {
          expect(message).toMatch(/\S/);
          expect(`${path}: ${message}`).not.toMatch(/\n|\[object /);
          expect(namesAPlace(raw, path), `${path}: ${message}`).toBe(true);
        }
        // A wildcard in a resource name or an instance type is always refused, at its own place.
        for (const place of wildcardResources(raw)) expect(problems.map((p) => p.path)).toContain(place);
      }),
      { numRuns: 1500 },
    );
    // The mutations make bad policies: most are refused.
    expect(refused).toBeGreaterThan(750);
  });
});
