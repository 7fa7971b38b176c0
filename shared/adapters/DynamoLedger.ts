import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { nextHistory } from '../decision/nextHistory';
import type { Decision, ScalingHistory } from '../decision/types';
import { AwsCallError } from '../errors';
import type { AlertLedger, DecisionContext, Ledger } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';

/** How long decision log entries are kept (DynamoDB TTL). */
export const DECISION_LOG_DAYS = 30;
/** How long the once-per-day claims of cost alerts are kept. */
export const ALERT_LOG_DAYS = 60;

interface StoredHistory {
  lastScaleOutAt?: string;
  lastScaleInAt?: string;
  recommendations?: { at: string; desired: number }[];
  changes?: { at: string; from: number; to: number }[];
}

/** One logged decision as stored (and as read back by `decisions`). */
export interface DecisionLogEntry extends Decision {
  readonly at: string;
  readonly trigger: DecisionContext['trigger'];
  readonly alarmName?: string;
  readonly applied: boolean;
  readonly dryRun: boolean;
}

/**
 * The ledger in one DynamoDB table (`pk`, `sk`, TTL attribute `ttl`).
 * Per target, under `pk = TARGET#<scope>#<name>`: the `STATE` item (lease, last scale times, recent
 * recommendations and changes) and one `DECISION#<time>#<n>` item per decision. `scope` is account and
 * region, so one table can serve several.
 */
export class DynamoLedger implements Ledger, AlertLedger {
  private readonly doc: DynamoDBDocumentClient;
  private sequence = 0;

  constructor(
    config: AwsConfig,
    private readonly tableName: string,
    private readonly scope: string,
    client?: DynamoDBClient,
  ) {
    this.doc = DynamoDBDocumentClient.from(client ?? new DynamoDBClient(clientOptions(config)), {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  private pk(target: string) {
    return `TARGET#${this.scope}#${target}`;
  }

  async acquireLease(target: string, owner: string, now: Date, seconds: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.pk(target), sk: 'STATE' },
          UpdateExpression: 'SET leaseOwner = :owner, leaseExpiresAt = :expires',
          ConditionExpression:
            'attribute_not_exists(leaseExpiresAt) OR leaseExpiresAt < :now OR leaseOwner = :owner',
          ExpressionAttributeValues: {
            ':owner': owner,
            ':expires': now.getTime() + seconds * 1000,
            ':now': now.getTime(),
          },
        }),
      );
      return true;
    } catch (cause) {
      if (cause instanceof ConditionalCheckFailedException) return false;
      throw new AwsCallError('DynamoDB UpdateItem (lease)', cause);
    }
  }

  async releaseLease(target: string, owner: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.pk(target), sk: 'STATE' },
          UpdateExpression: 'REMOVE leaseOwner, leaseExpiresAt',
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (cause) {
      if (cause instanceof ConditionalCheckFailedException) return; // expired and taken over: not ours to release
      throw new AwsCallError('DynamoDB UpdateItem (release lease)', cause);
    }
  }

  async history(target: string): Promise<ScalingHistory> {
    const stored = await this.readState(target);
    return {
      ...(stored.lastScaleOutAt ? { lastScaleOutAt: new Date(stored.lastScaleOutAt) } : {}),
      ...(stored.lastScaleInAt ? { lastScaleInAt: new Date(stored.lastScaleInAt) } : {}),
      recommendations: (stored.recommendations ?? []).map((r) => ({
        at: new Date(r.at),
        desired: r.desired,
      })),
      changes: (stored.changes ?? []).map((c) => ({ at: new Date(c.at), from: c.from, to: c.to })),
    };
  }

  async record(decision: Decision, context: DecisionContext): Promise<void> {
    const at = context.now.toISOString();
    const entry: DecisionLogEntry = {
      ...decision,
      at,
      trigger: context.trigger,
      applied: context.applied,
      dryRun: context.dryRun,
      ...(context.alarmName ? { alarmName: context.alarmName } : {}),
    };
    this.sequence += 1;
    await this.doc
      .send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: this.pk(decision.target),
            sk: `DECISION#${at}#${process.pid}-${this.sequence}-${Math.random().toString(36).slice(2, 8)}`,
            ...entry,
            ttl: Math.floor(context.now.getTime() / 1000) + DECISION_LOG_DAYS * 86400,
          },
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('DynamoDB PutItem (decision log)', cause);
      });
    // A plan changes nothing, not even the windows; a skipped duplicate or a held lease did not evaluate.
    if (context.trigger === 'plan' || decision.reason === 'LeaseHeld' || decision.reason === 'DuplicateEvent')
      return;

    const next = nextHistory(await this.history(decision.target), decision, context.now, context.applied);
    const values: Record<string, unknown> = {
      ':recommendations': next.recommendations.map((r) => ({ at: r.at.toISOString(), desired: r.desired })),
      ':changes': next.changes.map((c) => ({ at: c.at.toISOString(), from: c.from, to: c.to })),
    };
    let update = 'SET recommendations = :recommendations, changes = :changes';
    if (next.lastScaleOutAt) {
      update += ', lastScaleOutAt = :out';
      values[':out'] = next.lastScaleOutAt.toISOString();
    }
    if (next.lastScaleInAt) {
      update += ', lastScaleInAt = :in';
      values[':in'] = next.lastScaleInAt.toISOString();
    }
    await this.doc
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.pk(decision.target), sk: 'STATE' },
          UpdateExpression: update,
          ExpressionAttributeValues: values,
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('DynamoDB UpdateItem (history)', cause);
      });
  }

  /** Cost alerts: one item per (day, alert key, channel), kept 60 days; the condition makes the claim atomic. */
  async claimAlert(day: string, key: string, now: Date): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: this.alertPk(),
            sk: `${day}#${key}`,
            claimedAt: now.toISOString(),
            ttl: Math.floor(now.getTime() / 1000) + ALERT_LOG_DAYS * 86400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new AwsCallError('DynamoDB PutItem (alert claim)', error);
    }
  }

  async releaseAlert(day: string, key: string): Promise<void> {
    await this.doc
      .send(
        new DeleteCommand({ TableName: this.tableName, Key: { pk: this.alertPk(), sk: `${day}#${key}` } }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('DynamoDB DeleteItem (alert claim)', cause);
      });
  }

  private alertPk() {
    return `ALERT#${this.scope}`;
  }

  /** The decision log of a target, oldest first; with `between`, only decisions taken in [from, to). */
  async decisions(target: string, between?: { from: Date; to: Date }): Promise<DecisionLogEntry[]> {
    const range = between
      ? {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': this.pk(target),
            ':from': `DECISION#${between.from.toISOString()}`,
            // Keys carry a suffix after the time: stop just before the first key of `to`.
            ':to': `DECISION#${between.to.toISOString()}`,
          },
        }
      : {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': this.pk(target), ':prefix': 'DECISION#' },
        };
    const items: DecisionLogEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc
        .send(new QueryCommand({ TableName: this.tableName, ...range, ExclusiveStartKey: startKey }))
        .catch((cause: unknown) => {
          throw new AwsCallError('DynamoDB Query (decision log)', cause);
        });
      items.push(...((page.Items ?? []) as DecisionLogEntry[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private async readState(target: string): Promise<StoredHistory> {
    const response = await this.doc
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: this.pk(target), sk: 'STATE' },
          ConsistentRead: true,
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('DynamoDB GetItem (state)', cause);
      });
    return (response.Item ?? {}) as StoredHistory;
  }
}
