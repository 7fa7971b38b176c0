import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { AwsCallError } from '../errors';
import type { AlertClaim, AlertDeliveries } from '../usecases/alertCosts';
import type { AwsConfig } from './awsConfig';
import { dynamoDocumentClient } from './dynamoDocumentClient';
import type { IamActions } from './iamActions';

/** How long the delivery records of cost alerts are kept (DynamoDB TTL). */
export const ALERT_LOG_DAYS = 60;

interface StoredDelivery {
  status?: 'claimed' | 'sent';
  token?: string;
  claimExpiresAt?: number;
}

/** The IAM actions DynamoAlertDeliveries calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
/** The partition key's prefix of every delivery record (the cost function's role may write under it only). */
export const ALERT_PARTITION_PREFIX = 'ALERT#';

export const dynamoAlertDeliveriesIam: IamActions = {
  read: ['dynamodb:GetItem'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
};

/**
 * The cost alerts' delivery records in the ledger table: one item per (day, alert key, channel) under
 * `pk = ALERT#<scope>`, `sk = <day>#<key>`. A claim is a conditional write that succeeds only when there is
 * no item or an expired claim; `sent` is written after the message went out, on the claim's own token.
 * (Items of the earlier format, without a status, were written for alerts sent: they read as sent.)
 */
export class DynamoAlertDeliveries implements AlertDeliveries {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    config: AwsConfig,
    private readonly tableName: string,
    private readonly scope: string,
    client?: DynamoDBClient,
  ) {
    this.doc = dynamoDocumentClient(config, client);
  }

  async claimAlert(day: string, key: string, now: Date, holdSeconds: number): Promise<AlertClaim> {
    // Twice at most: a claim given back between our write and our read leaves nothing to report on.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const token = randomUUID();
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...this.key(day, key),
              status: 'claimed',
              token,
              claimedAt: now.toISOString(),
              claimExpiresAt: now.getTime() + holdSeconds * 1000,
              ttl: Math.floor(now.getTime() / 1000) + ALERT_LOG_DAYS * 86400,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR (#status = :claimed AND claimExpiresAt < :now)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':claimed': 'claimed', ':now': now.getTime() },
          }),
        );
        return { status: 'claimed', token };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException))
          throw new AwsCallError('DynamoDB PutItem (alert claim)', error);
      }
      const seen = await this.read(day, key);
      // Our own claim: the SDK retries a put whose answer was lost (a timeout, a reset connection), and DynamoDB
      // may have written it; the retry then fails its own condition. The token is this attempt's alone.
      if (seen?.token === token) return { status: 'claimed', token };
      if (seen?.status === 'claimed')
        return { status: 'in-progress', until: new Date(seen.claimExpiresAt ?? now.getTime()) };
      if (seen) return { status: 'sent' };
    }
    return { status: 'in-progress', until: now };
  }

  async markAlertSent(day: string, key: string, token: string, now: Date): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(day, key),
          UpdateExpression: 'SET #status = :sent, sentAt = :now REMOVE claimExpiresAt',
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#status': 'status', '#token': 'token' },
          ExpressionAttributeValues: { ':sent': 'sent', ':now': now.toISOString(), ':token': token },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new AwsCallError('DynamoDB UpdateItem (alert sent)', error);
    }
  }

  async releaseAlert(day: string, key: string, token: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: this.key(day, key),
          ConditionExpression: '#token = :token AND #status = :claimed',
          ExpressionAttributeNames: { '#token': 'token', '#status': 'status' },
          ExpressionAttributeValues: { ':token': token, ':claimed': 'claimed' },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return; // not ours any more
      throw new AwsCallError('DynamoDB DeleteItem (alert claim)', error);
    }
  }

  private key(day: string, key: string) {
    return { pk: `${ALERT_PARTITION_PREFIX}${this.scope}`, sk: `${day}#${key}` };
  }

  private async read(day: string, key: string): Promise<StoredDelivery | undefined> {
    const response = await this.doc
      .send(new GetCommand({ TableName: this.tableName, Key: this.key(day, key), ConsistentRead: true }))
      .catch((cause: unknown) => {
        throw new AwsCallError('DynamoDB GetItem (alert delivery)', cause);
      });
    return response.Item as StoredDelivery | undefined;
  }
}
