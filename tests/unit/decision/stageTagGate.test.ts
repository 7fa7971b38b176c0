import { describe, expect, it } from 'vitest';
import { stageTagGate } from '../../../shared/decision/stageTagGate';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Target } from '../../../shared/policy/schema';
import { examplePolicy } from '../../harness/fixtures';

const byTag = validatePolicy({
  ...JSON.parse(JSON.stringify(examplePolicy())),
  fleet: { grantGroupsBy: 'tag' },
});
const byName = examplePolicy();
const target = (kind: Target['kind']) => byTag.targets.find((t) => t.kind === kind) as Target;

describe('stageTagGate', () => {
  it.each([
    {
      name: 'by tag, tagged with the stage: passes',
      policy: byTag,
      kind: 'asg' as const,
      tag: 'prod',
      stage: 'prod',
      skip: undefined,
    },
    {
      name: 'by tag, untagged: refused',
      policy: byTag,
      kind: 'asg' as const,
      tag: undefined,
      stage: 'prod',
      skip: 'GroupNotTagged',
    },
    {
      name: 'by tag, another stage’s: refused',
      policy: byTag,
      kind: 'asg' as const,
      tag: 'dev',
      stage: 'prod',
      skip: 'GroupNotTagged',
    },
    {
      name: 'by tag, the stage unknown (plan without --stage): no objection',
      policy: byTag,
      kind: 'asg' as const,
      tag: undefined,
      stage: undefined,
      skip: undefined,
    },
    {
      name: 'by tag, read replicas: not a group',
      policy: byTag,
      kind: 'rds-replicas' as const,
      tag: undefined,
      stage: 'prod',
      skip: undefined,
    },
    {
      name: 'by name: the tag is not read',
      policy: byName,
      kind: 'asg' as const,
      tag: undefined,
      stage: 'prod',
      skip: undefined,
    },
  ])('$name', ({ policy, kind, tag, stage, skip }) => {
    const outcome = stageTagGate(policy, target(kind), tag === undefined ? {} : { stageTag: tag }, stage);
    expect(outcome && 'skip' in outcome ? outcome.skip : undefined).toBe(skip);
    if (skip) expect(outcome).toMatchObject({ notify: true });
  });
});
