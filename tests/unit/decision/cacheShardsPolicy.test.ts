import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../../shared/errors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { CacheShardsTarget } from '../../../shared/policy/schema';
import { cacheTarget } from './cacheShardsFixtures';

// The cache-shards part of the policy (issue 13): the rules the gates need, replicaScaling's own range and
// rules, and the unit left to the group when the policy names none.

const rules = cacheTarget().rules;
function problems(target: Record<string, unknown>): string[] {
  try {
    validatePolicy({ version: 1, targets: [{ ...cacheTarget(), ...target }] }, 'p.yml');
    return [];
  } catch (error) {
    if (error instanceof PolicyValidationError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
}

describe('cache-shards policy', () => {
  it.each([
    { name: 'the seeds’ two rules', target: {}, want: [] },
    {
      name: 'no memory rule: the headroom gate could not judge a scale-in',
      target: { rules: [rules[0]] },
      want: [
        'targets[0] "sessions".rules: needs a rule on AWS/ElastiCache DatabaseMemoryUsagePercentage without dimensions of its own (the shard gates read it per node)',
      ],
    },
    {
      name: 'a CPU rule with dimensions of its own is not read per node',
      target: {
        rules: [
          { ...rules[0], metric: { ...rules[0]?.metric, dimensions: { CacheClusterId: 'rg-0001-001' } } },
          rules[1],
        ],
      },
      want: [
        'targets[0] "sessions".rules: needs a rule on AWS/ElastiCache EngineCPUUtilization without dimensions of its own (the shard gates read it per node)',
      ],
    },
    {
      name: 'replicaScaling naming a rule the target lacks, and a range upside down',
      target: { replicaScaling: { min: 3, max: 1, rules: ['reads'] } },
      want: [
        'targets[0] "sessions".replicaScaling.max: 1 is below min 3',
        'targets[0] "sessions".replicaScaling.rules[0]: "reads" is not a rule of this target',
      ],
    },
    {
      name: 'replicaScaling past ElastiCache’s 5 replicas per shard',
      target: { replicaScaling: { min: 0, max: 6, rules: ['engine-cpu'] } },
      want: [expect.stringMatching(/^targets\[0\] "sessions"\.replicaScaling\.max: /)],
    },
  ])('$name', ({ target, want }) => {
    expect(problems(target)).toEqual(want);
  });

  it('leaves node type and replicas per shard to the group unless named', () => {
    const target = cacheTarget() as CacheShardsTarget;
    expect(target.nodeType).toBeUndefined();
    expect(target.replicasPerShard).toBeUndefined();
    expect(cacheTarget({ replicasPerShard: 2 }).replicasPerShard).toBe(2);
  });
});
