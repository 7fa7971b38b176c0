import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PolicyValidationError } from '../../../shared/errors';
import { alarmDefinitions } from '../../../shared/policy/alarmDefinitions';
import { parsePolicy } from '../../../shared/policy/parsePolicy';
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
    expect(alarms).toHaveLength(12);
    expect(new Set(alarms.map((a) => a.alarmName)).size).toBe(12);
    expect(alarms.find((a) => a.alarmName === 'scalepilot-prod-api-cpu-gt70')).toMatchObject({
      functionName: 'scaleAsg',
      comparison: 'GreaterThanThreshold',
      threshold: 70,
      treatMissingData: 'missing',
      metric: { dimensions: { AutoScalingGroupName: 'event-platform-api' } },
    });
    expect(
      alarms.find((a) => a.alarmName === 'scalepilot-prod-events-db-connections-gt90')?.functionName,
    ).toBe('scaleRdsReplicas');
    expect(alarms.find((a) => a.alarmName === 'scalepilot-prod-sessions-cache-memory-lt40')).toMatchObject({
      functionName: 'scaleCacheShards',
      treatMissingData: 'notBreaching',
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
      want: ['targets[0] "api".cooldowns.scaleInSeconds: Too small: expected number to be >0'],
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
      want: [
        'targets[2] "sessions-cache".replicationGroupId: Invalid input: expected string, received undefined',
      ],
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
