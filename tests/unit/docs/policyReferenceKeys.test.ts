import { describe, expect, it } from 'vitest';
import { policyReference } from '../../../bin/lib/policyReference';
import { policyKeys, type SchemaNode } from '../../../shared/policy/keyDescriptions';
import { policyJsonSchema } from '../../../shared/policy/policyJsonSchema';
import { validatePolicy } from '../../../shared/policy/validatePolicy';

// docs/policy.md's reference left out the keys of a list's objects when they were a choice (a rate limit's
// `type`, `value`, `periodSeconds`), showed "0–255 characters" for names that refuse an empty one, and gave a
// plan's demand dimensions the default of a target's, which a plan has not.
const reference = policyReference();

/** Each row's key with the path of its part's table before it: `targets[].rateLimits.scaleIn[].value`. */
function rowPaths(markdown: string): Map<string, string> {
  const rows = new Map<string, string>();
  let part = '';
  for (const line of markdown.split('\n')) {
    const heading = /^### (.*)$/.exec(line);
    if (heading) part = /\(`(.+)`\)$/.exec(heading[1] ?? '')?.[1] ?? '';
    const key = /^\| `([^`]+)` \|/.exec(line)?.[1];
    if (key) rows.set(part ? `${part}.${key}` : key, line);
  }
  return rows;
}

const rows = rowPaths(reference);
const rowOf = (path: string) => rows.get(path) ?? '';

describe('the policy reference', () => {
  it('has a row for every key of the schema, a list’s objects’ keys included', () => {
    const keys = policyKeys(policyJsonSchema() as SchemaNode).map((k) => k.path);
    expect(keys.length).toBeGreaterThan(100);
    expect(keys.filter((path) => !rows.has(path))).toEqual([]);
  });

  it.each([
    {
      name: 'a rate limit’s kind: its values',
      path: 'targets[].rateLimits.scaleOut[].type',
      want: '| `rateLimits.scaleOut[].type` | `"units"` \\| `"percent"` | required |  |',
    },
    {
      name: 'a rate limit’s value: each kind’s type and bounds',
      path: 'targets[].rateLimits.scaleIn[].value',
      want: '| `rateLimits.scaleIn[].value` | `units`: whole number; `percent`: number | required | `units`: 1–10000; `percent`: > 0, ≤ 1000 |',
    },
    {
      name: 'a rate limit’s period: one type, bounds alike',
      path: 'targets[].rateLimits.scaleIn[].periodSeconds',
      want: '| `rateLimits.scaleIn[].periodSeconds` | whole number | required | 1–86400 |',
    },
    {
      name: 'a name that refuses an empty one (templateText)',
      path: 'targets[].autoScalingGroupName',
      want: '| `autoScalingGroupName` | string | required | 1–255 characters, `^[^*?]*$` |',
    },
    {
      name: 'a metric namespace',
      path: 'targets[].rules[].metric.namespace',
      want: '| `namespace` | string | required | 1–255 characters |',
    },
    {
      name: 'an instance class, whose pattern refuses an empty one',
      path: 'targets[].replicaInstanceClass',
      want: '| `replicaInstanceClass` | string | — | 1–64 characters |',
    },
  ])('writes $name', ({ path, want }) => {
    expect(rowOf(path).startsWith(want)).toBe(true);
  });

  it('says a plan’s demand dimensions are required, and a rule’s default to its target', () => {
    expect(rowOf('plans[].demand.metric.dimensions')).toMatch(/required: .*belongs to no target/);
    expect(rowOf('plans[].demand.metric.dimensions')).not.toMatch(/default: the target resource/);
    expect(rowOf('targets[].rules[].metric.dimensions')).toMatch(/default: the target resource/);
  });
});

describe('what the reference says of names is what validation does', () => {
  const policy = (groupName: string) => ({
    version: 1,
    targets: [
      {
        name: 'api',
        kind: 'asg',
        autoScalingGroupName: groupName,
        capacity: { min: 1, max: 3 },
        rules: [
          {
            name: 'cpu',
            type: 'target-tracking',
            metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
            target: 60,
          },
        ],
      },
    ],
  });

  it.each([
    { name: 'an empty group name: refused, one problem, as before', group: '', refused: true },
    { name: 'one character: taken', group: 'a', refused: false },
  ])('$name', ({ group, refused }) => {
    const validate = () => validatePolicy(policy(group), 'p.yml');
    if (!refused) return expect(validate).not.toThrow();
    expect(validate).toThrow(
      /^p\.yml: targets\[0\] "api"\.autoScalingGroupName: must not be empty \(Auto Scaling group name\)$/,
    );
  });
});
