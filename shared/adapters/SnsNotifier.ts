import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AwsCallError } from '../errors';
import type { CapacityChangeNotice, Notifier } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import { capacityChangeMessage } from './capacityChangeMessage';

/** Notifier over the stack's SNS topic (email subscriptions, AWS Chatbot). */
export class SnsNotifier implements Notifier {
  private readonly client: SNSClient;

  constructor(
    config: AwsConfig,
    private readonly topicArn: string,
    client?: SNSClient,
  ) {
    this.client = client ?? new SNSClient(clientOptions(config));
  }

  async capacityChanged(notice: CapacityChangeNotice): Promise<void> {
    const { subject, body } = capacityChangeMessage(notice);
    await this.client
      .send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subject,
          Message: body,
          MessageAttributes: {
            target: { DataType: 'String', StringValue: notice.decision.target },
            reason: { DataType: 'String', StringValue: notice.decision.reason },
          },
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('SNS Publish', cause);
      });
  }
}
