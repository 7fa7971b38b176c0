import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { functionRole } from '../../../infra/functionAdapters';
import { stackResources } from '../../../infra/stackResources';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import { examplePolicy } from '../../harness/fixtures';

// The predict function's adapters and the IAM actions their SDK commands need (read from their source, so a
// new call without its action fails here, not in production with AccessDenied).
const ADAPTERS = [
  'AutoScalingScheduledActions',
  'CloudWatchForecastMetrics',
  'CloudWatchMetricsReader',
  'SnsForecastNotifier',
];
const prefixOf: Record<string, string> = {
  'client-auto-scaling': 'autoscaling',
  'client-cloudwatch': 'cloudwatch',
  'client-sns': 'sns',
};

function actionsCalledBy(adapter: string): string[] {
  const source = readFileSync(new URL(`../../../shared/adapters/${adapter}.ts`, import.meta.url), 'utf8');
  const client = /from '@aws-sdk\/(client-[a-z-]+)'/.exec(source)?.[1] ?? '';
  return [...source.matchAll(/new (\w+)Command\(/g)].map(([, name]) => `${prefixOf[client]}:${name}`);
}

type Statement = { Action: string[]; Resource: unknown; Condition?: Record<string, Record<string, string>> };
const statementsOf = (role: ReturnType<typeof functionRole>): Statement[] =>
  role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement as Statement[]);

describe('the predict role', () => {
  const statements = statementsOf(
    functionRole('predict', examplePolicy(), 'scalepilot-prod-predict', 'prod'),
  );
  const granting = (action: string) => statements.filter((s) => s.Action.includes(action));

  it('allows every call its adapters make, and the ledger calls it makes (Get, Put, Update)', () => {
    const allowed = new Set(statements.flatMap((s) => s.Action));
    for (const action of [
      ...ADAPTERS.flatMap(actionsCalledBy),
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ])
      expect(allowed, action).toContain(action);
  });

  it('puts metric data only in the Scalepilot namespace', () => {
    expect(granting('cloudwatch:PutMetricData')).toEqual([
      {
        Effect: 'Allow',
        Action: ['cloudwatch:PutMetricData'],
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'Scalepilot' } },
      },
    ]);
  });

  it('writes scheduled actions only on the groups of predictive targets', () => {
    const [write] = granting('autoscaling:BatchPutScheduledUpdateGroupAction');
    expect(granting('autoscaling:BatchPutScheduledUpdateGroupAction')).toHaveLength(1);
    expect(write?.Action).toEqual([
      'autoscaling:BatchPutScheduledUpdateGroupAction',
      'autoscaling:BatchDeleteScheduledAction',
    ]);
    expect(JSON.stringify(write?.Resource)).toContain('autoScalingGroupName/event-platform-api');
    expect(write?.Resource).toHaveLength(1);
  });

  it('writes them on a group in a plan that is not predictive itself (predict writes its plan’s floors there)', () => {
    const policy = examplePolicy();
    const inPlanOnly = validatePolicy({
      ...policy,
      targets: policy.targets.map((t) => ({ ...t, predictive: false })),
    });
    const [write] = statementsOf(functionRole('predict', inPlanOnly, 'f', 'prod')).filter((s) =>
      s.Action.includes('autoscaling:BatchPutScheduledUpdateGroupAction'),
    );
    expect(JSON.stringify(write?.Resource)).toContain('autoScalingGroupName/event-platform-api');
  });

  it('has no scheduled-action write at all when no group is predictive or in a plan, and no capacity call ever', () => {
    const policy = examplePolicy();
    const none = validatePolicy({
      ...policy,
      targets: policy.targets.map((t) => ({ ...t, predictive: false })),
      plans: [],
    });
    const actions = statementsOf(functionRole('predict', none, 'f', 'prod')).flatMap((s) => s.Action);
    expect(actions).not.toContain('autoscaling:BatchPutScheduledUpdateGroupAction');
    for (const forbidden of [
      'autoscaling:SetDesiredCapacity',
      'autoscaling:UpdateAutoScalingGroup',
      'rds:',
      'elasticache:',
    ])
      expect(actions.some((a) => a.startsWith(forbidden))).toBe(false);
  });

  it('deletes scheduled actions on any other group only when it carries this stage’s ownership tag, and tags only with it (issue 20, item 6)', () => {
    const deletes = granting('autoscaling:BatchDeleteScheduledAction');
    const anywhere = deletes.filter((s) => JSON.stringify(s.Resource).endsWith('autoScalingGroupName/*"}'));
    expect(anywhere).toEqual([
      {
        Effect: 'Allow',
        Action: ['autoscaling:BatchDeleteScheduledAction'],
        Resource: {
          'Fn::Sub': `arn:\${AWS::Partition}:autoscaling:\${AWS::Region}:\${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/*`,
        },
        Condition: { StringEquals: { 'autoscaling:ResourceTag/scalepilot:forecast-actions': 'prod' } },
      },
    ]);
    const [tagging, ...others] = granting('autoscaling:CreateOrUpdateTags');
    expect(others).toEqual([]);
    expect(JSON.stringify(tagging?.Resource)).toContain('autoScalingGroupName/event-platform-api');
    expect(tagging?.Condition).toEqual({
      StringEquals: { 'aws:RequestTag/scalepilot:forecast-actions': 'prod' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['scalepilot:forecast-actions'] },
    });
  });

  it('is in the stack as PredictRole', () => {
    expect(stackResources(examplePolicy(), 'prod').Resources.PredictRole?.Type).toBe('AWS::IAM::Role');
  });
});
