import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PolicyValidationError } from '../../../shared/errors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import { EXAMPLE_POLICY } from '../../harness/fixtures';

type Raw = Record<string, any>;

/** The example policy as its YAML reads, changed by `edit`. */
function example(edit: (raw: Raw) => void): Raw {
  const raw = parse(readFileSync(EXAMPLE_POLICY, 'utf8')) as Raw;
  edit(raw);
  return raw;
}

function problemsOf(raw: unknown) {
  try {
    validatePolicy(raw);
  } catch (error) {
    if (error instanceof PolicyValidationError) return error.problems;
    throw error;
  }
  throw new Error('the policy was accepted');
}

const CPU = 'targets[0] "api".rules[0] "cpu"';

// Found by mutating the example policy at every path: a problem must name the place it is about, once.
describe('each problem names its own place, once', () => {
  it.each([
    {
      name: "a plan member that is no map: the later members' problems kept their own index (they named the one before)",
      raw: example((r) => {
        r.plans[0].members[0] = null;
      }),
      want: [
        {
          path: 'plans[0] "ticket-rush".members[0]',
          message: 'Invalid input: expected object, received null',
        },
        { path: 'plans[0] "ticket-rush".members[1].ratio.member', message: expect.stringContaining('"api"') },
        { path: 'plans[0] "ticket-rush".members[2].ratio.member', message: expect.stringContaining('"api"') },
      ],
    },
    {
      name: 'a step that is no map: the step after it is named by its own index',
      raw: example((r) => {
        r.targets[0].rules[0].scaleOut = [null, { above: 75, add: 20 }];
      }),
      want: [
        { path: `${CPU}.scaleOut[0]`, message: 'Invalid input: expected object, received null' },
        { path: `${CPU}.scaleOut[1].add`, message: 'step of 20 does not fit the range 2..10 (at most 8)' },
        { path: `${CPU}.scaleOut[1].add`, message: 'step of 20 exceeds maxUnitsPerDecision 4' },
      ],
    },
    {
      name: 'a rule that is no map: the rule after it is named by its own index',
      raw: example((r) => {
        const cpu = r.targets[0].rules[0];
        r.targets[0].rules = [
          7,
          { ...cpu, evaluationPeriods: 30, metric: { ...cpu.metric, periodSeconds: 3600 } },
        ];
      }),
      want: [
        { path: 'targets[0] "api".rules[0]', message: 'Invalid input: expected object, received number' },
        {
          path: 'targets[0] "api".rules[1] "cpu".evaluationPeriods',
          message: expect.stringMatching(/^30 periods of 3600 s span 108000 s;/),
        },
      ],
    },
    {
      name: 'a number past 2^53 said once (it failed two checks with one message, and was listed twice)',
      raw: example((r) => {
        r.maxUnitsPerDecision = 1e23;
      }),
      want: [
        {
          path: 'maxUnitsPerDecision',
          message:
            '1e+23: must be a whole number from 1 to 10000 (units are whole instances, replicas or shards)',
        },
      ],
    },
    {
      name: 'a namespace starting with ":" (accepted; the alarm refuses it, pattern [^:].*, at the deploy)',
      raw: example((r) => {
        r.targets[0].rules[0].metric.namespace = ':Custom';
      }),
      want: [{ path: `${CPU}.metric.namespace`, message: 'must not start with ":" (CloudWatch namespace)' }],
    },
    {
      name: 'a namespace that is not ASCII (accepted; CloudWatch takes ASCII only, at the deploy)',
      raw: example((r) => {
        r.targets[0].rules[0].metric.namespace = 'Äpp/Metrics';
      }),
      want: [
        {
          path: `${CPU}.metric.namespace`,
          message: 'must contain only ASCII characters (CloudWatch namespace)',
        },
      ],
    },
    {
      name: 'a required key left out (it read "expected number, received undefined", as if of the wrong type)',
      raw: example((r) => {
        delete r.targets[0].capacity.min;
      }),
      want: [{ path: 'targets[0] "api".capacity.min', message: 'missing: required (expected number)' }],
    },
    {
      name: 'a required map left out',
      raw: example((r) => {
        delete r.targets[1].capacity;
      }),
      want: [{ path: 'targets[1] "events-db".capacity', message: 'missing: required (expected object)' }],
    },
    {
      name: 'a target without its kind (it read "Invalid discriminator value")',
      raw: example((r) => {
        delete r.targets[2].kind;
      }),
      want: [
        {
          path: 'targets[2] "sessions-cache".kind',
          message: "missing: required (expected 'asg' | 'rds-replicas' | 'cache-shards')",
        },
      ],
    },
    {
      name: 'a policy without its version (it read "expected 1")',
      raw: example((r) => {
        delete r.version;
      }),
      want: [{ path: 'version', message: 'missing: required (expected 1)' }],
    },
    {
      name: 'a key given as null keeps its own message: it is there, of the wrong type',
      raw: example((r) => {
        r.targets[0].capacity.min = null;
      }),
      want: [
        { path: 'targets[0] "api".capacity.min', message: 'Invalid input: expected number, received null' },
      ],
    },
    {
      name: 'an instance type "*" (accepted: the cost report priced no such type)',
      raw: example((r) => {
        r.targets[0].instanceType = '*';
      }),
      want: [
        {
          path: 'targets[0] "api".instanceType',
          message: '"*": must be an EC2 instance type, family.size such as m7g.large, not a wildcard',
        },
      ],
    },
    {
      name: 'a replica class without its db. (accepted; CreateDBInstanceReadReplica refused it at the first scale-out)',
      raw: example((r) => {
        r.targets[1].replicaInstanceClass = 'r6g.large';
      }),
      want: [
        {
          path: 'targets[1] "events-db".replicaInstanceClass',
          message: '"r6g.large": must be an RDS instance class, db.family.size such as db.r6g.large',
        },
      ],
    },
    {
      name: 'a cache node type with a wildcard',
      raw: example((r) => {
        r.targets[2].nodeType = 'cache.r7g.*';
      }),
      want: [
        {
          path: 'targets[2] "sessions-cache".nodeType',
          message:
            '"cache.r7g.*": must be an ElastiCache node type, cache.family.size such as cache.r7g.large, not a wildcard',
        },
      ],
    },
    {
      name: 'a fallback class in the EC2 form',
      raw: example((r) => {
        r.targets[1].fallbackInstanceClasses = ['db.r6g.large', 'r6g.xlarge'];
      }),
      want: [
        {
          path: 'targets[1] "events-db".fallbackInstanceClasses[1]',
          message: '"r6g.xlarge": must be an RDS instance class, db.family.size such as db.r6g.large',
        },
      ],
    },
    {
      name: 'a cache of at least 0 shards (accepted: a cluster-mode replication group has one at least)',
      raw: example((r) => {
        r.targets[2].capacity.min = 0;
      }),
      want: [
        {
          path: 'targets[2] "sessions-cache".capacity.min',
          message:
            '0: must be a whole number from 1 to 500 (a cluster-mode replication group has at least one shard)',
        },
      ],
    },
    {
      name: 'a cache of up to 501 shards (accepted: a cluster-mode replication group holds 500 at most)',
      raw: example((r) => {
        r.targets[2].capacity.max = 501;
      }),
      want: [
        {
          path: 'targets[2] "sessions-cache".capacity.max',
          message:
            '501: must be a whole number from 0 to 500 (a cluster-mode replication group holds at most 500 shards)',
        },
      ],
    },
    {
      name: 'up to 16 read replicas (accepted: RDS makes 15 of a source at most)',
      raw: example((r) => {
        r.targets[1].capacity.max = 16;
      }),
      want: [
        {
          path: 'targets[1] "events-db".capacity.max',
          message: '16: must be a whole number from 0 to 15 (RDS makes at most 15 read replicas of a source)',
        },
      ],
    },
  ])('$name', ({ raw, want }) => {
    expect(problemsOf(raw)).toEqual(want);
  });
});

describe('the fewest units each kind may go to', () => {
  it.each([
    {
      name: 'a group, 0 instances (on a metric that exists without them: the step rules on CPU removed)',
      kind: 0,
    },
    { name: 'read replicas, 0 (the source serves the reads)', kind: 1 },
  ])('$name', ({ kind }) => {
    const raw = example((r) => {
      r.targets[kind].capacity.min = 0;
      if (kind === 0)
        r.targets[0].rules = [
          {
            name: 'queue',
            type: 'target-tracking',
            metric: {
              namespace: 'AWS/SQS',
              name: 'ApproximateNumberOfMessagesVisible',
              dimensions: { QueueName: 'jobs' },
            },
            target: 100,
          },
        ];
    });
    expect(() => validatePolicy(raw)).not.toThrow();
  });
});
