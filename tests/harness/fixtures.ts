import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import type { Emulator } from '../../bin/lib/emulator';
import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { scalerRuntimeFromEnv } from '../../shared/lambda/scalerRuntimeFromEnv';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { AsgTarget, Policy, PolicyInput } from '../../shared/policy/schema';

export const EXAMPLE_POLICY = new URL('../../examples/event-platform.scalepilot.yml', import.meta.url)
  .pathname;
export const examplePolicy = (): Policy => loadPolicyFile(EXAMPLE_POLICY);

/**
 * The seeds' step target on a 2..10 group `g` (CPU > 70 add 2, < 30 remove 1) as a raw policy document's
 * target, with `target` overriding its keys and `rule` its one rule's keys (`metric` keys merge).
 */
export function seedStepTargetInput(
  target: Record<string, unknown> = {},
  rule: Record<string, unknown> = {},
) {
  const { metric, ...ruleRest } = rule;
  return {
    name: 'api',
    kind: 'asg',
    autoScalingGroupName: 'g',
    capacity: { min: 2, max: 10 },
    rules: [
      {
        name: 'cpu',
        type: 'step',
        metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', ...(metric as object | undefined) },
        scaleOut: [{ above: 70, add: 2 }],
        scaleIn: [{ below: 30, remove: 1 }],
        ...ruleRest,
      },
    ],
    ...target,
  };
}

/** The seeds' step target (see seedStepTargetInput), validated. */
export function seedStepTarget(
  target: Record<string, unknown> = {},
  rule: Record<string, unknown> = {},
): AsgTarget {
  return validatePolicy({ version: 1, targets: [seedStepTargetInput(target, rule)] }).targets[0] as AsgTarget;
}

/**
 * The seeds' step policy on one 2..10 group `g` (CPU > 70 add 2, < 30 remove 1), validated, with
 * policy-level extras (a cost section, notifications, …).
 */
export function seedStepPolicy(extra: Partial<PolicyInput> = {}): Policy {
  return validatePolicy({ version: 1, targets: [seedStepTargetInput()], ...extra });
}

/** A clock the test moves. */
export function testClock(start: Date) {
  let now = start;
  return {
    now: () => now,
    advance(seconds: number) {
      now = new Date(now.getTime() + seconds * 1000);
    },
  };
}

/** A log sink that keeps what was logged, so tests can read the errors a handler reports. */
export function capturedLog() {
  const entries: { level: string; message: string; extra: Record<string, unknown>[] }[] = [];
  const at =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) =>
      entries.push({ level, message, extra });
  return { entries, sink: { info: at('info'), warn: at('warn'), error: at('error') } };
}

/** The asg scaler wired to the emulator exactly as in Lambda, but with a test clock and log. */
export async function asgScalerOnEmulator(
  emulator: Emulator,
  policy: Policy,
  clock: { now(): Date },
  log = capturedLog(),
) {
  const account = new DemoAccount(emulator.aws);
  await account.createLedgerTable('ledger');
  await account.createPauseSwitch('test');
  const topicArn = await account.createTopic('scalepilot-test');
  const runtime = scalerRuntimeFromEnv({
    kind: 'asg',
    capacity: (aws) => new AutoScalingCapacity(aws),
    logger: log.sink,
    env: {
      LEDGER_TABLE: 'ledger',
      SCALEPILOT_STAGE: 'test',
      TOPIC_ARN: topicArn,
      SCALEPILOT_SCOPE: '123456789012#us-east-1',
    },
    policy,
    aws: emulator.aws,
    clock,
  });
  return { handler: createScalerHandler(runtime), runtime, account, log };
}

/** A group's desired capacity as the emulator holds it (undefined: no such group). */
export async function groupDesiredCapacity(emulator: Emulator, group: string): Promise<number | undefined> {
  const response = await new AutoScalingClient(clientOptions(emulator.aws)).send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }),
  );
  return response.AutoScalingGroups?.[0]?.DesiredCapacity;
}

/** The event CloudWatch sends to a Lambda alarm action. */
export function alarmActionEvent(alarmName: string, state: 'ALARM' | 'OK', timestamp: Date) {
  return {
    source: 'aws.cloudwatch',
    alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`,
    accountId: '123456789012',
    time: timestamp.toISOString(),
    region: 'us-east-1',
    alarmData: {
      alarmName,
      state: { value: state, reason: 'test', timestamp: timestamp.toISOString() },
      previousState: {
        value: state === 'ALARM' ? 'OK' : 'ALARM',
        reason: 'test',
        timestamp: timestamp.toISOString(),
      },
      configuration: { metrics: [] },
    },
  };
}

/** A Lambda context as the runtime passes it (the handler reads the request id and the time left). */
export function lambdaContext(awsRequestId: string) {
  return { awsRequestId, getRemainingTimeInMillis: () => 60_000 };
}
