import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AwsCallError } from '../errors';
import type { TargetKind } from '../policy/schema';
import type { FanOut } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';

/** SqsFanOut's calls: one message per batch on the scaler's own fan-out queue. */
export const sqsFanOutIam: IamActions = { read: [], write: ['sqs:SendMessage'] };

/**
 * FanOut on the scaler's own SQS queue (generated in the stack when the policy holds more targets of the
 * kind than one run takes): one message per batch, `{ kind, batch, targets, at }`, which the same function
 * consumes through its event source mapping, one message an invocation.
 */
export class SqsFanOut implements FanOut {
  private readonly client: SQSClient;

  constructor(
    config: AwsConfig,
    private readonly queueUrl: string,
    private readonly kind: TargetKind,
    client?: SQSClient,
  ) {
    this.client = client ?? new SQSClient(clientOptions(config));
  }

  async enqueue(batches: readonly (readonly string[])[], at: Date): Promise<void> {
    // One message a batch (a batch of names can reach SQS's 256 KiB for a call on its own).
    await Promise.all(
      batches.map((targets, batch) =>
        this.client
          .send(
            new SendMessageCommand({
              QueueUrl: this.queueUrl,
              MessageBody: JSON.stringify({ kind: this.kind, batch, targets, at: at.toISOString() }),
            }),
          )
          .catch((cause: unknown) => {
            throw new AwsCallError(`SQS SendMessage (fan-out batch ${batch})`, cause);
          }),
      ),
    );
  }
}
