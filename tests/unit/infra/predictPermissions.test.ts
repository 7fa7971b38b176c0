import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { functionRole } from '../../../infra/functionAdapters';
import { stackResources } from '../../../infra/stackResources';
import { FORECAST_NAMESPACE } from '../../../shared/adapters/CloudWatchForecastMetrics';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import { examplePolicy } from '../../harness/fixtures';
import { type PolicyStatement, permits, roleStatements } from '../../harness/iamBoundary';

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

  it('puts metric data only in the forecast’s namespace', () => {
    expect(granting('cloudwatch:PutMetricData')).toEqual([
      {
        Effect: 'Allow',
        Action: ['cloudwatch:PutMetricData'],
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'Scalepilot/Forecast' } },
      },
    ]);
  });

  /** The statements that grant `action` by the policy's names, not by the ownership tag's condition. */
  const byName = (list: Statement[], action: string) =>
    list.filter((s) => s.Action.includes(action) && s.Condition === undefined);

  it('writes scheduled actions by name only on the groups of predictive targets', () => {
    const [write, ...more] = byName(statements, 'autoscaling:BatchPutScheduledUpdateGroupAction');
    expect(more).toEqual([]);
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
    const [write] = byName(
      statementsOf(functionRole('predict', inPlanOnly, 'f', 'prod')),
      'autoscaling:BatchPutScheduledUpdateGroupAction',
    );
    expect(JSON.stringify(write?.Resource)).toContain('autoScalingGroupName/event-platform-api');
  });

  it('has no scheduled-action write by name when no group is predictive or in a plan (only where its ownership tag is), and no capacity call ever', () => {
    const policy = examplePolicy();
    const none = validatePolicy({
      ...policy,
      targets: policy.targets.map((t) => ({ ...t, predictive: false })),
      plans: [],
    });
    const noneStatements = statementsOf(functionRole('predict', none, 'f', 'prod'));
    expect(byName(noneStatements, 'autoscaling:BatchPutScheduledUpdateGroupAction')).toEqual([]);
    const actions = noneStatements.flatMap((s) => s.Action);
    for (const forbidden of [
      'autoscaling:SetDesiredCapacity',
      'autoscaling:UpdateAutoScalingGroup',
      'rds:',
      'elasticache:',
    ])
      expect(actions.some((a) => a.startsWith(forbidden))).toBe(false);
  });

  it('deletes and puts scheduled actions on any other group only when it carries this stage’s ownership tag (a target that left the policy: its actions go, the MinSize they raised is set back), and tags only with it (issue 20, item 6)', () => {
    const deletes = granting('autoscaling:BatchDeleteScheduledAction');
    const anywhere = deletes.filter((s) => JSON.stringify(s.Resource).endsWith('autoScalingGroupName/*"}'));
    expect(anywhere).toEqual([
      {
        Effect: 'Allow',
        Action: ['autoscaling:BatchDeleteScheduledAction', 'autoscaling:BatchPutScheduledUpdateGroupAction'],
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

  // Review finding: the forecast was put in `Scalepilot`, the namespace of the counts the failure and deferral
  // alarms watch, so predict's role could put points into them (a false alarm, or zeros beside a real failure).
  // The functions' own counts reach CloudWatch as EMF in their logs, which needs no PutMetricData.
  it('may put no data in a namespace an alarm of the stack reads, nor may any other role; only in the forecast’s', () => {
    const { Resources } = stackResources(examplePolicy(), 'prod');
    const watched = new Set(
      Object.values(Resources)
        .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
        .flatMap((r) => [
          r.Properties.Namespace as string | undefined,
          ...((r.Properties.Metrics ?? []) as { MetricStat?: { Metric: { Namespace: string } } }[]).map(
            (m) => m.MetricStat?.Metric.Namespace,
          ),
        ])
        .filter((ns): ns is string => ns !== undefined),
    );
    expect(watched).toContain('Scalepilot');
    const puts = (statements: PolicyStatement[], namespace: string) =>
      permits(statements, 'cloudwatch:PutMetricData', { 'cloudwatch:namespace': namespace });
    const roles = new Map<string, PolicyStatement[]>();
    for (const { role, st } of roleStatements(Resources)) roles.set(role, [...(roles.get(role) ?? []), st]);
    expect(roles.size).toBe(5);
    const intoWatched = [...roles].flatMap(([role, statements]) =>
      [...watched].filter((ns) => puts(statements, ns)).map((ns) => `${role} into ${ns}`),
    );
    expect(intoWatched).toEqual([]);
    const into = (ns: string) => [...roles].filter(([, statements]) => puts(statements, ns)).map(([r]) => r);
    expect(into(FORECAST_NAMESPACE)).toEqual(['PredictRole']);
    expect(FORECAST_NAMESPACE).toBe('Scalepilot/Forecast');
  });

  it('is in the stack as PredictRole', () => {
    expect(stackResources(examplePolicy(), 'prod').Resources.PredictRole?.Type).toBe('AWS::IAM::Role');
  });
});
