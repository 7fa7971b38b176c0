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
});
