import { describe, expect, it } from 'vitest';
import { functionRole } from '../../../infra/functionAdapters';
import type { Statement } from '../../../infra/functionPermissions';
import { inlinePolicySize, MAX_ROLE_INLINE_POLICY } from '../../../infra/stackLimits';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Policy } from '../../../shared/policy/schema';
import { examplePolicy } from '../../harness/fixtures';

// `fleet.grantGroupsBy`: the scaler's and the predict function's roles name each group by its ARN (a role's inline
// and managed policies hold some 500 groups, 250 with forecasts), or hold their writes to the groups tagged
// `scalepilot:stage` with the stage's name, however many (AWS's attribute-based access control).

function fleet(groups: number, grantGroupsBy: 'name' | 'tag'): Policy {
  const example = examplePolicy();
  const api = example.targets.find((t) => t.name === 'api');
  const targets = Array.from({ length: groups }, (_, i) => ({
    ...api,
    name: `api-${i}`,
    autoScalingGroupName: `event-platform-api-${i}`,
  }));
  return validatePolicy(
    JSON.parse(JSON.stringify({ ...example, plans: [], targets, fleet: { grantGroupsBy } })),
  );
}

const statements = (role: ReturnType<typeof functionRole>): Statement[] =>
  role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
const granting = (role: ReturnType<typeof functionRole>, action: string) =>
  statements(role).filter((s) => s.Action.includes(action));
const TAGGED = { StringEquals: { 'autoscaling:ResourceTag/scalepilot:stage': 'prod' } };
const ANY_GROUP = {
  'Fn::Sub': `arn:\${AWS::Partition}:autoscaling:\${AWS::Region}:\${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/*`,
};

describe('fleet.grantGroupsBy', () => {
  it.each([
    { name: 'by name: the scaler resizes each group of the policy, listed', by: 'name' as const, listed: 3 },
    { name: 'by tag: the groups tagged with the stage, none listed', by: 'tag' as const, listed: 0 },
  ])('$name', ({ by, listed }) => {
    const [write, ...more] = granting(
      functionRole('scaleAsg', fleet(3, by), 'f', 'prod'),
      'autoscaling:SetDesiredCapacity',
    );
    expect(more).toEqual([]);
    if (by === 'tag') {
      expect(write).toEqual({
        Effect: 'Allow',
        Action: ['autoscaling:SetDesiredCapacity'],
        Resource: ANY_GROUP,
        Condition: TAGGED,
      });
    } else {
      expect(write?.Condition).toBeUndefined();
      expect(write?.Resource).toHaveLength(listed);
    }
  });

  it('by tag, predict writes scheduled actions and its ownership tag only on groups tagged with the stage', () => {
    const role = functionRole('predict', fleet(3, 'tag'), 'f', 'prod');
    expect(JSON.stringify(statements(role))).not.toContain('event-platform-api-');
    // Put: on the groups tagged with the stage, and (to set back a MinSize a departed target raised) on those
    // carrying its ownership tag.
    const puts = granting(role, 'autoscaling:BatchPutScheduledUpdateGroupAction');
    expect(puts).toHaveLength(2);
    expect(puts.map((p) => p.Condition)).toEqual(
      expect.arrayContaining([
        TAGGED,
        { StringEquals: { 'autoscaling:ResourceTag/scalepilot:forecast-actions': 'prod' } },
      ]),
    );
    for (const put of puts) expect(put).toMatchObject({ Resource: ANY_GROUP });
    const [tags] = granting(role, 'autoscaling:CreateOrUpdateTags');
    expect(tags?.Condition).toEqual({
      StringEquals: {
        'autoscaling:ResourceTag/scalepilot:stage': 'prod',
        'aws:RequestTag/scalepilot:forecast-actions': 'prod',
      },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['scalepilot:forecast-actions'] },
    });
  });

  it.each([
    { name: 'by name, 100 predictive groups pass IAM’s role size', by: 'name' as const, fits: false },
    { name: 'by tag, 2,000 predictive groups fit it', by: 'tag' as const, fits: true },
  ])('$name', ({ by, fits }) => {
    const policy = fleet(by === 'tag' ? 2000 : 100, by);
    for (const fn of ['scaleAsg', 'predict'] as const)
      expect(
        inlinePolicySize(functionRole(fn, policy, 'f', 'prod').Properties) <= MAX_ROLE_INLINE_POLICY,
      ).toBe(fits);
  });
});
