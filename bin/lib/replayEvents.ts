import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { AlarmStateRecord } from './evaluateAlarms';
import type { LocalAccount } from './localAccount';

// The events and context the replay hands the deployed handlers, shaped as AWS delivers them.

/** The event CloudWatch sends to a Lambda alarm action. */
export function alarmEvent(
  alarm: LocalAccount['alarms'][number],
  state: AlarmStateRecord,
  previous: AlarmStateRecord,
) {
  const [, , , region, accountId] = alarm.alarmArn.split(':');
  return {
    source: 'aws.cloudwatch',
    alarmArn: alarm.alarmArn,
    accountId,
    time: state.at,
    region,
    alarmData: {
      alarmName: alarm.alarmName,
      state: { value: state.state, reason: state.reason, timestamp: state.at },
      previousState: { value: previous.state, reason: previous.reason, timestamp: previous.at },
      configuration: {
        description: `${alarm.targetName} ${alarm.ruleName} scale ${alarm.direction}`,
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: {
                namespace: alarm.metric.namespace,
                name: alarm.metric.name,
                dimensions: alarm.metric.dimensions,
              },
              period: alarm.metric.periodSeconds,
              stat: alarm.metric.statistic,
            },
            returnData: true,
          },
        ],
      },
    },
  };
}

/** EventBridge's scheduled event for the one-minute rule. */
export function scheduleEvent(local: LocalAccount, now: number) {
  const { region } = local.emulator.aws;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: local.functions.values().next().value?.arn.split(':')[4] ?? '',
    time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:123456789012:rule/${local.stage}-schedule`],
    detail: {},
  };
}

/** The Lambda context the runtime would pass. */
export function lambdaContext(functionName: string, arn: string, remainingMs = 60_000): Context {
  return {
    awsRequestId: randomUUID(),
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: '256',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local-replay',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
