import type { Resources } from './cfnResources';
import type { lambdaRole } from './functionPermissions';
import type { BoundaryArn } from './permissionsBoundary';
import { rolePolicies } from './rolePolicies';

type Role = ReturnType<typeof lambdaRole>;

/**
 * A function's role as CloudFormation resources: the role with what fits its inline policy, and when its grants
 * need more room (hundreds of groups named, dozens of databases), customer managed policies holding the rest,
 * attached to it (rolePolicies). The same grants either way; a small policy's role is as it was. The role
 * carries `boundary` as its permissions boundary (infra/permissionsBoundary.ts): the deploy policy lets the
 * deployer create, and put or attach policies to, no role without it.
 */
export function roleResources(roleId: string, unbounded: Role, boundary: BoundaryArn): Resources {
  const role = {
    ...unbounded,
    Properties: { ...unbounded.Properties, PermissionsBoundary: boundary },
  };
  const [policy] = role.Properties.Policies;
  if (!policy) return { [roleId]: role };
  const { inline, managed } = rolePolicies(policy.PolicyDocument.Statement);
  if (managed.length === 0) return { [roleId]: role };
  const ids = managed.map((_, i) => `${roleId}Policy${i + 1}`);
  const parts: Resources = {};
  managed.forEach((statements, i) => {
    parts[ids[i] as string] = {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        Description: `Scalepilot: part ${i + 1} of the grants of ${roleId} (a role's inline policy holds 10,240 characters)`,
        PolicyDocument: { Version: '2012-10-17', Statement: statements },
      },
    };
  });
  return {
    [roleId]: {
      ...role,
      Properties: {
        ...role.Properties,
        Policies: [{ ...policy, PolicyDocument: { ...policy.PolicyDocument, Statement: inline } }],
        ManagedPolicyArns: ids.map((id) => ({ Ref: id })),
      },
    },
    ...parts,
  };
}
