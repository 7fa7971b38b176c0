import { describe, expect, it } from 'vitest';
import { alarmLogicalId, deliveryAlarms, stackResources } from '../../../infra/stackResources';
import { alarmDefinitions } from '../../../shared/policy/alarmDefinitions';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { PolicyInput } from '../../../shared/policy/schema';
import { seedStepPolicy } from '../../harness/fixtures';

const policy = seedStepPolicy;

describe('stack resources of the cost function', () => {
  it.each([
    { name: 'no cost section: no hourly rule', extra: {}, hourly: false },
    { name: 'daily only', extra: { cost: { dailyLimitUsd: 100 } }, hourly: false },
    {
      name: 'hourly forecast asked for',
      extra: { cost: { dailyLimitUsd: 100, hourlyForecast: true } },
      hourly: true,
    },
  ])('$name', ({ extra, hourly }) => {
    const { Resources } = stackResources(policy(extra as Partial<PolicyInput>), 'prod');
    expect(Boolean(Resources.AlertCostHourlyForecastRule)).toBe(hourly);
    if (hourly) {
      const targets = Resources.AlertCostHourlyForecastRule?.Properties.Targets as
        | { Input: string }[]
        | undefined;
      const target = targets?.[0];
      expect(JSON.parse(target?.Input ?? '')).toEqual({ check: 'forecast' });
      // Both the rule and its account (the confused deputy; infra/checkov's CKV_SCALEPILOT_1).
      expect(Resources.AlertCostHourlyForecastPermission?.Properties).toMatchObject({
        Principal: 'events.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: { 'Fn::GetAtt': ['AlertCostHourlyForecastRule', 'Arn'] },
      });
    }
  });

  it('lets the cost function read the webhook SecureString the policy names, and no other parameter', () => {
    const without = JSON.stringify(stackResources(policy({}), 'prod').Resources.AlertCostRole);
    expect(without).not.toContain('ssm:GetParameter');
    const withWebhook = JSON.stringify(
      stackResources(policy({ notifications: { webhookParameterName: '/scalepilot/slack' } }), 'prod')
        .Resources.AlertCostRole,
    );
    expect(withWebhook).toContain('ssm:GetParameter');
    expect(withWebhook).toContain(':parameter/scalepilot/slack');
    expect(withWebhook).toContain('kms:ViaService');
  });
});

// Issue 11, item 13: a dropped alarm, and the survivor mapped to the wrong target.
describe('alarm logical IDs (defect: generated alarm names and logical IDs collide)', () => {
  const asg = (name: string, rule: string, group: string, above: number[]) => ({
    name,
    kind: 'asg' as const,
    autoScalingGroupName: group,
    capacity: { min: 1, max: 9 },
    maxUnitsPerDecision: 4,
    rules: [
      {
        name: rule,
        type: 'step' as const,
        metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
        scaleOut: above.map((a, i) => ({ above: a, add: i + 1 })),
      },
    ],
  });
  it.each([
    {
      name: 'target a-b + rule c vs target a + rule b-c',
      targets: [asg('a-b', 'c', 'g1', [70]), asg('a', 'b-c', 'g2', [70])],
    },
    { name: 'thresholds 1.5 and 15 of one rule', targets: [asg('api', 'cpu', 'g1', [1.5, 15])] },
  ])('$name: one alarm resource per threshold, each with its own name', ({ targets }) => {
    const { Resources } = stackResources(validatePolicy({ version: 1, targets }), 'prod');
    const alarms = Object.entries(Resources).filter(
      ([, r]) =>
        r.Type === 'AWS::CloudWatch::Alarm' &&
        JSON.stringify(r.Properties.AlarmActions).includes('LambdaFunction'),
    );
    expect(alarms).toHaveLength(2);
    expect(new Set(alarms.map(([, r]) => r.Properties.AlarmName)).size).toBe(2);
    for (const [id] of alarms) expect(id).toMatch(/^[A-Za-z0-9]{1,255}$/);
  });

  it('keeps an alarm’s logical ID stable (a redeploy must not replace it)', () => {
    const [alarm] = alarmDefinitions(policy({}), 'prod');
    if (!alarm) throw new Error('no alarm');
    expect(alarmLogicalId(alarm)).toBe(alarmLogicalId({ ...alarm }));
    expect(alarmLogicalId(alarm)).toMatch(/^AlarmApiCpuOut[0-9a-f]{12}$/);
  });

  it('refuses to package a stage whose alarm names would pass 255 characters', () => {
    expect(() => stackResources(policy({}), 's'.repeat(240))).toThrow(/CloudWatch allows 255/);
  });
});

// Issue 20, item 2: a failed write to the ledger or the delivery records was swallowed (the cost function) or
// only failed the run (predict); both now count RecordFailures, and the stack alarms on it.
describe('the failed-write alarms', () => {
  it.each([
    { fn: 'alertCost', service: 'alert-cost' },
    { fn: 'predict', service: 'predict' },
  ])('$fn: RecordFailures (service $service) ≥ 1 in 5 minutes goes to the topic', ({ fn, service }) => {
    const { Resources } = stackResources(policy(), 'prod');
    const alarm = Resources[`${fn[0]?.toUpperCase()}${fn.slice(1)}RecordFailuresAlarm`]?.Properties;
    expect(alarm).toMatchObject({
      AlarmName: `scalepilot-prod.${fn}.record-failures`,
      Namespace: 'Scalepilot',
      MetricName: 'RecordFailures',
      Dimensions: [{ Name: 'service', Value: service }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: 'NotificationTopic' }],
    });
  });

  it('predict: DeferredTargets (service predict) in three hourly runs on end goes to the topic', () => {
    const { Resources } = stackResources(policy(), 'prod');
    expect(Resources.PredictDeferredTargetsAlarm?.Properties).toMatchObject({
      AlarmName: 'scalepilot-prod.predict.deferred-targets',
      Namespace: 'Scalepilot',
      MetricName: 'DeferredTargets',
      Dimensions: [{ Name: 'service', Value: 'predict' }],
      Period: 3600,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 1,
      AlarmActions: [{ Ref: 'NotificationTopic' }],
    });
  });
});

// Issue 23: one stack holds about 110 groups' threshold alarms (two rules a group). `fleet.thresholdAlarms: false`
// leaves them out, and with them the permission that lets alarms invoke a scaler; the one-minute schedule (in
// serverless.yml) evaluates every target, and the alarms that tell the operator of failures stay.
describe('fleet.thresholdAlarms', () => {
  it.each([
    {
      name: 'true (the default): an alarm a threshold, invoking the scaler through its alarms permission',
      fleet: {},
      scalerAlarms: ['scalepilot-prod.api.cpu.gt70', 'scalepilot-prod.api.cpu.lt30'],
      permissions: ['ScaleAsgLambdaFunctionAlarmsPermission'],
    },
    {
      name: 'false: no threshold alarm, and nothing lets an alarm invoke a scaler',
      fleet: { thresholdAlarms: false },
      scalerAlarms: [],
      permissions: [],
    },
  ])('$name; the failure and dead-letter alarms stay', ({ fleet, scalerAlarms, permissions }) => {
    const { Resources } = stackResources(policy({ fleet }), 'prod');
    const alarms = Object.values(Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    const invoking = alarms.filter((r) =>
      JSON.stringify(r.Properties.AlarmActions).includes('LambdaFunction'),
    );
    expect(invoking.map((r) => r.Properties.AlarmName).sort()).toEqual(scalerAlarms);
    const byAlarms = Object.entries(Resources).filter(
      ([, r]) =>
        r.Type === 'AWS::Lambda::Permission' &&
        r.Properties.Principal === 'lambda.alarms.cloudwatch.amazonaws.com',
    );
    expect(byAlarms.map(([id]) => id)).toEqual(permissions);
    const told = Object.keys(deliveryAlarms('prod'));
    expect(told).toContain('DeadLetterQueueAlarm');
    expect(told).toContain('ScaleAsgDeferredTargetsAlarm');
    for (const id of told) expect(Resources[id], id).toEqual(deliveryAlarms('prod')[id]);
  });
});
