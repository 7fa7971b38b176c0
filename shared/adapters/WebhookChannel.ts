import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { CostAlert } from '../cost/types';
import { ScalingError } from '../errors';
import type { CostAlertChannel } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';

/** A webhook that did not take the message. */
export class WebhookError extends ScalingError {}

/** The IAM actions WebhookChannel calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const webhookChannelIam: IamActions = {
  // Powertools' SSMProvider reads the SecureString (GetParameter with decryption, under the SSM key).
  read: ['ssm:GetParameter'],
  write: [],
  dependent: ['kms:Decrypt'],
};

/**
 * A Slack-compatible incoming webhook (`{"text": …}`). Its URL is a secret: it lives in an SSM SecureString,
 * read and decrypted through Powertools Parameters (cached for 5 minutes), never in an environment variable.
 */
export class WebhookChannel implements CostAlertChannel {
  readonly channel = 'webhook';
  private readonly parameters: SSMProvider;

  constructor(
    config: AwsConfig,
    private readonly parameterName: string,
    private readonly timeoutMs = 5000,
  ) {
    this.parameters = new SSMProvider({ clientConfig: clientOptions(config) });
  }

  async costAlert(alert: CostAlert): Promise<void> {
    const url = await this.parameters
      .get(this.parameterName, { decrypt: true, maxAge: 300 })
      .catch((cause: unknown) => {
        throw new WebhookError(`cannot read the webhook URL from SSM ${this.parameterName}`, { cause });
      });
    if (typeof url !== 'string' || !/^https?:\/\//.test(url))
      throw new WebhookError(`SSM ${this.parameterName} does not hold a webhook URL`);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: `*${alert.subject}*\n${alert.text}` }),
      signal: AbortSignal.timeout(this.timeoutMs),
    }).catch((cause: unknown) => {
      throw new WebhookError(`webhook from ${this.parameterName} did not answer`, { cause });
    });
    // The URL is never logged: it is the secret.
    if (!response.ok)
      throw new WebhookError(`webhook from ${this.parameterName} answered ${response.status}`);
  }
}
