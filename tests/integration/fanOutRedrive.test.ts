import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { fanOutResources } from '../../infra/fanOutResources';
import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { SqsFanOut } from '../../shared/adapters/SqsFanOut';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { scalerRuntimeFromEnv } from '../../shared/lambda/scalerRuntimeFromEnv';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import { capturedLog, lambdaContext, seedStepTargetInput, testClock } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// The fan-out queue's redrive, as the stack generates it (infra/fanOutResources.ts), on moto's SQS, which
// moves a message to the dead-letter queue as SQS does: on the receive after its maxReceiveCount-th. moto
// does not run the event source mapping, so the test plays it: each receive is one invocation, or none when
// Lambda throttles it (the function's reserved concurrency, 5, is shared with the schedule and every alarm:
// a throttled receive still counts, and the message comes back after the visibility timeout, which
// ChangeMessageVisibility to 0 stands in for while the test clock moves on by it). AWS (Lambda operator
// guide, "Understanding SQS retries"): set the source queue's maxReceiveCount to at least 5.

const emulator = useEmulator();
const SCOPE = '123456789012#us-east-1';

async function setUp() {
  const account = new DemoAccount(emulator.aws);
  await account.createLedgerTable('ledger');
  await account.createPauseSwitch('test');
  const topicArn = await account.createTopic('scalepilot-test');
  for (const g of ['g-0', 'g-1']) await account.createAutoScalingGroup(g, { min: 1, max: 10, desired: 2 });
  // Two groups at one a run: the stack has the asg scaler's fan-out queue.
  const policy = validatePolicy({
    version: 1,
    fleet: { targetsPerRun: { asg: 1 } },
    targets: ['t-0', 't-1'].map((name, i) =>
      seedStepTargetInput({ name, autoScalingGroupName: `g-${i}`, capacity: { min: 1, max: 10 } }),
    ),
  });
  const queue = fanOutResources(policy, 'test', 'scalepilot').resources.ScaleAsgFanOutQueue?.Properties as {
    QueueName: string;
    VisibilityTimeout: number;
    MessageRetentionPeriod: number;
    RedrivePolicy: { maxReceiveCount: number };
  };
  const sqs = new SQSClient(clientOptions(emulator.aws));
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'scalepilot-test-dlq' }));
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: queue.QueueName,
      Attributes: {
        VisibilityTimeout: String(queue.VisibilityTimeout),
        MessageRetentionPeriod: String(queue.MessageRetentionPeriod),
        RedrivePolicy: JSON.stringify({ ...queue.RedrivePolicy, deadLetterTargetArn: dlqArn }),
      },
    }),
  );
  const url = QueueUrl as string;
  const queueArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn as string;
  const clock = testClock(new Date(Math.floor(Date.now() / 60_000) * 60_000 + 30_000));
  const runtime = scalerRuntimeFromEnv({
    kind: 'asg',
    capacity: (aws) => new AutoScalingCapacity(aws),
    logger: capturedLog().sink,
    env: {
      LEDGER_TABLE: 'ledger',
      SCALEPILOT_STAGE: 'test',
      TOPIC_ARN: topicArn,
      SCALEPILOT_SCOPE: SCOPE,
      FANOUT_QUEUE_URL: url,
    },
    policy,
    aws: emulator.aws,
    clock,
  });
  const handler = createScalerHandler(runtime);
  const dead = async () =>
    Number(
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: dlq.QueueUrl,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        )
      ).Attributes?.ApproximateNumberOfMessages,
    );

  /** Lambda's SQS event source mapping, one message an invocation; each receive's fate, in order. */
  const mapping = async (throttledReceives: number) => {
    const receives: string[] = [];
    for (let receive = 1; receive <= 10; receive += 1) {
      const [message]: Message[] =
        (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1 }))).Messages ?? [];
      if (!message) break;
      const visibleAgain = async () => {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          }),
        );
        clock.advance(queue.VisibilityTimeout);
      };
      if (receive <= throttledReceives) {
        receives.push('throttled');
        await visibleAgain();
        continue;
      }
      const event = {
        Records: [{ eventSource: 'aws:sqs', eventSourceARN: queueArn, body: message.Body ?? '' }],
      };
      try {
        await handler(event, lambdaContext(`receive-${receive}`));
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
        receives.push('ran');
      } catch (error) {
        receives.push((error as Error).name);
        await visibleAgain();
      }
    }
    return receives;
  };
  return { queue, clock, dead, mapping, fanOut: new SqsFanOut(emulator.aws, url, 'asg') };
}

describe('the fan-out queue’s redrive (Lambda throttles, SQS counts the receive)', () => {
  it.each([
    {
      name: 'a batch whose first receive was throttled runs on the next: its groups recorded StaleEvent, nothing dead-lettered (defect: maxReceiveCount 1 dead-lettered a batch that never ran)',
      targets: ['t-0', 't-1'],
      throttled: 1,
      want: { receives: ['throttled', 'ran'], deadLettered: 0, recorded: ['StaleEvent'] },
    },
    {
      name: 'a batch throttled on three receives in a row still runs, late: StaleEvent, nothing dead-lettered',
      targets: ['t-0', 't-1'],
      throttled: 3,
      want: {
        receives: ['throttled', 'throttled', 'throttled', 'ran'],
        deadLettered: 0,
        recorded: ['StaleEvent'],
      },
    },
    {
      // A valid name the policy lacks is a target a redeploy removed: left out, the batch taken (fleet.test.ts).
      name: 'a poison batch (a name no target could have) is refused on every receive and dead-lettered, before the queue’s retention drops it',
      targets: ['t-0', 'somebody-*'],
      throttled: 0,
      want: { receives: 'every MalformedEventError', deadLettered: 1, recorded: [] },
    },
  ])('$name', async ({ targets, throttled, want }) => {
    const s = await setUp();
    await s.fanOut.enqueue([targets], s.clock.now());
    const receives = await s.mapping(throttled);
    if (want.receives === 'every MalformedEventError') {
      expect(receives).toEqual(Array(s.queue.RedrivePolicy.maxReceiveCount).fill('MalformedEventError'));
      expect(receives.length * s.queue.VisibilityTimeout).toBeLessThanOrEqual(s.queue.MessageRetentionPeriod);
    } else expect(receives).toEqual(want.receives);
    expect(await s.dead()).toBe(want.deadLettered);
    const ledger = new DynamoLedger(emulator.aws, 'ledger', SCOPE);
    for (const t of ['t-0', 't-1'])
      expect((await ledger.decisions(t)).map((d) => d.reason)).toEqual(want.recorded);
    expect(emulator.calls('SetDesiredCapacity')).toBe(0);
  });
});
