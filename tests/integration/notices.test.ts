import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { SnsForecastNotifier } from '../../shared/adapters/SnsForecastNotifier';
import { SnsNotifier } from '../../shared/adapters/SnsNotifier';
import { snsMessage } from '../../shared/adapters/snsMessage';
import type { Decision } from '../../shared/decision/types';
import { useEmulator } from '../harness/useEmulator';

// The stack's topic against moto: what each kind of subscriber receives. Amazon Q Developer in chat applications
// (AWS Chatbot) subscribes over HTTPS, which moto cannot deliver to; its message is checked against the
// custom-notification schema AWS documents (version 1.0, source custom, content.description required).

const emulator = useEmulator();

const decision = {
  target: 'api',
  kind: 'asg',
  current: 4,
  desired: 6,
  recommendation: 6,
  direction: 'out',
  reason: 'ScaleOut',
  message: 'cpu 85% > 70%: +2',
  metrics: { cpu: 85 },
} as Decision;

describe('notices on the topic', () => {
  it('email and queues get the text; HTTPS (chat) gets the custom notification AWS Chatbot renders', async () => {
    const topic = await new DemoAccount(emulator.aws).createTopic('scalepilot-notices');
    const sqs = new SQSClient(clientOptions(emulator.aws));
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'notices' }))).QueueUrl as string;
    const arn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    await new SNSClient(clientOptions(emulator.aws)).send(
      new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: arn }),
    );

    await new SnsNotifier(emulator.aws, topic).capacityChanged({ decision, dryRun: false, at: new Date() });

    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    const envelope = JSON.parse(received.Messages?.[0]?.Body ?? '{}');
    expect(envelope.Subject).toContain('api');
    expect(envelope.Message).toContain('cpu 85% > 70%: +2');
    expect(() => JSON.parse(envelope.Message)).toThrow(); // the text itself, not a JSON structure
  });

  it.each([
    { name: 'a short notice whole', text: 'api: 4 → 6 instances', cut: false },
    { name: 'a long one cut, said so', text: 'x'.repeat(5000), cut: true },
  ])('the chat notification: $name', ({ text, cut }) => {
    const { Message, MessageStructure } = snsMessage({
      title: 'Scalepilot: api',
      text,
      keywords: ['api', 'ScaleOut'],
    });
    expect(MessageStructure).toBe('json');
    const byProtocol = JSON.parse(Message);
    expect(byProtocol.default).toBe(text);
    expect(byProtocol.email).toBe(text);
    const chat = JSON.parse(byProtocol.https);
    expect(chat).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: { title: 'Scalepilot: api', keywords: ['api', 'ScaleOut'] },
    });
    expect(chat.content.description.length).toBeLessThanOrEqual(4100);
    expect(chat.content.description.endsWith('(cut; the email has it whole)')).toBe(cut);
  });

  it('many targets’ notices of one reason in one message, its target attribute naming each: a subscription filtering on one target still gets it', async () => {
    const topic = await new DemoAccount(emulator.aws).createTopic('scalepilot-notices');
    const g7 = await filteredQueue(topic, 'g7', 'g-7');
    const other = await filteredQueue(topic, 'other', 'not-in-it');
    const at = new Date('2026-12-07T10:00:00Z');
    const notices = Array.from({ length: 12 }, (_, i) => ({
      decision: {
        ...decision,
        target: `g-${i}`,
        current: 2,
        desired: 2,
        direction: 'none',
        reason: 'GroupNotTagged',
        message: `Auto Scaling group "g-${i}" has no such tag`,
      } as Decision,
      dryRun: false,
      at,
    }));

    await new SnsNotifier(emulator.aws, topic).noticesRolledUp({
      kind: 'asg',
      reason: 'GroupNotTagged',
      notices,
    });

    const [message] = await g7();
    const envelope = JSON.parse(message?.Body ?? '{}');
    expect(envelope.Subject).toBe('Scalepilot: 12 asg targets GroupNotTagged (nothing changed)');
    expect(envelope.Message).toContain('12 asg targets: GroupNotTagged; nothing changed.');
    expect(envelope.Message).toContain('- g-0 (2 instances): Auto Scaling group "g-0" has no such tag');
    expect(envelope.Message).toContain('- g-11 (2 instances): Auto Scaling group "g-11" has no such tag');
    expect(await other()).toEqual([]);
  });

  it('many forecasts that lost trust in one predict run: one message, each target with its verdict', async () => {
    const topic = await new DemoAccount(emulator.aws).createTopic('scalepilot-notices');
    const receive = await filteredQueue(topic, 'trust', 't-4');
    const at = new Date('2026-12-07T10:00:00Z');
    const changes = Array.from({ length: 10 }, (_, i) => ({
      target: `t-${i}`,
      trusted: false,
      message: `t-${i}: forecast worse than seasonal-naive (MASE 2.1 against 0.9)`,
      at,
    }));

    await new SnsForecastNotifier(emulator.aws, topic).trustChangedMany(changes);

    const [message] = await receive();
    const envelope = JSON.parse(message?.Body ?? '{}');
    expect(envelope.Subject).toBe("Scalepilot: 10 targets' predictive floors off");
    expect(envelope.Message).toContain('- t-0: forecast worse than seasonal-naive (MASE 2.1 against 0.9)');
    expect(envelope.Message).toContain('- t-9: forecast worse');
    expect(envelope.MessageAttributes.reason.Value).toBe('ForecastUntrusted');
  });
});

/** A queue subscribed to the topic with a filter policy on one target; what it received. */
async function filteredQueue(topic: string, name: string, target: string) {
  const sqs = new SQSClient(clientOptions(emulator.aws));
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
    .Attributes?.QueueArn;
  await new SNSClient(clientOptions(emulator.aws)).send(
    new SubscribeCommand({
      TopicArn: topic,
      Protocol: 'sqs',
      Endpoint: arn,
      Attributes: { FilterPolicy: JSON.stringify({ target: [target] }) },
    }),
  );
  return async () =>
    (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }))).Messages ?? [];
}
