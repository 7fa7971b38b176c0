import { createHash } from 'node:crypto';
import { alarmMetric } from '../shared/adapters/cloudWatchMetric';
import { pauseParameterName } from '../shared/adapters/SsmPauseSwitch';
import { RUNNING_VALUE } from '../shared/decision/pauseState';
import { PolicyValidationError } from '../shared/errors';
import {
  type AlarmDefinition,
  alarmDefinitions,
  alarmNamePrefix,
  alarmNameProblems,
} from '../shared/policy/alarmDefinitions';
import type { Policy, TargetKind } from '../shared/policy/schema';
import { functionByKind, serviceByKind } from '../shared/policy/targetResource';
import type { Resources } from './cfnResources';
import { dashboardBodies, METRICS_NAMESPACE } from './dashboard';
import { fanOutResources } from './fanOutResources';
import { fleetDashboardBody } from './fleetDashboard';
import { type FunctionName, functionRole } from './functionAdapters';
import { type BoundaryArn, DEFAULT_BOUNDARY } from './permissionsBoundary';
import { roleResources } from './roleResources';
import { stackLimitProblems } from './stackLimits';

const pascal = (s: string) =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join('');

/**
 * The CloudFormation logical ID of an alarm: readable parts (CloudFormation allows letters and digits
 * only, so `a-b`+`c` and `a`+`b-c`, or 1.5 and 15, read alike) and a hash of the full, injective alarm
 * name, which keeps the IDs apart. Stable: the same alarm keeps its ID across deploys.
 */
export function alarmLogicalId(alarm: AlarmDefinition): string {
  const hash = createHash('sha256').update(alarm.alarmName).digest('hex').slice(0, 12);
  return `Alarm${pascal(alarm.targetName)}${pascal(alarm.ruleName)}${alarm.direction === 'out' ? 'Out' : 'In'}${hash}`;
}

/** serverless.yml names a function's CloudFormation resource `<Name>LambdaFunction`. */
export const lambdaLogicalId = (functionName: string) => `${pascal(functionName)}LambdaFunction`;
export const roleLogicalId = (functionName: string) => `${pascal(functionName)}Role`;

/**
 * The alarms that tell the operator a scaler is failing, on the notification topic: per scaler, its
 * targets that failed (the `TargetFailures` EMF metric each run emits under the Powertools `service`
 * dimension; the run itself succeeds for the healthy targets, so Lambda's Errors would stay at 0), its
 * targets deferred to the next run for 15 minutes on end (`DeferredTargets`), and messages arriving in the
 * dead-letter queue (a whole run that failed its retries, or a fan-out batch that failed).
 */
export function deliveryAlarms(stage: string, service = 'scalepilot'): Resources {
  const notify = [{ Ref: 'NotificationTopic' }];
  const resources: Resources = {};
  for (const [kind, fn] of Object.entries(functionByKind) as [TargetKind, string][]) {
    resources[`${pascal(fn)}TargetFailuresAlarm`] = scalepilotMetricAlarm({
      name: `${service}-${stage}.${fn}.target-failures`,
      description: `Scalepilot: ${fn} failed to describe or scale a target (see its decisions: DescribeFailed, ActionFailed)`,
      metric: 'TargetFailures',
      service: serviceByKind[kind],
      periods: 1,
      notify,
    });
    // A target deferred for 15 minutes on end: the fleet has outgrown what the runs take in a minute.
    resources[`${pascal(fn)}DeferredTargetsAlarm`] = scalepilotMetricAlarm({
      name: `${service}-${stage}.${fn}.deferred-targets`,
      description: `Scalepilot: ${fn} has deferred targets to the next run for 15 minutes (its runs reach their deadline: see the run log's deferred and api figures)`,
      metric: 'DeferredTargets',
      service: serviceByKind[kind],
      periods: 3,
      notify,
    });
  }
  // A write to the ledger or the delivery records that failed (denied, throttled): the run fails and is
  // retried, but the operator must hear of it (issue 20, item 2); the scalers count theirs in TargetFailures.
  for (const [fn, serviceName] of [
    ['alertCost', 'alert-cost'],
    ['predict', 'predict'],
  ] as const)
    resources[`${pascal(fn)}RecordFailuresAlarm`] = scalepilotMetricAlarm({
      name: `${service}-${stage}.${fn}.record-failures`,
      description: `Scalepilot: ${fn} could not write to the ledger or its delivery records (see its log: RecordFailures)`,
      metric: 'RecordFailures',
      service: serviceName,
      periods: 1,
      notify,
    });
  // The predict function deferring targets in three hourly runs on end: the fleet has outgrown one run, and the
  // deferred targets' floors are refreshed less than hourly (they keep earlier runs' 48 hours meanwhile).
  resources.PredictDeferredTargetsAlarm = scalepilotMetricAlarm({
    name: `${service}-${stage}.predict.deferred-targets`,
    description:
      'Scalepilot: predict has deferred targets to the next run in three hourly runs on end (its runs reach their deadline: see its log)',
    metric: 'DeferredTargets',
    service: 'predict',
    periods: 3,
    periodSeconds: 3600,
    notify,
  });
  // On dead letters arriving, not on any being there: the queue keeps them 14 days as evidence, and an alarm on
  // the count stayed in ALARM from the first one on, telling no one of the next failure. It tells once while
  // they go on arriving (a run failing every minute) and again when they come back after a quiet period.
  resources.DeadLetterQueueAlarm = {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: `${service}-${stage}.dead-letter-queue`,
      AlarmDescription:
        'Scalepilot: a function run failed after its retries (or a fan-out batch after five receives); its event is in the dead-letter queue',
      Metrics: [
        {
          Id: 'visible',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateNumberOfMessagesVisible',
              Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }],
            },
            Period: 300,
            Stat: 'Maximum',
          },
          ReturnData: false,
        },
        { Id: 'arrived', Expression: 'DIFF(visible)', Label: 'dead letters arrived', ReturnData: true },
      ],
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: notify,
    },
  };
  return resources;
}

/**
 * An alarm on a count the functions emit (EMF, namespace `Scalepilot`, under the Powertools `service` dimension):
 * at least one in each of `periods` periods (5 minutes, or `periodSeconds`) on end; no datapoint is no failure.
 */
function scalepilotMetricAlarm(alarm: {
  readonly name: string;
  readonly description: string;
  readonly metric: string;
  readonly service: string;
  readonly periods: number;
  /** 300 (5 minutes) unless said: an hourly function's count is one datapoint an hour. */
  readonly periodSeconds?: number;
  readonly notify: readonly unknown[];
}): Resources[string] {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: alarm.name,
      AlarmDescription: alarm.description,
      Namespace: METRICS_NAMESPACE,
      MetricName: alarm.metric,
      Dimensions: [{ Name: 'service', Value: alarm.service }],
      Statistic: 'Sum',
      Period: alarm.periodSeconds ?? 300,
      EvaluationPeriods: alarm.periods,
      ...(alarm.periods > 1 ? { DatapointsToAlarm: alarm.periods } : {}),
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: alarm.notify,
    },
  };
}

/**
 * The CloudFormation resources generated from the policy: one role per scaler, one alarm per threshold
 * (its action invokes the scaler of the target's kind directly; none with `fleet.thresholdAlarms: false`)
 * with the permission that lets this stage's alarms invoke it, the alarms that tell the operator of
 * failures, the dashboard, and the email subscriptions of the notification topic. Every role carries
 * `boundary` as its permissions boundary (infra/permissionsBoundary.ts).
 */
export function stackResources(
  policy: Policy,
  stage: string,
  service = 'scalepilot',
  boundary: BoundaryArn = DEFAULT_BOUNDARY,
): { Resources: Resources } {
  const resources: Resources = {};
  const fanOut = fanOutResources(policy, stage, service);
  // One role per function, built from the adapters it constructs (infra/functionAdapters.ts); a scaler's also
  // lets the Lambda service run it on its fan-out queue, when it has one.
  for (const [kind, fn] of Object.entries(functionByKind) as [TargetKind, string][])
    Object.assign(
      resources,
      roleResources(
        roleLogicalId(fn),
        functionRole(
          fn as FunctionName,
          policy,
          `${service}-${stage}-${fn}`,
          stage,
          fanOut.statements[kind] ?? [],
        ),
        boundary,
      ),
    );
  Object.assign(resources, fanOut.resources);
  for (const fn of ['alertCost', 'predict'] as const)
    Object.assign(
      resources,
      roleResources(
        roleLogicalId(fn),
        functionRole(fn, policy, `${service}-${stage}-${fn}`, stage),
        boundary,
      ),
    );
  if (policy.cost?.hourlyForecast) Object.assign(resources, hourlyCostForecast());
  Object.assign(resources, alarmResources(policy, stage, resources));
  Object.assign(resources, deliveryAlarms(stage, service));
  // The kill switch exists from the first deploy, `false`, so a missing parameter means something went wrong
  // (the functions then act on nothing: PauseUnknown). CloudFormation leaves a value `scalepilot pause` set
  // alone on later deploys: it changes a resource only when its template does.
  resources.PauseSwitchParameter = {
    Type: 'AWS::SSM::Parameter',
    Properties: {
      Name: pauseParameterName(stage),
      Type: 'String',
      Value: RUNNING_VALUE,
      Description: `Scalepilot kill switch of stage ${stage}: true stops every change (scalepilot pause / resume)`,
    },
  };
  Object.assign(resources, dashboardResources(policy, stage, service));
  policy.notifications.emails.forEach((email, i) => {
    resources[`NotificationEmail${i}`] = {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: 'NotificationTopic' }, Protocol: 'email', Endpoint: email },
    };
  });
  const tooLarge = stackLimitProblems(resources);
  if (tooLarge.length > 0) throw new PolicyValidationError(`stage ${stage}`, tooLarge);
  return { Resources: resources };
}

/**
 * The dashboards: a row per target, or with `fleet.targetDashboards: false` one of the whole fleet. The first
 * keeps its logical ID and name either way (switching updates it, no replacement); a fleet past one dashboard's
 * widgets gets `-2`, `-3` …
 */
export function dashboardResources(policy: Policy, stage: string, service = 'scalepilot'): Resources {
  const resources: Resources = {};
  const bodies = policy.fleet.targetDashboards ? dashboardBodies(policy) : [fleetDashboardBody(policy)];
  bodies.forEach((body, i) => {
    resources[i === 0 ? 'Dashboard' : `Dashboard${i + 1}`] = {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: {
        DashboardName: i === 0 ? `${service}-${stage}` : `${service}-${stage}-${i + 1}`,
        DashboardBody: { 'Fn::Sub': JSON.stringify(body) },
      },
    };
  });
  return resources;
}

/** The month-end cost forecast every hour as well as daily (the once-per-day claim keeps it to one message). */
function hourlyCostForecast(): Resources {
  return {
    AlertCostHourlyForecastRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: 'Scalepilot: month-end cost forecast, hourly',
        ScheduleExpression: 'rate(1 hour)',
        State: 'ENABLED',
        Targets: [
          {
            Id: 'alertCostForecast',
            Arn: { 'Fn::GetAtt': [lambdaLogicalId('alertCost'), 'Arn'] },
            Input: JSON.stringify({ check: 'forecast' }),
          },
        ],
      },
    },
    AlertCostHourlyForecastPermission: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: { 'Fn::GetAtt': [lambdaLogicalId('alertCost'), 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        // The account as well as the rule, as every service permission of the stack (CKV_SCALEPILOT_1).
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: { 'Fn::GetAtt': ['AlertCostHourlyForecastRule', 'Arn'] },
      },
    },
  };
}

/**
 * One alarm per threshold of the policy, and for each scaler the permission that lets this stage's alarms invoke
 * it; refused when an alarm's name or logical ID cannot be used (`taken`: the resources made so far).
 */
function alarmResources(policy: Policy, stage: string, taken: Resources): Resources {
  const resources: Resources = {};
  const alarms = alarmDefinitions(policy, stage);
  const problems = alarmNameProblems(alarms, stage);
  if (problems.length > 0) throw new PolicyValidationError(`stage ${stage}`, problems);
  for (const fn of new Set(alarms.map((a) => a.functionName)))
    resources[alarmPermissionId(fn)] = alarmPermission(fn, stage);
  for (const alarm of alarms) {
    const id = alarmLogicalId(alarm);
    if (taken[id] || resources[id])
      throw new PolicyValidationError(`stage ${stage}`, [
        { path: id, message: `logical ID of ${alarm.alarmName} is taken` },
      ]);
    const fnArn = { 'Fn::GetAtt': [lambdaLogicalId(alarm.functionName), 'Arn'] };
    resources[id] = {
      Type: 'AWS::CloudWatch::Alarm',
      DependsOn: [alarmPermissionId(alarm.functionName)],
      Properties: {
        AlarmName: alarm.alarmName,
        AlarmDescription: `Scalepilot: ${alarm.targetName} (${alarm.kind}) rule ${alarm.ruleName}, scale ${alarm.direction} when ${alarm.comparison === 'GreaterThanThreshold' ? 'above' : 'below'} ${alarm.threshold}`,
        ComparisonOperator: alarm.comparison,
        Threshold: alarm.threshold,
        EvaluationPeriods: alarm.evaluationPeriods,
        DatapointsToAlarm: alarm.evaluationPeriods,
        TreatMissingData: alarm.treatMissingData,
        AlarmActions: [fnArn],
        OKActions: [fnArn],
        ...alarmMetric(alarm.metric),
      },
    };
  }
  return resources;
}

/** The logical ID of the permission that lets this stage's alarms invoke a scaler. */
export const alarmPermissionId = (fn: string) => `${lambdaLogicalId(fn)}AlarmsPermission`;

/**
 * One permission per scaler for every alarm of the stage (`scalepilot-<stage>.*`: alarmNamePrefix, which no other
 * stage's alarm names start with), restricted by SourceAccount and SourceArn. One per alarm grew
 * the function's resource-based policy past Lambda's 20 KB, which cannot be raised, at about 50 alarms (a dozen
 * targets of two rules): the deploy failed. AWS's advice for that limit is this statement with a wildcard. An
 * alarm of the stage that is not in the policy gets no further than the handler: it refuses an unknown alarm,
 * and an alarm only wakes a scaler, which reads the metrics itself.
 */
function alarmPermission(fn: string, stage: string): Resources[string] {
  return {
    Type: 'AWS::Lambda::Permission',
    Properties: {
      FunctionName: { 'Fn::GetAtt': [lambdaLogicalId(fn), 'Arn'] },
      Action: 'lambda:InvokeFunction',
      Principal: 'lambda.alarms.cloudwatch.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: {
        'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${alarmNamePrefix(stage)}*`,
      },
    },
  };
}
