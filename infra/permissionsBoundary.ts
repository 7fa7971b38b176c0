import { PolicyValidationError } from '../shared/errors';

/**
 * The permissions boundary every IAM role of the stack carries: a customer managed policy the account's
 * administrator creates once, before the first deploy, from docs/iam-permissions-boundary.json (docs/deploying.md).
 * The deploy policy (docs/iam-deploy-policy.json) lets the deployer create or change a `scalepilot-*` role only
 * with this boundary on it, so a deployer can never make a role, or through a function it creates, anything
 * more than the boundary allows: the services the functions use, no IAM, no STS, no Organizations.
 */
export const BOUNDARY_POLICY_NAME = 'scalepilot-boundary';

export type BoundaryArn = string | { 'Fn::Sub': string };

/** The default: the policy `scalepilot-boundary` of the account the stack is deployed in. */
export const DEFAULT_BOUNDARY: BoundaryArn = {
  'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${BOUNDARY_POLICY_NAME}`,
};

/** A customer managed policy's ARN (a path allowed), as IAM takes a permissions boundary. */
const POLICY_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:policy\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;

/**
 * The boundary of `sls package|deploy --param boundary=ARN`, or the account's `scalepilot-boundary` when none is
 * given. Anything but a customer managed policy's ARN is refused with one line, before anything reaches AWS: a
 * role with no boundary, or a mistyped one, would fail the deploy half-way (the deploy policy refuses it).
 */
export function permissionsBoundary(given: string | undefined): BoundaryArn {
  if (given === undefined) return DEFAULT_BOUNDARY;
  if (POLICY_ARN.test(given)) return given;
  throw new PolicyValidationError('--param boundary', [
    {
      path: 'boundary',
      message: `"${given}" is not a customer managed policy's ARN (arn:aws:iam::<account>:policy/<name>); leave it out for the account's ${BOUNDARY_POLICY_NAME} (docs/deploying.md)`,
    },
  ]);
}
