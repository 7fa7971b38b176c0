import type { IamActions } from '../shared/adapters/iamActions';
import { GROUP_STAGE_TAG } from '../shared/policy/fleetSchema';
import type { Policy } from '../shared/policy/schema';
import { arn, groupWrites, pick, type Statement } from './functionPermissions';

/** Every Auto Scaling group of the account and Region, for a grant held by a tag condition. */
export const anyGroup = arn('autoscaling', 'autoScalingGroup:*:autoScalingGroupName/*');

/** The condition that holds a grant to the groups tagged with the stage's name (`autoscaling:ResourceTag`). */
export const taggedForStage = (stage: string) => ({
  StringEquals: { [`autoscaling:ResourceTag/${GROUP_STAGE_TAG}`]: stage },
});

/**
 * SetDesiredCapacity as the policy's `fleet.grantGroupsBy` says: on each group of the policy by its ARN, or on
 * the groups tagged `scalepilot:stage` with the stage's name. By name the role lists every group (about 90
 * characters each; IAM allows a role 10,240 inline and 10 managed policies of 6,144): a fleet past some 500
 * groups (250 with forecasts, listed twice by predict) grants by tag, AWS's attribute-based access control,
 * and the scaler acts only on groups of its policy that carry the tag.
 */
export function groupGrants(policy: Policy, iam: IamActions, stage: string): Statement[] {
  if (policy.fleet.grantGroupsBy === 'name') return groupWrites(policy, iam);
  const asg = policy.targets.some((t) => t.kind === 'asg');
  if (!asg) return [];
  return [
    {
      Effect: 'Allow',
      Action: pick(iam, 'autoscaling:SetDesiredCapacity'),
      Resource: anyGroup,
      Condition: taggedForStage(stage),
    },
  ];
}
