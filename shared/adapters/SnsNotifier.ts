import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { CostAlert } from '../cost/types';
import { AwsCallError } from '../errors';
import type { CapacityChangeNotice, CostAlertChannel, Notifier } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import { capacityChangeMessage } from './capacityChangeMessage';
import type { IamActions } from './iamActions';

/** SNS subjects are at most 100 characters, on one line. */
const subjectLine = (s: string) => (s.length <= 100 ? s : `${s.slice(0, 99)}…`);

/** The IAM actions SnsNotifier calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const snsNotifierIam: IamActions = {
  read: [],
  write: ['sns:Publish'],
  // The topic is encrypted with a key of its own.
  dependent: ['kms:GenerateDataKey', 'kms:Decrypt'],
};

/** Notifier over the stack's SNS topic (email subscriptions, AWS Chatbot). */
export class SnsNotifier implements Notifier, CostAlertChannel {
  readonly channel = 'sns';

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
          Subject: subjectLine(subject),
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

  async costAlert(alert: CostAlert): Promise<void> {
    await this.client
      .send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subjectLine(alert.subject),
          Message: alert.text,
          MessageAttributes: {
            alert: { DataType: 'String', StringValue: alert.kind },
            day: { DataType: 'String', StringValue: alert.day },
          },
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('SNS Publish (cost alert)', cause);
      });
  }
}
