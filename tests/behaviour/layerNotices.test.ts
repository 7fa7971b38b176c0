// The behaviour layer's record of notices, which the soak's invariants read.
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { startAwsBehaviour } from '../harness/awsBehaviour/awsBehaviour';

it('counts every notice of a PublishBatch (the walk sends a run’s notices in one; the soak’s notice invariant missed them)', async () => {
  const layer = await startAwsBehaviour({ clock: { now: () => new Date(0) }, seed: 1 });
  try {
    const topic = await new DemoAccount(layer.harnessAws).createTopic('t');
    await new SNSClient(clientOptions(layer.aws)).send(
      new PublishBatchCommand({
        TopicArn: topic,
        PublishBatchRequestEntries: [
          {
            Id: '1',
            Message: 'm1',
            Subject: 's1',
            MessageAttributes: {
              target: { DataType: 'String', StringValue: 'db' },
              reason: { DataType: 'String', StringValue: 'ActionFailed' },
            },
          },
          {
            Id: '2',
            Message: 'm2',
            Subject: 's2',
            MessageAttributes: {
              target: { DataType: 'String', StringValue: 'api' },
              reason: { DataType: 'String', StringValue: 'ScaleOut' },
            },
          },
        ],
      }),
    );
    expect(layer.notices.map((n) => n.reason)).toEqual(['ActionFailed', 'ScaleOut']);
  } finally {
    await layer.stop();
  }
});
