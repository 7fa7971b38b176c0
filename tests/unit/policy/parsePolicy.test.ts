import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PolicyValidationError } from '../../../shared/errors';
import { alarmDefinitions, alarmNameProblems } from '../../../shared/policy/alarmDefinitions';
import { parsePolicy, validatePolicy } from '../../../shared/policy/parsePolicy';
import { policyJsonSchema } from '../../../shared/policy/policyJsonSchema';
import { EXAMPLE_POLICY } from '../../harness/fixtures';

const exampleText = readFileSync(EXAMPLE_POLICY, 'utf8');
const example = () => parse(exampleText) as Record<string, any>;

function problemsOf(doc: unknown): string[] {
  try {
    parsePolicy(stringify(doc), 'scalepilot.yml');
  } catch (error) {
    if (error instanceof PolicyValidationError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('the example policy', () => {
  it('validates and carries the seed values', () => {
    const policy = parsePolicy(exampleText);
    const api = policy.targets.find((t) => t.name === 'api');
    expect(api?.capacity).toEqual({ min: 2, max: 10 });
    expect(api?.cooldowns).toEqual({ scaleOutSeconds: 300, scaleInSeconds: 600 });
    expect(api?.rules[0]).toMatchObject({
      scaleOut: [{ above: 70, add: 2 }],
      scaleIn: [{ below: 30, remove: 1 }],
    });
    expect(api?.rules[1]).toMatchObject({
      scaleOut: [{ above: 80, add: 2 }],
      scaleIn: [{ below: 40, remove: 1 }],
    });
    const db = policy.targets.find((t) => t.kind === 'rds-replicas');
    expect(db).toMatchObject({ capacity: { min: 1, max: 3 }, replicaLagLimitSeconds: 60 });
    expect(db?.rules[0]).toMatchObject({ scaleOut: [{ above: 90 }] });
    expect(policy.targets.find((t) => t.kind === 'cache-shards')?.capacity.min).toBe(3);
    expect(policy.predictive.capacityBufferPercent).toBe(30);
    expect(policy.cost?.dailyLimitUsd).toBeGreaterThan(0);
  });

  it('becomes one alarm per threshold, each for the function of its kind', () => {
    const alarms = alarmDefinitions(parsePolicy(exampleText), 'prod');
    expect(alarms).toHaveLength(8);
    expect(new Set(alarms.map((a) => a.alarmName)).size).toBe(8);
    expect(alarms.find((a) => a.alarmName === 'scalepilot-prod.api.cpu.gt70')).toMatchObject({
      functionName: 'scaleAsg',
      comparison: 'GreaterThanThreshold',
      threshold: 70,
      treatMissingData: 'missing',
      metric: { dimensions: { AutoScalingGroupName: 'event-platform-api' } },
    });
    expect(
      alarms.find((a) => a.alarmName === 'scalepilot-prod.events-db.connections.gt90')?.functionName,
    ).toBe('scaleRdsReplicas');
  });

  it.each([
    {
      name: 'an Aurora cluster: its readers as one series (Role=READER), what its decisions read',
      aurora: true,
      want: { DBClusterIdentifier: 'event-platform-db', Role: 'READER' },
    },
    {
      name: 'a plain source: the source (its replicas publish under ids the scaler makes; a hint)',
      aurora: false,
      want: { DBInstanceIdentifier: 'event-platform-db' },
    },
  ])('the alarms of a read-replica target watch $name', ({ aurora, want }) => {
    const example = parsePolicy(exampleText);
    const policy = {
      ...example,
      targets: example.targets.map((t) => (t.kind === 'rds-replicas' ? { ...t, aurora } : t)),
    };
    const alarms = alarmDefinitions(policy, 'prod').filter((a) => a.kind === 'rds-replicas');
    expect(alarms).toHaveLength(4);
    for (const alarm of alarms) expect(alarm.metric.dimensions).toEqual(want);
  });

  it('gives per-node ElastiCache metrics no alarm: AWS publishes them per node, never per group (such an alarm never fired)', () => {
    const alarms = alarmDefinitions(parsePolicy(exampleText), 'prod');
    expect(alarms.filter((a) => a.kind === 'cache-shards')).toEqual([]);
    // A rule that names its own dimensions (one node, say) has a series to alarm on.
    const example = parsePolicy(exampleText);
    const withDimensions = {
      ...example,
      targets: example.targets.map((t) =>
        t.kind !== 'cache-shards'
          ? t
          : {
              ...t,
              rules: t.rules.map((r) => ({
                ...r,
                metric: { ...r.metric, dimensions: { CacheClusterId: 'event-platform-redis-0001-001' } },
              })),
            },
      ),
    };
    expect(alarmDefinitions(withDimensions, 'prod').find((a) => a.kind === 'cache-shards')).toMatchObject({
      functionName: 'scaleCacheShards',
      metric: { dimensions: { CacheClusterId: 'event-platform-redis-0001-001' } },
    });
  });
});

describe('validation reports every problem with its place', () => {
  it.each([
    {
      name: 'max below min',
      edit: (d: any) => {
        d.targets[0].capacity = { min: 2, max: 1 };
      },
      want: ['targets[0] "api".capacity.max: 1 is below min 2'],
    },
    {
      name: 'unknown key',
      edit: (d: any) => {
        d.targets[0].capacty = 3;
      },
      want: ['targets[0] "api".capacty: unknown key'],
    },
    {
      name: 'duplicate target name',
      edit: (d: any) => {
        d.targets[1].name = 'api';
        delete d.plans; // its member events-db would be gone too (plansSchema.test.ts)
      },
      want: ['targets[1] "api".name: duplicate target name "api" (first used by targets[0])'],
    },
    {
      name: 'step larger than the range',
      edit: (d: any) => {
        d.targets[0].capacity = { min: 2, max: 3 };
      },
      want: [
        'targets[0] "api".rules[0] "cpu".scaleOut[0].add: step of 2 does not fit the range 2..3 (at most 1)',
        'targets[0] "api".rules[1] "memory".scaleOut[0].add: step of 2 does not fit the range 2..3 (at most 1)',
      ],
    },
    {
      name: 'scale-in threshold not below scale-out',
      edit: (d: any) => {
        d.targets[0].rules[0].scaleIn = [{ below: 75, remove: 1 }];
      },
      want: ['targets[0] "api".rules[0] "cpu".scaleIn[0].below: 75 is not below the scale-out threshold 70'],
    },
    {
      name: 'zero cooldown',
      edit: (d: any) => {
        d.targets[0].cooldowns.scaleInSeconds = 0;
      },
      want: [
        'targets[0] "api".cooldowns.scaleInSeconds: 0 s: must be a whole number from 1 to 86400 (one day)',
      ],
    },
    {
      name: 'resource managed twice',
      edit: (d: any) => {
        d.targets.push({ ...d.targets[0], name: 'api-2' });
      },
      want: [
        'targets[3] "api-2".autoScalingGroupName: "event-platform-api" is already managed by targets[0]; two targets would fight',
      ],
    },
    {
      name: 'step above the blast-radius cap',
      edit: (d: any) => {
        d.maxUnitsPerDecision = 1;
      },
      want: [
        'targets[0] "api".rules[0] "cpu".scaleOut[0].add: step of 2 exceeds maxUnitsPerDecision 1',
        'targets[0] "api".rules[1] "memory".scaleOut[0].add: step of 2 exceeds maxUnitsPerDecision 1',
      ],
    },
    {
      name: 'resource not named',
      edit: (d: any) => {
        delete d.targets[2].replicationGroupId;
      },
      want: ['targets[2] "sessions-cache".replicationGroupId: missing: required (expected string)'],
    },
  ])('$name', ({ edit, want }) => {
    const doc = example();
    edit(doc);
    expect(problemsOf(doc)).toEqual(want);
  });

  it('reports max < min, an unknown key and a duplicate name together', () => {
    const doc = example();
    doc.targets[0].capacity = { min: 2, max: 1 };
    doc.targets[0].colour = 'red';
    doc.targets[1].name = 'api';
    delete doc.plans; // its member events-db would be gone too (plansSchema.test.ts)
    const problems = problemsOf(doc);
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/capacity\.max: 1 is below min 2[\s\S]*/);
    expect(problems.join('\n')).toContain('"api".colour: unknown key');
    expect(problems.join('\n')).toContain('duplicate target name "api"');
  });

  it('names the file, the line and the column of a YAML syntax error', () => {
    expect(() => parsePolicy('version: 1\ntargets: [\n', 'broken.yml')).toThrow(
      /broken\.yml: line \d+, column \d+/,
    );
  });

  it.each([
    {
      name: 'a key twice',
      text: 'version: 1\ntargets: []\ntargets: []\n',
      line: 'broken.yml: line 3, column 1: Map keys must be unique',
    },
    {
      name: 'a tab as indentation',
      text: '\t- bad\n',
      line: 'broken.yml: line 1, column 1: Tabs are not allowed as indentation',
    },
    {
      name: 'an alias to no anchor (was "too many YAML aliases", an alias bomb it is not)',
      text: 'version: 1\ntargets:\n  - *api\n',
      line: 'broken.yml: line 3, column 5: \\*api names no anchor: an anchor &api must come before it',
    },
    {
      name: 'an alias before its anchor',
      text: 'version: *v\nx: &v 1\n',
      line: 'broken.yml: line 1, column 10: \\*v names no anchor: an anchor &v must come before it',
    },
    {
      name: 'two YAML documents (was "please use YAML.parseAllDocuments()", a word to a programmer)',
      text: 'version: 1\n---\nversion: 1\n',
      line: 'broken.yml: line 2, column 1: a second YAML document starts here \\(---\\): a policy file holds one',
    },
  ])('says the place of a YAML error once: $name', ({ text, line }) => {
    expect(() => parsePolicy(text, 'broken.yml')).toThrow(
      expect.objectContaining({ message: expect.stringMatching(new RegExp(`^${line}$`, 'm')) }),
    );
  });

  it('says an alias to no anchor once, at its first use, however often it is used', () => {
    const text = `version: 1\ntargets: [${Array(10_000).fill('*t').join(', ')}]\n`;
    expect(() => parsePolicy(text, 'broken.yml')).toThrow(
      /^broken\.yml: line 2, column 11: \*t names no anchor: an anchor &t must come before it$/,
    );
  });

  it('keeps docs/policy.schema.json (the editors’ copy) in step with the schema', () => {
    const committed = readFileSync(new URL('../../../docs/policy.schema.json', import.meta.url), 'utf8');
    expect(JSON.parse(committed)).toEqual(policyJsonSchema());
  });

  it('produces a JSON Schema that editors can use', () => {
    const schema = policyJsonSchema() as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['version', 'targets', 'predictive', 'cost', 'notifications', 'dryRun']),
    );
    expect(schema.additionalProperties).toBe(false);
  });
});

// Issue 11, item 2: a name went unvalidated into IAM ARNs and CloudFormation `Fn::Sub`.
describe('resource identifiers are validated by AWS’s own rules (defect: names not validated)', () => {
  const rds =
    'RDS DB instance identifier: 1-63 letters, digits or hyphens, starting with a letter, no "--", no trailing hyphen';
  const cache =
    'ElastiCache replication group id: 1-40 letters, digits or hyphens, starting with a letter, no "--", no trailing hyphen';
  it.each([
    {
      name: 'ASG "*" (would grant SetDesiredCapacity on every group)',
      edit: (d: any) => {
        d.targets[0].autoScalingGroupName = '*';
      },
      want: [
        'targets[0] "api".autoScalingGroupName: must not contain "*" or "?": IAM would read it as a wildcard over other groups',
      ],
    },
    {
      name: `ASG with \${...} (CloudFormation would substitute it)`,
      edit: (d: any) => {
        d.targets[0].autoScalingGroupName = `web-\${AWS::Region}`;
      },
      want: [
        'targets[0] "api".autoScalingGroupName: must not contain "${": CloudFormation would substitute it',
      ],
    },
    {
      name: 'ASG with "?"',
      edit: (d: any) => {
        d.targets[0].autoScalingGroupName = 'a?b';
      },
      want: [
        'targets[0] "api".autoScalingGroupName: must not contain "*" or "?": IAM would read it as a wildcard over other groups',
      ],
    },
    {
      name: 'ASG with a control character',
      edit: (d: any) => {
        d.targets[0].autoScalingGroupName = 'a\tb';
      },
      want: ['targets[0] "api".autoScalingGroupName: must not contain control characters'],
    },
    {
      name: 'ASG of 256 characters',
      edit: (d: any) => {
        d.targets[0].autoScalingGroupName = 'a'.repeat(256);
      },
      want: [
        'targets[0] "api".autoScalingGroupName: must be at most 255 characters (Auto Scaling group name)',
      ],
    },
    {
      name: 'RDS starting with a hyphen',
      edit: (d: any) => {
        d.targets[1].sourceDbInstanceIdentifier = '-db';
      },
      want: [`targets[1] "events-db".sourceDbInstanceIdentifier: must start with a letter (${rds})`],
    },
    {
      name: 'RDS starting with a digit',
      edit: (d: any) => {
        d.targets[1].sourceDbInstanceIdentifier = '1db';
      },
      want: [`targets[1] "events-db".sourceDbInstanceIdentifier: must start with a letter (${rds})`],
    },
    {
      name: 'RDS with a double hyphen',
      edit: (d: any) => {
        d.targets[1].sourceDbInstanceIdentifier = 'db--x';
      },
      want: [`targets[1] "events-db".sourceDbInstanceIdentifier: must not contain "--" (${rds})`],
    },
    {
      name: 'RDS with a trailing hyphen',
      edit: (d: any) => {
        d.targets[1].sourceDbInstanceIdentifier = 'db-';
      },
      want: [`targets[1] "events-db".sourceDbInstanceIdentifier: must not end with a hyphen (${rds})`],
    },
    {
      name: 'RDS of 64 characters',
      edit: (d: any) => {
        d.targets[1].sourceDbInstanceIdentifier = `d${'b'.repeat(63)}`;
      },
      want: [`targets[1] "events-db".sourceDbInstanceIdentifier: must be at most 63 characters (${rds})`],
    },
    {
      name: 'RDS with an underscore',
      edit: (d: any) => {
        d.targets[1].sourceDbInstanceIdentifier = 'db_x';
      },
      want: [
        `targets[1] "events-db".sourceDbInstanceIdentifier: must contain only letters, digits and hyphens (${rds})`,
      ],
    },
    {
      name: 'cache id of 41 characters',
      edit: (d: any) => {
        d.targets[2].replicationGroupId = `r${'e'.repeat(40)}`;
      },
      want: [`targets[2] "sessions-cache".replicationGroupId: must be at most 40 characters (${cache})`],
    },
    {
      name: 'the same database in two cases is one resource (RDS compares lowercase)',
      edit: (d: any) => {
        d.targets.push({
          ...d.targets[1],
          name: 'events-db-2',
          sourceDbInstanceIdentifier: 'Event-Platform-DB',
        });
      },
      want: [
        'targets[3] "events-db-2".sourceDbInstanceIdentifier: "Event-Platform-DB" is already managed by targets[1]; two targets would fight',
      ],
    },
  ])('$name', ({ edit, want }) => {
    const doc = example();
    edit(doc);
    expect(problemsOf(doc)).toEqual(want);
  });

  it.each([
    { name: 'RDS 63 characters', index: 1, key: 'sourceDbInstanceIdentifier', value: `d${'b'.repeat(62)}` },
    { name: 'cache 40 characters', index: 2, key: 'replicationGroupId', value: `r${'e'.repeat(39)}` },
    { name: 'ASG with spaces and slashes', index: 0, key: 'autoScalingGroupName', value: 'eks/web nodes' },
  ])('accepts the longest or oddest valid name: $name', ({ index, key, value }) => {
    const doc = example();
    doc.targets[index][key] = value;
    expect(problemsOf(doc)).toEqual([]);
  });

  it('accepts an uppercase RDS or cache identifier and uses it lowercase, as AWS stores it', () => {
    const doc = example();
    doc.targets[1].sourceDbInstanceIdentifier = 'Event-Platform-DB';
    doc.targets[2].replicationGroupId = 'Event-Platform-Redis';
    const policy = parsePolicy(stringify(doc));
    expect(policy.targets[1]).toMatchObject({ sourceDbInstanceIdentifier: 'event-platform-db' });
    expect(policy.targets[2]).toMatchObject({ replicationGroupId: 'event-platform-redis' });
  });
});

// Issue 11, item 13: alarm names and logical IDs collided; the survivor scaled the wrong target.
describe('alarm names are injective (defect: generated alarm names and logical IDs collide)', () => {
  const twoTargets = (a: [string, string], b: [string, string], thresholds: [number, number] = [70, 70]) =>
    validatePolicy({
      version: 1,
      targets: [a, b].map(([target, rule], i) => ({
        name: target,
        kind: 'asg',
        autoScalingGroupName: `g${i}`,
        capacity: { min: 1, max: 5 },
        rules: [
          {
            name: rule,
            type: 'step',
            metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
            scaleOut: [{ above: thresholds[i], add: 1 }],
          },
        ],
      })),
    });

  it.each([
    { name: 'target a-b + rule c vs target a + rule b-c', a: ['a-b', 'c'], b: ['a', 'b-c'], t: [70, 70] },
    { name: 'thresholds 1.5 and 15', a: ['a', 'x1'], b: ['a1', 'x'], t: [1.5, 15] },
  ] as const)('$name: two alarms, each mapped back to its own target', ({ a, b, t }) => {
    const alarms = alarmDefinitions(twoTargets([...a], [...b], [...t]), 'prod');
    expect(new Set(alarms.map((x) => x.alarmName)).size).toBe(2);
    const byName = new Map(alarms.map((x) => [x.alarmName, x]));
    for (const alarm of alarms) expect(byName.get(alarm.alarmName)?.targetName).toBe(alarm.targetName);
    expect(alarmNameProblems(alarms, 'prod')).toEqual([]);
  });

  it('reports two definitions sharing a name, and a name over 255 characters', () => {
    const [alarm] = alarmDefinitions(twoTargets(['a', 'c'], ['b', 'c']), 'prod');
    if (!alarm) throw new Error('no alarm');
    expect(alarmNameProblems([alarm, { ...alarm, targetName: 'b' }], 'prod')).toEqual([
      {
        path: 'targets "b".rules "c"',
        message:
          'alarm name scalepilot-prod.a.c.gt70 is also generated by target "a" rule "c" (scale out at 70); every threshold needs an alarm of its own',
      },
    ]);
    const stage = 's'.repeat(240);
    const long = alarmDefinitions(twoTargets(['a', 'c'], ['b', 'c']), stage);
    expect(alarmNameProblems(long, stage).map((p) => p.message)).toEqual([
      expect.stringMatching(/^stage "s{240}" is 240 characters; a stage is at most 36 /),
      expect.stringMatching(/is 260 characters; CloudWatch allows 255$/),
      expect.stringMatching(/is 260 characters; CloudWatch allows 255$/),
    ]);
  });

  it.each([
    { name: 'letters, digits and hyphens', stage: 'prod-2', problems: 0 },
    { name: 'an underscore (osls refuses it too)', stage: 'prod_2', problems: 1 },
    { name: 'a wildcard', stage: 'prod*', problems: 1 },
    { name: 'a dot (it would read as an alarm name part)', stage: 'prod.eu', problems: 1 },
  ])('a stage of $name', ({ stage, problems }) => {
    const alarms = alarmDefinitions(twoTargets(['a', 'c'], ['b', 'd']), stage);
    const found = alarmNameProblems(alarms, stage).filter((p) => p.path === '(stage)');
    expect(found).toHaveLength(problems);
    if (problems) expect(found[0]?.message).toBe(`stage "${stage}" must be letters, digits and hyphens`);
  });

  it('fails validation for a stage whose alarm names would be too long', () => {
    const doc = example();
    expect(() => validatePolicy(doc, 'p.yml', { stage: 's'.repeat(220) })).toThrow(/CloudWatch allows 255/);
    expect(() => validatePolicy(doc, 'p.yml', { stage: 'prod' })).not.toThrow();
  });
});
