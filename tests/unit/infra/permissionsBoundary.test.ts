import { describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE } from '../../../infra/dashboard';
import { FAN_OUT_SERVICE_ACTIONS } from '../../../infra/fanOutResources';
import { functionAdapters, POWERTOOLS_IDEMPOTENCY } from '../../../infra/functionAdapters';
import { LAMBDA_SERVICE_ACTIONS } from '../../../infra/functionPermissions';
import { DEFAULT_BOUNDARY, permissionsBoundary } from '../../../infra/permissionsBoundary';
import { stackResources } from '../../../infra/stackResources';
import { FORECAST_NAMESPACE } from '../../../shared/adapters/CloudWatchForecastMetrics';
import { PolicyValidationError } from '../../../shared/errors';
import { examplePolicy } from '../../harness/fixtures';
import { allows, boundaryPolicy, cutByBoundary, glob, list, permits } from '../../harness/iamBoundary';

// The permissions boundary (docs/iam-permissions-boundary.json) every role of the stack carries: the deploy
// policy lets the deployer write no role without it, so it is all a function role can ever do. It must allow
// every action any adapter declares (for any policy, not only the example's), or a role would silently lose it.

/** What serverless.yml declares besides the generated resources, as the roles refer to them. */
const STATIC = {
  LedgerTable: { Type: 'AWS::DynamoDB::Table', Properties: {} },
  DeadLetterQueue: { Type: 'AWS::SQS::Queue', Properties: {} },
  NotificationTopic: { Type: 'AWS::SNS::Topic', Properties: {} },
  NotificationTopicKey: { Type: 'AWS::KMS::Key', Properties: {} },
};

describe('the permissions boundary', () => {
  it('allows every action an adapter declares, and what the Lambda service does with a role', () => {
    const declared = new Set<string>([...LAMBDA_SERVICE_ACTIONS, ...FAN_OUT_SERVICE_ACTIONS]);
    for (const grants of Object.values(functionAdapters))
      for (const g of grants)
        for (const action of [...g.iam.read, ...g.iam.write, ...(g.iam.dependent ?? [])])
          declared.add(action);
    expect(functionAdapters.scaleAsg.some((g) => g.adapter === POWERTOOLS_IDEMPOTENCY)).toBe(true);
    const allowed = allows(boundaryPolicy()).flatMap((s) => list(s.Action));
    const missing = [...declared].filter((a) => !allowed.some((p) => glob(p, true).test(a)));
    expect(missing).toEqual([]);
    // Exactly those: an action no function uses does not belong in it.
    const unused = allowed.filter((p) => ![...declared].some((a) => glob(p, true).test(a)));
    expect(unused).toEqual([]);
  });

  it('allows nothing of IAM, STS, Organizations or the account; no wildcard action, no NotAction, no Deny', () => {
    const statements = boundaryPolicy();
    for (const s of statements) {
      expect(s.Effect, s.Sid).toBe('Allow');
      expect('NotAction' in s || 'NotResource' in s, s.Sid).toBe(false);
      for (const action of list(s.Action)) {
        expect(action, s.Sid).not.toMatch(/^(iam|sts|organizations|account|sso|identitystore):/i);
        expect(action, s.Sid).not.toContain('*');
      }
    }
  });

  // Review finding: the boundary allowed PutMetricData in any namespace, so a deployer could give a role the
  // namespace the stack's failure and deferral alarms read (`Scalepilot`): only the forecast's is any role's.
  it.each([
    { name: 'the forecast’s namespace', namespace: FORECAST_NAMESPACE, want: true },
    { name: 'the functions’ own (their alarms read it)', namespace: METRICS_NAMESPACE, want: false },
    { name: 'another of Scalepilot’s', namespace: 'Scalepilot/Plan', want: false },
    { name: 'an AWS service’s', namespace: 'AWS/EC2', want: false },
  ])('allows PutMetricData in $name: $want', ({ namespace, want }) => {
    expect(permits(boundaryPolicy(), 'cloudwatch:PutMetricData', { 'cloudwatch:namespace': namespace })).toBe(
      want,
    );
    expect(permits(boundaryPolicy(), 'cloudwatch:PutMetricData', {})).toBe(false);
  });

  it('cuts none of the example stack’s grants', () => {
    const { Resources } = stackResources(examplePolicy(), 'prod');
    expect(cutByBoundary({ ...Resources, ...STATIC })).toEqual([]);
  });
});

describe('the roles’ boundary', () => {
  it('is the account’s scalepilot-boundary unless given, on every role', () => {
    const roles = (boundary?: string) =>
      Object.values(
        stackResources(examplePolicy(), 'prod', 'scalepilot', permissionsBoundary(boundary)).Resources,
      ).filter((r) => r.Type === 'AWS::IAM::Role');
    expect(roles().map((r) => r.Properties.PermissionsBoundary)).toEqual(Array(5).fill(DEFAULT_BOUNDARY));
    const corporate = 'arn:aws:iam::123456789012:policy/boundaries/CorpLambdaBoundary';
    expect(roles(corporate).map((r) => r.Properties.PermissionsBoundary)).toEqual(Array(5).fill(corporate));
    // The default everywhere else the stack is built (the tests, the checks): no role without one.
    expect(
      Object.values(stackResources(examplePolicy(), 'prod').Resources)
        .filter((r) => r.Type === 'AWS::IAM::Role')
        .map((r) => r.Properties.PermissionsBoundary),
    ).toEqual(Array(5).fill(DEFAULT_BOUNDARY));
  });

  it.each([
    'scalepilot-boundary',
    'arn:aws:iam::aws:policy/AdministratorAccess',
    'arn:aws:iam::123456789012:role/scalepilot-boundary',
    '',
  ])('refuses %j: not a customer managed policy ARN', (given) => {
    expect(() => permissionsBoundary(given)).toThrow(PolicyValidationError);
    expect(() => permissionsBoundary(given)).toThrow(
      /--param boundary: boundary: .* is not a customer managed policy's ARN/,
    );
  });
});
