import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { CostAlert } from '../cost/types';
import { AwsCallError } from '../errors';
import type { CapacityChangeNotice, CostAlertChannel, Notifier, RolledUpNotice } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import { capacityChangeMessage, rolledUpMessage } from './capacityChangeMessage';
import type { IamActions } from './iamActions';
import { manyTargetsAttributes, snsMessage } from './snsMessage';

/** A capacity notice for every subscriber: the target and the reason are its chat keywords. */
const noticeMessage = (notice: CapacityChangeNotice, subject: string, body: string) =>
  snsMessage({ title: subject, text: body, keywords: [notice.decision.target, notice.decision.reason] });

/** SNS subjects are at most 100 characters, on one line. */
const subjectLine = (s: string) => (s.length <= 100 ? s : `${s.slice(0, 99)}…`);

/** The IAM actions SnsNotifier calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const snsNotifierIam: IamActions = {
  read: [],
  write: ['sns:Publish'],
  // The topic is encrypted with a key of its own.
  dependent: ['kms:GenerateDataKey', 'kms:Decrypt'],
};

/** Notifier over the stack's SNS topic (email subscriptions; Slack or Teams through AWS Chatbot: snsMessage.ts). */
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
          ...noticeMessage(notice, subject, body),
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

  /** PublishBatch, 10 messages a call (one alone: Publish); throws when SNS refuses any of them (named). */
  async capacityChangedMany(notices: readonly CapacityChangeNotice[]): Promise<void> {
    if (notices.length === 1 && notices[0]) return this.capacityChanged(notices[0]);
    for (let i = 0; i < notices.length; i += 10) {
      const entries = notices.slice(i, i + 10).map((notice, k) => {
        const { subject, body } = capacityChangeMessage(notice);
        return {
          Id: String(k),
          Subject: subjectLine(subject),
          ...noticeMessage(notice, subject, body),
          MessageAttributes: {
            target: { DataType: 'String', StringValue: notice.decision.target },
            reason: { DataType: 'String', StringValue: notice.decision.reason },
          },
        };
      });
      const response = await this.client
        .send(new PublishBatchCommand({ TopicArn: this.topicArn, PublishBatchRequestEntries: entries }))
        .catch((cause: unknown) => {
          throw new AwsCallError('SNS PublishBatch', cause);
        });
      const failed = response.Failed ?? [];
      if (failed.length > 0)
        throw new AwsCallError(
          'SNS PublishBatch',
          new Error(
            failed
              .map((f) => `${notices[i + Number(f.Id)]?.decision.target}: ${f.Code} ${f.Message ?? ''}`)
              .join('; '),
          ),
        );
    }
  }

  /**
   * One message for many targets' notices of one reason; its `target` attribute lists them all (String.Array), so a
   * subscription filtering on a target still receives it.
   */
  async noticesRolledUp(rollup: RolledUpNotice): Promise<void> {
    const { subject, body } = rolledUpMessage(rollup);
    const targets = rollup.notices.map((n) => n.decision.target);
    await this.client
      .send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subjectLine(subject),
          ...snsMessage({ title: subject, text: body, keywords: [rollup.reason, ...targets.slice(0, 5)] }),
          MessageAttributes: manyTargetsAttributes(targets, rollup.reason),
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('SNS Publish (rolled-up notices)', cause);
      });
  }

  async costAlert(alert: CostAlert): Promise<void> {
    await this.client
      .send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subjectLine(alert.subject),
          ...snsMessage({ title: alert.subject, text: alert.text, keywords: ['cost', alert.kind] }),
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
