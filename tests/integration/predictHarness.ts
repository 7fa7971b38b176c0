import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeScheduledActionsCommand,
  PutScheduledUpdateGroupActionCommand,
  type ScheduledUpdateGroupAction,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { expect } from 'vitest';
import type { Emulator } from '../../bin/lib/emulator';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { FORECAST_ACTION_PREFIX, MAX_SCHEDULED_ACTIONS } from '../../shared/decision/scheduledFloors';
import { predictFunction } from '../../shared/lambda/predictFunction';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { Policy, PolicyInput } from '../../shared/policy/schema';
import { asgScalerOnEmulator, capturedLog, lambdaContext, testClock } from '../harness/fixtures';

// The predict function against moto (predict.test.ts): its policy, CPU history, stack and the group's scheduled
// actions as the tests read them.
export const GROUP = 'event-platform-api';
export const SCOPE = '123456789012#us-east-1';
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export function policyWith(predictive: PolicyInput['predictive'] = {}): Policy {
  return validatePolicy(policyInput(predictive));
}

export function policyInput(predictive: PolicyInput['predictive'] = {}) {
  return {
    version: 1,
    targets: [
      {
        name: 'api',
        kind: 'asg',
        autoScalingGroupName: GROUP,
        capacity: { min: 2, max: 10 },
        instanceWarmupSeconds: 300,
        predictive: true,
        rules: [
          {
            name: 'cpu',
            type: 'step',
            // Basic monitoring: one datapoint per instance per 5 minutes.
            metric: {
              namespace: 'AWS/EC2',
              name: 'CPUUtilization',
              statistic: 'Average',
              periodSeconds: 300,
            },
            scaleOut: [{ above: 70, add: 2 }],
            scaleIn: [{ below: 30, remove: 1 }],
          },
        ],
      },
    ],
    predictive: { enabled: true, mode: 'forecast-and-scale', lookbackDays: 2, ...predictive },
  };
}

/** The helpers that read and write the emulator of the test file that calls it. */
export function predictOnEmulator(emulator: Emulator) {
  /** Publishes each 5-minute period's CPU of 4 instances (per-instance percent) as one aggregated datapoint. */
  async function publishCpu(perInstance: (t: number) => number, from: number, to: number, group = GROUP) {
    const client = new CloudWatchClient(clientOptions(emulator.aws));
    const data = [];
    for (let t = from; t < to; t += 5 * MIN) {
      const v = perInstance(t);
      data.push({
        MetricName: 'CPUUtilization',
        Dimensions: [{ Name: 'AutoScalingGroupName', Value: group }],
        Timestamp: new Date(t),
        StatisticValues: { SampleCount: 4, Sum: 4 * v, Minimum: v, Maximum: v },
      });
    }
    for (let i = 0; i < data.length; i += 500)
      await client.send(
        new PutMetricDataCommand({ Namespace: 'AWS/EC2', MetricData: data.slice(i, i + 500) }),
      );
  }

  async function setUp(policy: Policy) {
    // On a 5-minute boundary plus a minute, as the hourly schedule would run.
    const start = Math.floor(Date.now() / (5 * MIN)) * 5 * MIN + MIN;
    const clock = testClock(new Date(start));
    const log = capturedLog();
    const scaler = await asgScalerOnEmulator(emulator, policy, clock, log); // creates the ledger table too
    await scaler.account.createAutoScalingGroup(GROUP, { min: 2, max: 10, desired: 2 });
    const env = {
      LEDGER_TABLE: 'ledger',
      SCALEPILOT_STAGE: 'test',
      TOPIC_ARN: await scaler.account.createTopic('scalepilot-predict'),
      SCALEPILOT_SCOPE: SCOPE,
    };
    /**
     * The predict function of a stack deployed with `deployed` (the same stage, ledger and topic); `remainingMs`
     * stands for the invocation's remaining time (60 s by default).
     */
    const predictWith = (deployed: Policy, remainingMs?: () => number) => {
      const predict = predictFunction({ env, policy: deployed, aws: emulator.aws, clock, logger: log.sink });
      const context = () => ({
        ...lambdaContext(`predict-${clock.now().toISOString()}`),
        ...(remainingMs ? { getRemainingTimeInMillis: remainingMs } : {}),
      });
      return async (event: unknown = {}) =>
        (await predict(event, context() as never)) as {
          target: string;
          reason: string;
          message: string;
          floorNow: number;
          scheduledActions?: number;
        }[];
    };
    const ledger = new DynamoLedger(emulator.aws, 'ledger', SCOPE);
    return { ...scaler, clock, start, runPredict: predictWith(policy), predictWith, ledger, log };
  }

  const autoScaling = () => new AutoScalingClient(clientOptions(emulator.aws));

  async function scheduledActions(name = GROUP): Promise<ScheduledUpdateGroupAction[]> {
    const response = await autoScaling().send(
      new DescribeScheduledActionsCommand({ AutoScalingGroupName: name }),
    );
    return response.ScheduledUpdateGroupActions ?? [];
  }

  async function group() {
    const response = await autoScaling().send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }),
    );
    return response.AutoScalingGroups?.[0];
  }

  /** What an operator may hold on the same group: it counts against the 125 and is never touched. */
  async function putOperatorActions(count: number, at: number) {
    for (let i = 0; i < count; i += 1)
      await autoScaling().send(
        new PutScheduledUpdateGroupActionCommand({
          AutoScalingGroupName: GROUP,
          ScheduledActionName: `operator-${i}`,
          StartTime: new Date(at + (i + 1) * DAY),
          MinSize: 3,
        }),
      );
  }

  return { publishCpu, setUp, autoScaling, scheduledActions, group, putOperatorActions };
}

/** Checks what moto does not: at most 125, in the future, ordered, within [min, MaxSize]. */
export function checkActions(all: ScheduledUpdateGroupAction[], now: number) {
  expect(all.length).toBeLessThanOrEqual(MAX_SCHEDULED_ACTIONS);
  const ours = all.filter((a) => a.ScheduledActionName?.startsWith(FORECAST_ACTION_PREFIX));
  const times = ours.map((a) => a.StartTime?.getTime() ?? 0);
  expect(times.every((t) => t > now)).toBe(true);
  expect(new Set(times).size).toBe(times.length);
  for (const a of ours) {
    expect(a.MinSize).toBeGreaterThanOrEqual(2);
    expect(a.MinSize).toBeLessThanOrEqual(10);
    expect(a.DesiredCapacity).toBeUndefined();
    expect(a.MaxSize).toBeUndefined();
  }
  return ours;
}

/** An hourly sawtooth per instance (15% to 70% over each hour): the floors change every few steps all day. */
export const sawtooth = (t: number) => 15 + 5 * (Math.floor(t / (5 * MIN)) % 12);
/** A daily cycle per instance, 20% to 60%. */
export const daily = (t: number) => 40 + 20 * Math.sin((2 * Math.PI * t) / DAY);
