import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AwsCallError, clipped } from '../errors';
import type { ForecastNotifier, TrustChange } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';
import { manyTargetsAttributes, snsMessage } from './snsMessage';

/** The IAM actions SnsForecastNotifier calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const snsForecastNotifierIam: IamActions = {
  read: [],
  write: ['sns:Publish'],
  // The topic is encrypted with a key of its own.
  dependent: ['kms:GenerateDataKey', 'kms:Decrypt'],
};

/** ForecastNotifier over the stack's SNS topic: a target's forecast lost or regained trust. */
export class SnsForecastNotifier implements ForecastNotifier {
  private readonly client: SNSClient;

  constructor(
    config: AwsConfig,
    private readonly topicArn: string,
    client?: SNSClient,
  ) {
    this.client = client ?? new SNSClient(clientOptions(config));
  }

  async trustChanged(target: string, trusted: boolean, message: string, at: Date): Promise<void> {
    const subject = `Scalepilot: ${target} predictive floors ${trusted ? 'back on' : 'off'}`.slice(0, 100);
    await this.client
      .send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subject,
          ...snsMessage({
            title: subject,
            text: `${message}\nAt: ${at.toISOString()}`,
            keywords: [target, trusted ? 'ForecastFloors' : 'ForecastUntrusted'],
          }),
          MessageAttributes: {
            target: { DataType: 'String', StringValue: target },
            reason: { DataType: 'String', StringValue: trusted ? 'ForecastFloors' : 'ForecastUntrusted' },
          },
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('SNS Publish (forecast trust)', cause);
      });
  }

  /**
   * Many targets' forecasts that went the same way in one run, in one message: each target with its verdict; the
   * `target` attribute lists them all (String.Array), so a subscription filtering on one target still gets it.
   */
  async trustChangedMany(changes: readonly TrustChange[]): Promise<void> {
    const trusted = changes[0]?.trusted ?? false;
    const reason = trusted ? 'ForecastFloors' : 'ForecastUntrusted';
    const targets = changes.map((c) => c.target);
    const subject =
      `Scalepilot: ${changes.length} targets' predictive floors ${trusted ? 'back on' : 'off'}`.slice(0, 100);
    const text = [
      trusted
        ? `${changes.length} targets' forecasts trusted again; their predictive floors are back on:`
        : `${changes.length} targets' forecasts worse than seasonal-naive; their predictive floors are off, reactive only:`,
      ...changes.map((c) => `- ${clipped(c.message, 300)}`),
      `At: ${changes[0]?.at.toISOString() ?? ''}`,
    ].join('\n');
    await this.client
      .send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subject,
          ...snsMessage({ title: subject, text, keywords: [reason, ...targets.slice(0, 5)] }),
          MessageAttributes: manyTargetsAttributes(targets, reason),
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('SNS Publish (forecast trust, many targets)', cause);
      });
  }
}
