import { describe, expect, it } from 'vitest';
import { mergeStatements } from '../../../infra/mergeStatements';
import { inlinePolicySize, MAX_ROLE_INLINE_POLICY } from '../../../infra/stackLimits';
import { stackResources } from '../../../infra/stackResources';
import { PolicyValidationError } from '../../../shared/errors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Policy } from '../../../shared/policy/schema';
import { examplePolicy } from '../../harness/fixtures';

// A policy too large for one stack is refused when it is packaged, naming the limit (CloudFormation's 500
// resources, IAM's 10,240 characters of a role's inline policies), before anything reaches AWS; and the stack
// is built so that the limits come as late as they can: one alarm permission per scaler, one statement per grant.

/** The example's API group (two rules, four alarms) repeated `n` times, predictive or not, with `fleet` keys. */
function groups(n: number, predictive = true, fleet: Record<string, unknown> = {}): Policy {
  const example = examplePolicy();
  const api = example.targets.find((t) => t.name === 'api');
  const targets = Array.from({ length: n }, (_, i) => ({
    ...api,
    name: `api-${i}`,
    autoScalingGroupName: `event-platform-api-${i}`,
    predictive,
  }));
  return validatePolicy(
    JSON.parse(JSON.stringify({ ...example, plans: [], targets, fleet: { ...example.fleet, ...fleet } })),
  );
}

function refusal(policy: Policy): string[] {
  try {
    stackResources(policy, 'prod');
    return [];
  } catch (error) {
    if (!(error instanceof PolicyValidationError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe('a stack too large to deploy is refused at packaging, one line a limit', () => {
  it.each([
    { name: 'the example policy', policy: () => examplePolicy(), refused: [] },
    { name: '20 groups of two rules (80 alarms)', policy: () => groups(20), refused: [] },
    {
      name: '40 predictive groups: the predict role lists each group twice, past its inline 10,240 (managed policies take the rest)',
      policy: () => groups(40),
      refused: [],
    },
    {
      name: '120 groups: 480 alarms',
      policy: () => groups(120, false),
      refused: [
        /^stack: about \d+ resources \(\d+ of them the policy's alarms, one per threshold\); CloudFormation allows 500 in a stack: for Auto Scaling groups set fleet.thresholdAlarms: false/,
      ],
    },
    {
      name: '300 predictive groups without alarms or rows, named: the predict role needs more than 10 managed policies',
      policy: () => groups(300, true, { thresholdAlarms: false, targetDashboards: false }),
      refused: [
        /^PredictRole: its grants need \d+ managed policies beside its inline one .*IAM attaches 10 to a role by default, and the stack keeps to that \(a raised quota cannot be read when packaging\)/,
      ],
    },
  ])('$name', ({ policy, refused }) => {
    const lines = refusal(policy());
    expect(lines).toHaveLength(refused.length);
    for (const [i, pattern] of refused.entries()) expect(lines[i]).toMatch(pattern);
  });

  it('lets the alarms of a stage invoke each scaler through one permission, however many alarms (Lambda allows a 20 KB resource policy)', () => {
    const { Resources } = stackResources(groups(20), 'prod');
    const permissions = Object.entries(Resources).filter(
      ([, r]) =>
        r.Type === 'AWS::Lambda::Permission' &&
        r.Properties.Principal === 'lambda.alarms.cloudwatch.amazonaws.com',
    );
    expect(permissions.map(([id]) => id)).toEqual(['ScaleAsgLambdaFunctionAlarmsPermission']);
    expect(
      Object.values(Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').length,
    ).toBeGreaterThan(80);
  });

  it('grants SetDesiredCapacity on every group in one statement (a statement a group passed IAM’s limit at about 45 groups)', () => {
    const { Resources } = stackResources(groups(60, false), 'prod');
    const role = Resources.ScaleAsgRole?.Properties as Record<string, unknown>;
    const statements = (
      role.Policies as { PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] } }[]
    )[0]?.PolicyDocument.Statement;
    const writes = statements?.filter((s) => s.Action.includes('autoscaling:SetDesiredCapacity')) ?? [];
    expect(writes).toHaveLength(1);
    expect(writes[0]?.Resource).toHaveLength(60);
    expect(inlinePolicySize(role)).toBeLessThanOrEqual(MAX_ROLE_INLINE_POLICY);
  });
});

// Issue 23: fleets of up to 2,000 groups a stage. The threshold alarms (four a group here) pass CloudFormation's
// 500 resources at about 110 groups, the dashboard rows (about 2 kB a target) its 1 MB template at about 480;
// `fleet.thresholdAlarms: false` and `fleet.targetDashboards: false` leave both out. The roles' size is
// `fleet.grantGroupsBy`'s part (groupGrants.test.ts): only the stack's problems are read here.
describe('the stack of a fleet: resources and template size', () => {
  const stackProblems = (policy: Policy) =>
    refusal(policy)
      .filter((line) => line.startsWith('stack: '))
      .map((line) => line.slice('stack: '.length));
  const resources =
    /^about \d+ resources \(\d+ of them the policy's alarms, one per threshold\); CloudFormation allows 500/;
  const template = /^a template of about \d+ bytes; CloudFormation reads at most 1000000/;
  const fleet = { thresholdAlarms: false, targetDashboards: false, grantGroupsBy: 'tag' };
  it.each([
    {
      name: 'the defaults: 200 groups pass 500 resources (800 alarms) and 1 MB',
      policy: () => groups(200, false),
      refused: [resources, template],
    },
    {
      name: '2,000 groups, neither threshold alarms nor target dashboards, granted by tag: within both',
      policy: () => groups(2000, true, fleet),
      refused: [],
    },
    {
      name: '2,000 groups with threshold alarms: past 500 resources',
      policy: () => groups(2000, true, { ...fleet, thresholdAlarms: true }),
      refused: [resources, template],
    },
    {
      name: '2,000 groups with target dashboards: past the template size',
      policy: () => groups(2000, true, { ...fleet, targetDashboards: true }),
      refused: [template],
    },
  ])('$name', ({ policy, refused }) => {
    const lines = stackProblems(policy());
    expect(lines).toHaveLength(refused.length);
    for (const [i, pattern] of refused.entries()) expect(lines[i]).toMatch(pattern);
  });
});

describe('mergeStatements', () => {
  const on = (resource: unknown, action = 'a:Write', condition?: unknown) => ({
    Effect: 'Allow' as const,
    Action: [action],
    Resource: resource,
    ...(condition ? { Condition: condition } : {}),
  });
  it.each([
    { name: 'one statement stays as it is', given: [on('r1')], want: [on('r1')] },
    {
      name: 'the same action on two resources: one statement listing both',
      given: [on('r1'), on('r2')],
      want: [on(['r1', 'r2'])],
    },
    {
      name: 'a resource named twice is listed once',
      given: [on('r1'), on(['r1', 'r2'])],
      want: [on(['r1', 'r2'])],
    },
    {
      name: 'other actions stay apart',
      given: [on('r1'), on('r2', 'a:Read')],
      want: [on('r1'), on('r2', 'a:Read')],
    },
    {
      name: 'another condition stays apart (a tag condition is not widened to a named resource)',
      given: [on('r1'), on('r2', 'a:Write', { StringEquals: { k: 'v' } })],
      want: [on('r1'), on('r2', 'a:Write', { StringEquals: { k: 'v' } })],
    },
    {
      name: 'the same actions in another order merge',
      given: [
        { ...on('r1'), Action: ['a:X', 'a:Y'] },
        { ...on('r2'), Action: ['a:Y', 'a:X'] },
      ],
      want: [{ ...on(['r1', 'r2']), Action: ['a:X', 'a:Y'] }],
    },
    {
      name: 'CloudFormation references compare by their text',
      given: [on({ 'Fn::Sub': 'x' }), on({ 'Fn::Sub': 'x' }), on({ 'Fn::Sub': 'y' })],
      want: [on([{ 'Fn::Sub': 'x' }, { 'Fn::Sub': 'y' }])],
    },
  ])('$name', ({ given, want }) => {
    expect(mergeStatements(given)).toEqual(want);
  });
});

describe('inlinePolicySize', () => {
  it('counts a role’s documents as IAM does once the template’s placeholders are filled in at their longest', () => {
    const role = {
      Policies: [
        {
          PolicyName: 'p',
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: ['a:B'],
                Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:${AWS::Region}' },
              },
            ],
          },
        },
      ],
    };
    const filled = JSON.stringify({
      Statement: [{ Effect: 'Allow', Action: ['a:B'], Resource: 'arn:aws-us-gov:ap-southeast-5' }],
    });
    expect(inlinePolicySize(role)).toBe(filled.length);
  });
});
