import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ForecastTrack } from '../decision/forecastTrust';
import type { Decision, FloorSchedule, PendingIntent } from '../decision/types';
import { AwsCallError, LeaseLostError } from '../errors';
import type { DecisionContext, Lease, Ledger, TargetRecord, TargetUpdate } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';

/** How long decision log entries are kept (DynamoDB TTL). */
export const DECISION_LOG_DAYS = 30;

interface StoredState {
  lastScaleOutAt?: string;
  lastScaleInAt?: string;
  recommendations?: { at: string; desired: number }[];
  changes?: { at: string; from: number; to: number }[];
  intent?: Omit<PendingIntent, 'at'> & { at: string };
  failures?: number;
  backoffUntil?: string;
  lastNotice?: string;
  floors?: { start: string; stepMinutes: number; units: number[]; madeAt: string; source: string };
}

/** The STATE item's update expression for a TargetUpdate; fenced on the lease's token when one is given. */
function stateUpdate(update: TargetUpdate, now: Date) {
  const set: string[] = [];
  const remove: string[] = [];
  const values: Record<string, unknown> = {};
  const { history } = update;
  if (history) {
    set.push('recommendations = :recommendations', 'changes = :changes');
    values[':recommendations'] = history.recommendations.map((r) => ({
      at: r.at.toISOString(),
      desired: r.desired,
    }));
    values[':changes'] = history.changes.map((c) => ({ at: c.at.toISOString(), from: c.from, to: c.to }));
    // The history is written whole: a last scale time it no longer has (a rolled-back change) goes.
    if (history.lastScaleOutAt) {
      set.push('lastScaleOutAt = :out');
      values[':out'] = history.lastScaleOutAt.toISOString();
    } else remove.push('lastScaleOutAt');
    if (history.lastScaleInAt) {
      set.push('lastScaleInAt = :in');
      values[':in'] = history.lastScaleInAt.toISOString();
    } else remove.push('lastScaleInAt');
  }
  if (update.clearIntent) remove.push('intent');
  else if (update.intentRecorded) {
    set.push('intent.recorded = :recorded');
    values[':recorded'] = true;
  }
  if (update.failures) {
    set.push('failures = :failures');
    values[':failures'] = update.failures.count;
    if (update.failures.backoffUntil) {
      set.push('backoffUntil = :backoff');
      values[':backoff'] = update.failures.backoffUntil.toISOString();
    } else remove.push('backoffUntil');
  }
  if (update.lastNotice === null) remove.push('lastNotice');
  else if (update.lastNotice !== undefined) {
    set.push('lastNotice = :notice');
    values[':notice'] = update.lastNotice;
  }
  let condition: string | undefined;
  if (update.lease) {
    condition = 'leaseToken = :token AND leaseExpiresAt >= :now';
    values[':token'] = update.lease.token;
    values[':now'] = now.getTime();
  }
  const expression = [
    set.length > 0 ? `SET ${set.join(', ')}` : '',
    remove.length > 0 ? `REMOVE ${remove.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  // DynamoDB refuses an empty update: touch the item's failure count, which every update may set.
  return {
    expression: expression || 'SET failures = if_not_exists(failures, :zero)',
    condition,
    values: expression ? values : { ...values, ':zero': 0 },
  };
}

/** One logged decision as stored (and as read back by `decisions`). */
export interface DecisionLogEntry extends Decision {
  readonly at: string;
  readonly trigger: DecisionContext['trigger'];
  readonly alarmName?: string;
  readonly applied: boolean;
  readonly dryRun: boolean;
}

/** The IAM actions DynamoLedger calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const dynamoLedgerIam: IamActions = {
  // TransactWriteItems is authorised as the item writes inside it (IAM has no action of its own for it).
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
};

/**
 * The ledger in one DynamoDB table (`pk`, `sk`, TTL attribute `ttl`).
 * Per target, under `pk = TARGET#<scope>#<name>`: the `STATE` item (lease, last scale times, recent
 * recommendations and changes) and one `DECISION#<time>#<n>` item per decision. `scope` is account and
 * region, so one table can serve several.
 */
export class DynamoLedger implements Ledger {
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

  async acquireLease(target: string, owner: string, now: Date, seconds: number): Promise<Lease | undefined> {
    const expiresAt = new Date(now.getTime() + seconds * 1000);
    try {
      const response = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.pk(target), sk: 'STATE' },
          // The fencing token grows with every lease taken; writes under the lease are conditional on it.
          UpdateExpression: 'SET leaseOwner = :owner, leaseExpiresAt = :expires ADD leaseToken :one',
          ConditionExpression:
            'attribute_not_exists(leaseExpiresAt) OR leaseExpiresAt < :now OR leaseOwner = :owner',
          ExpressionAttributeValues: {
            ':owner': owner,
            ':expires': expiresAt.getTime(),
            ':now': now.getTime(),
            ':one': 1,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const token = Number(response.Attributes?.leaseToken);
      if (!Number.isFinite(token)) throw new Error('UpdateItem returned no lease token');
      return { target, owner, token, expiresAt };
    } catch (cause) {
      if (cause instanceof ConditionalCheckFailedException) return undefined;
      throw new AwsCallError('DynamoDB UpdateItem (lease)', cause);
    }
  }

  async releaseLease(lease: Lease): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.pk(lease.target), sk: 'STATE' },
          UpdateExpression: 'REMOVE leaseOwner, leaseExpiresAt',
          ConditionExpression: 'leaseToken = :token',
          ExpressionAttributeValues: { ':token': lease.token },
        }),
      );
    } catch (cause) {
      if (cause instanceof ConditionalCheckFailedException) return; // expired and taken over: not ours to release
      throw new AwsCallError('DynamoDB UpdateItem (release lease)', cause);
    }
  }

  async read(target: string): Promise<TargetRecord> {
    const stored = await this.readState(target);
    return {
      history: {
        ...(stored.lastScaleOutAt ? { lastScaleOutAt: new Date(stored.lastScaleOutAt) } : {}),
        ...(stored.lastScaleInAt ? { lastScaleInAt: new Date(stored.lastScaleInAt) } : {}),
        recommendations: (stored.recommendations ?? []).map((r) => ({
          at: new Date(r.at),
          desired: r.desired,
        })),
        changes: (stored.changes ?? []).map((c) => ({ at: new Date(c.at), from: c.from, to: c.to })),
      },
      ...(stored.intent ? { intent: { ...stored.intent, at: new Date(stored.intent.at) } } : {}),
      failures: stored.failures ?? 0,
      ...(stored.backoffUntil ? { backoffUntil: new Date(stored.backoffUntil) } : {}),
      ...(stored.lastNotice ? { lastNotice: stored.lastNotice } : {}),
      ...(stored.floors
        ? {
            floors: {
              ...stored.floors,
              start: new Date(stored.floors.start),
              madeAt: new Date(stored.floors.madeAt),
            },
          }
        : {}),
    };
  }

  async writeFloors(target: string, floors: FloorSchedule | undefined): Promise<void> {
    await this.doc
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.pk(target), sk: 'STATE' },
          ...(floors
            ? {
                UpdateExpression: 'SET floors = :floors',
                ExpressionAttributeValues: {
                  ':floors': {
                    ...floors,
                    units: [...floors.units],
                    start: floors.start.toISOString(),
                    madeAt: floors.madeAt.toISOString(),
                  },
                },
              }
            : { UpdateExpression: 'REMOVE floors' }),
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('DynamoDB UpdateItem (floors)', cause);
      });
  }

  /** The forecast track lives in its own `FORECAST` item: the scalers' minute-by-minute reads never load it. */
  async readForecastTrack(target: string): Promise<ForecastTrack | undefined> {
    const response = await this.doc
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: this.pk(target), sk: 'FORECAST' },
          ConsistentRead: true,
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('DynamoDB GetItem (forecast track)', cause);
      });
    return response.Item?.track as ForecastTrack | undefined;
  }

  async writeForecastTrack(target: string, track: ForecastTrack): Promise<void> {
    await this.doc
      .send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: this.pk(target), sk: 'FORECAST', track },
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('DynamoDB PutItem (forecast track)', cause);
      });
  }

  async writeIntent(lease: Lease, intent: PendingIntent, now: Date, marginSeconds: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.pk(lease.target), sk: 'STATE' },
          UpdateExpression: 'SET intent = :intent',
          ConditionExpression: 'leaseToken = :token AND leaseExpiresAt > :deadline',
          ExpressionAttributeValues: {
            ':intent': { ...intent, at: intent.at.toISOString() },
            ':token': lease.token,
            ':deadline': now.getTime() + marginSeconds * 1000,
          },
        }),
      );
    } catch (cause) {
      if (cause instanceof ConditionalCheckFailedException)
        throw new LeaseLostError(lease.target, lease.token, { cause });
      throw new AwsCallError('DynamoDB UpdateItem (intent)', cause);
    }
  }

  async record(decision: Decision, context: DecisionContext, update?: TargetUpdate): Promise<void> {
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
    const log = {
      TableName: this.tableName,
      Item: {
        pk: this.pk(decision.target),
        sk: `DECISION#${at}#${process.pid}-${this.sequence}-${Math.random().toString(36).slice(2, 8)}`,
        ...entry,
        ttl: Math.floor(context.now.getTime() / 1000) + DECISION_LOG_DAYS * 86400,
      },
    };
    if (!update) {
      await this.doc.send(new PutCommand(log)).catch((cause: unknown) => {
        throw new AwsCallError('DynamoDB PutItem (decision log)', cause);
      });
      return;
    }
    // The decision and the state it leads to are written together or not at all.
    const state = stateUpdate(update, context.now);
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: log },
            {
              Update: {
                TableName: this.tableName,
                Key: { pk: this.pk(decision.target), sk: 'STATE' },
                UpdateExpression: state.expression,
                ...(state.condition ? { ConditionExpression: state.condition } : {}),
                ...(Object.keys(state.values).length > 0 ? { ExpressionAttributeValues: state.values } : {}),
              },
            },
          ],
        }),
      );
    } catch (cause) {
      if (update.lease && cause instanceof TransactionCanceledException) {
        const conditionFailed = (cause.CancellationReasons ?? []).some(
          (r) => r.Code === 'ConditionalCheckFailed',
        );
        if (conditionFailed) throw new LeaseLostError(update.lease.target, update.lease.token, { cause });
      }
      throw new AwsCallError('DynamoDB TransactWriteItems (decision and state)', cause);
    }
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

  private async readState(target: string): Promise<StoredState> {
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
    return (response.Item ?? {}) as StoredState;
  }
}
