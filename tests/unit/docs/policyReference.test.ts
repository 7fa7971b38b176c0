import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  policyReference,
  REFERENCE_BEGIN,
  REFERENCE_END,
  withReference,
} from '../../../bin/lib/policyReference';
import {
  describeKeys,
  keyDescriptions,
  policyKeys,
  type SchemaNode,
} from '../../../shared/policy/keyDescriptions';
import { PolicySchema } from '../../../shared/policy/schema';
import { ROOT } from './markdown';

// docs/policy.md's reference is generated from the schema: every key with its type, bounds, default and
// meaning. The committed page must be what `npm run docs` writes, and no key may go without a meaning.
const rawSchema = () => z.toJSONSchema(PolicySchema, { io: 'input', target: 'draft-2020-12' }) as SchemaNode;

describe('the policy reference', () => {
  it('is in docs/policy.md as the schema generates it (npm run docs)', () => {
    const page = readFileSync(join(ROOT, 'docs/policy.md'), 'utf8');
    expect(page).toContain(REFERENCE_BEGIN);
    expect(page).toContain(REFERENCE_END);
    expect(page, 'docs/policy.md differs from the schema: run npm run docs').toBe(
      withReference(page, policyReference()),
    );
  });

  it('describes every key of the schema, from the schema or from keyDescriptions', () => {
    expect(describeKeys(rawSchema()).missing).toEqual([]);
  });

  it('keeps no description of a key the schema does not have, or already describes', () => {
    const keys = policyKeys(rawSchema());
    const paths = new Set(keys.map((k) => k.path));
    const described = new Set(keys.filter((k) => k.nodes.some((n) => n.description)).map((k) => k.path));
    expect(Object.keys(keyDescriptions).filter((k) => !paths.has(k))).toEqual([]);
    expect(Object.keys(keyDescriptions).filter((k) => described.has(k))).toEqual([]);
  });

  it('catches a new key added without a meaning', () => {
    const schema = rawSchema();
    (schema.properties as Record<string, SchemaNode>).plans = {
      type: 'object',
      properties: { members: { type: 'array' } },
    };
    expect(describeKeys(schema).missing).toEqual(['plans', 'plans.members']);
  });

  it.each([
    {
      name: 'a bounded whole number with its default',
      key: '`evaluationPeriods`',
      want: '| `evaluationPeriods` | whole number | `1` | 1–60 |',
    },
    {
      name: 'a required positive number',
      key: '`dailyLimitUsd`',
      want: '| `dailyLimitUsd` | number | required | > 0, ≤ 1000000000 |',
    },
    {
      name: 'a choice of values',
      key: '`mode`',
      want: '| `mode` | `"forecast-and-scale"` \\| `"forecast-only"` | `"forecast-only"` |',
    },
    {
      name: 'a period in whole minutes',
      key: '`periodSeconds`',
      want: '| `periodSeconds` | whole number | `60` | 60–86400, multiple of 60 |',
    },
    {
      name: 'a list with a most',
      key: '`fallbackInstanceClasses`',
      want: '| `fallbackInstanceClasses` | list of strings | `[]` | at most 5 |',
    },
    { name: 'an optional key without a default', key: '`cost`', want: '| `cost` | object | — |' },
    {
      name: 'a map with its values’ type (it said "string to string" for whole numbers)',
      key: '`maxConnectionsByInstanceClass`',
      want: '| `maxConnectionsByInstanceClass` | map of string to whole number | — |',
    },
    {
      name: 'a map of strings',
      key: '`dimensions`',
      want: '| `dimensions` | map of string to string | — |',
    },
  ])('writes $name', ({ key, want }) => {
    const row = policyReference()
      .split('\n')
      .find((l) => l.startsWith(`| ${key} |`));
    expect(row?.startsWith(want)).toBe(true);
  });

  it('gives the kinds of target and the types of rule tables of their own', () => {
    const headings = policyReference()
      .split('\n')
      .filter((l) => /^(###|Every|`)/.test(l));
    expect(headings).toEqual([
      '### Top level',
      '### Targets (`targets[]`)',
      'Every kind:',
      '`kind: asg` only:',
      '`kind: rds-replicas` only:',
      '`kind: cache-shards` only:',
      '### Rules (`targets[].rules[]`)',
      'Every type:',
      '`type: step` only:',
      '`type: target-tracking` only:',
      '### Metric (`targets[].rules[].metric`)',
      '### Predictive scaling (`predictive`)',
      '### Cost alerts (`cost`)',
      '### Notifications (`notifications`)',
    ]);
  });
});
