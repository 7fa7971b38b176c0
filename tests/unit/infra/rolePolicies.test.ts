import { describe, expect, it } from 'vitest';
import type { Statement } from '../../../infra/functionPermissions';
import { rolePolicies } from '../../../infra/rolePolicies';
import { MAX_MANAGED_POLICY, MAX_ROLE_INLINE_POLICY, policyTextSize } from '../../../infra/stackLimits';
import { grants } from '../../harness/iamGrants';

// A role's statements split between its inline policy (10,240 characters) and managed policies (6,144 each):
// the same grants, each resource of each grant granted once, in no more policies than it takes.

const group = (i: number) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:autoscaling:\${AWS::Region}:\${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/group-${i}`,
});
const grant = (action: string, resources: unknown[], condition?: unknown): Statement => ({
  Effect: 'Allow',
  Action: [action],
  Resource: resources.length === 1 ? resources[0] : resources,
  ...(condition ? { Condition: condition } : {}),
});
const size = (statements: readonly Statement[]) =>
  policyTextSize({ Version: '2012-10-17', Statement: statements });

describe('rolePolicies', () => {
  it.each([
    { name: 'a small role: all inline', groups: 5, managed: 0 },
    { name: '200 groups: inline, then managed policies', groups: 200, managed: 2 },
    { name: '600 groups: more managed policies', groups: 600, managed: 10 },
  ])('$name, every grant once, each policy within its limit', ({ groups, managed }) => {
    const statements = [
      grant('logs:PutLogEvents', ['*']),
      grant(
        'autoscaling:SetDesiredCapacity',
        Array.from({ length: groups }, (_, i) => group(i)),
      ),
      grant('rds:DeleteDBInstance', ['arn:db'], { StringEquals: { 'rds:db-tag/x': 'y' } }),
    ];
    const split = rolePolicies(statements);
    expect(split.managed).toHaveLength(managed);
    expect(size(split.inline)).toBeLessThanOrEqual(MAX_ROLE_INLINE_POLICY);
    for (const policy of split.managed) expect(size(policy)).toBeLessThanOrEqual(MAX_MANAGED_POLICY);
    expect(grants([...split.inline, ...split.managed.flat()])).toEqual(grants(statements));
  });

  it('keeps the statements in their order while they fit inline', () => {
    const statements = [grant('a:One', ['r1']), grant('a:Two', ['r2'])];
    expect(rolePolicies(statements)).toEqual({ inline: statements, managed: [] });
  });
});
